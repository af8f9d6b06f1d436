/**
 * The challenge draw and the validator choice cannot be ground by the user (paper §3.2 step 3; docs/
 * PROTOCOL.md §3). The draw seed mixes the user's committed secret, A's signed response digest and the
 * round beacon the network publishes after the response (challenge.ts drawSeed, network/beacon.ts).
 *
 * The grinding user below tries up to 64 secrets per round and keeps the first one that, by the old
 * user-only derivation (selectionSeed(secret, requestId), isChallenged(secret, requestId, p)), gives it
 * what it wants. Against that derivation it would always win; against the mixed one it gets what stake
 * says. Restoring the old derivation in round.ts makes the first two tests fail.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { drawSeed, isChallenged, isRoundChallenged, type DrawInputs } from '../../protocol/challenge.js';
import { sha256Hex } from '../../protocol/crypto.js';
import { MessageRejected, ProtocolParamError } from '../../protocol/errors.js';
import { messageDigest } from '../../protocol/messages/encode.js';
import { MessageVerifier } from '../../protocol/messages/verifier.js';
import { createNetwork, population, type RoundReport } from '../../protocol/network/index.js';
import { selectValidators, selectionSeed, type StakedNode } from '../../protocol/selection.js';
import { band, image, money } from './network_fixtures.js';

const candidate = (i: number, requestId: string) => sha256Hex('grind\n', requestId, '\n', String(i));

/** A user that grinds its secret so that, by the old derivation, `target` is the validator. */
function grindValidator(pool: readonly StakedNode[], target: string) {
  return ({ requestId, asserter }: { requestId: string; asserter: string }): string => {
    let first = '';
    for (let i = 0; i < 64; i++) {
      const s = candidate(i, requestId);
      first ||= s;
      if (asserter !== target && selectValidators(pool, { asserter, count: 1, seed: selectionSeed(s, requestId) })[0] === target) return s;
    }
    return first;
  };
}

/** A user that grinds its secret so that, by the old derivation, the round is not challenged. */
function grindNoChallenge(p: string) {
  return ({ requestId }: { requestId: string }): string => {
    let first = '';
    for (let i = 0; i < 64; i++) {
      const s = candidate(i, requestId);
      first ||= s;
      if (!isChallenged(s, requestId, p)) return s;
    }
    return first;
  };
}

/** What any party recomputes from a round's signed messages and its published beacon. */
function drawOf(r: RoundReport): DrawInputs {
  const rev = r.messages.reveal!;
  return { secret: rev.secret, requestId: rev.requestId, responseDigest: rev.responseDigest, beacon: r.beacon! };
}

describe('a user grinding its secret', () => {
  it('gets the validator it wants no more often than stake says', async () => {
    // 4 servers of equal stake: a given server is the validator when it is not A (3/4) and then the
    // draw picks it among the other 3 (1/3), so 1/4 of rounds. Grinding the old derivation: 3/4.
    const nodes = population({ honest: 4 });
    const pool = nodes.map((n) => ({ id: n.id, stake: n.stake }));
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1'), seed: 'grind-validator' });
    const N = 400;
    let hits = 0;
    for (let i = 0; i < N; i++) {
      const r = await net.request({ user: 'user', input: image(i), challengeSecret: grindValidator(pool, 'node-3') });
      expect(r.outcome).toBe('match');
      if (r.validators[0] === 'node-3') hits++;
    }
    expect(Math.abs(hits - N / 4)).toBeLessThanOrEqual(band(N, 1 / 4));
  });

  it('cannot avoid the challenge: the rate over many rounds stays p, and the monitor sees nothing', async () => {
    const p = '0.3';
    const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3 }), config: money(p), seed: 'grind-challenge' });
    const N = 1000;
    for (let i = 0; i < N; i++) await net.request({ user: 'user', input: image(i), challengeSecret: grindNoChallenge(p) });
    const k = net.rounds.filter((r) => r.challenged).length;
    expect(Math.abs(k - N * 0.3)).toBeLessThanOrEqual(band(N, 0.3));
    expect(net.monitor.report().drift).toBeNull();
  });
});

describe('the mixed draw', () => {
  it('keeps the challenge rate exactly p: H(drawSeed‖requestId) < p·2^256 over 10 000 draws', () => {
    for (const p of ['0', '0.1', '0.5', '1']) {
      let k = 0;
      const N = 10_000;
      for (let i = 0; i < N; i++) {
        const h = (tag: string) => sha256Hex(tag, String(i));
        if (isRoundChallenged({ secret: h('s'), requestId: h('r'), responseDigest: h('d'), beacon: h('b') }, p)) k++;
      }
      const rate = Number(p);
      if (rate === 0 || rate === 1) expect(k).toBe(rate * N);
      else expect(Math.abs(k - N * rate)).toBeLessThanOrEqual(band(N, rate));
    }
  });

  it('changes with each party’s contribution', () => {
    const base: DrawInputs = { secret: '11'.repeat(32), requestId: '22'.repeat(32), responseDigest: '33'.repeat(32), beacon: '44'.repeat(32) };
    const seeds = new Set([base, { ...base, secret: '12'.repeat(32) }, { ...base, responseDigest: '34'.repeat(32) }, { ...base, beacon: '45'.repeat(32) }].map(drawSeed));
    expect(seeds.size).toBe(4);
    expect(() => drawSeed({ ...base, beacon: 'xyz' })).toThrow(MessageRejected);
  });

  it('is reproducible by every party from the signed messages and the beacon', async () => {
    const nodes = population({ honest: 5 });
    const pool = nodes.map((n) => ({ id: n.id, stake: n.stake }));
    const play = async () => {
      const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('0.5'), seed: 'reproducible-draw' });
      for (let i = 0; i < 40; i++) await net.request({ user: 'user', input: image(i) });
      return net.rounds;
    };
    const rounds = await play();
    expect(rounds.filter((r) => r.challenged).length).toBeGreaterThan(5);
    for (const r of rounds) {
      expect(r.beacon).toMatch(/^[0-9a-f]{64}$/);
      // The reveal names A's signed response, and the draw follows from it, the secret and the beacon.
      expect(r.messages.reveal!.responseDigest).toBe(messageDigest(r.messages.responseA!));
      const seed = drawSeed(drawOf(r));
      expect(isChallenged(seed, r.requestId, '0.5')).toBe(r.challenged);
      if (r.challenged) expect(selectValidators(pool, { asserter: r.asserter, count: 1, seed: selectionSeed(seed, r.requestId) })).toEqual(r.validators);
    }
    // The beacon is a deterministic chain: a replay publishes the same values, and each round its own.
    const again = await play();
    expect(again.map((r) => r.beacon)).toEqual(rounds.map((r) => r.beacon));
    expect(new Set(rounds.map((r) => r.beacon)).size).toBe(rounds.length);
  });
});

describe('the board refuses a claimed challenge or validator the draw does not give', () => {
  it('checks the dispute against the beacon and the drawn validators', async () => {
    const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3, cheat: 1 }), config: money('1'), seed: 'claimed-draw' });
    let r: RoundReport | undefined;
    for (let i = 0; i < 40 && !r; i++) {
      const x = await net.request({ user: 'user', input: image(i) });
      if (x.outcome === 'arbitrated') r = x;
    }
    const d = r!.messages.dispute!;
    const now = d.expiry - 1;
    const board = (p: string) => new MessageVerifier({ networkId: d.networkId, modelHash: d.modelHash, challengeProbability: p });
    const keyOf = (id: string) => net.identity(id).publicKey;
    // As published: accepted.
    expect(board('1').verifyDispute(d, now, { beacon: r!.beacon!, validators: r!.validators.map(keyOf) })).toBe(d);
    // At p = 1/2, a beacon under which this reveal draws no challenge: the claimed challenge is refused.
    const draw = drawOf(r!);
    // Bounded: a draw the beacon no longer moves must fail here, not spin forever (1 in 2^64 otherwise).
    let other = 0;
    while (other < 64 && isRoundChallenged({ ...draw, beacon: other.toString(16).padStart(64, '0') }, '0.5')) other++;
    expect(other, 'no beacon of 64 tried draws no challenge: the beacon does not move the draw').toBeLessThan(64);
    const e1 = (() => { try { board('0.5').verifyDispute(d, now, { beacon: other.toString(16).padStart(64, '0') }); } catch (e) { return e; } })();
    expect(e1).toBeInstanceOf(MessageRejected);
    expect(e1).toMatchObject({ reason: 'BAD_REVEAL', field: 'reveal.secret' });
    // A B the draw did not select: refused.
    const notDrawn = net.nodeIds.filter((id) => id !== r!.asserter && !r!.validators.includes(id)).map(keyOf);
    const e2 = (() => { try { board('1').verifyDispute(d, now, { beacon: r!.beacon!, validators: notDrawn }); } catch (e) { return e; } })();
    expect(e2).toMatchObject({ reason: 'WRONG_SIGNER', field: 'responseB.signer' });
    // Without the beacon a board that knows p cannot check the draw, and says so.
    expect(() => board('1').verifyDispute(d, now)).toThrow(ProtocolParamError);
  });
});
