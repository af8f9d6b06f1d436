/**
 * protocol/network: real rounds on an honest network settle exactly; an audited request looks to A
 * exactly like an unaudited one; forged, replayed, expired and wrong-model messages injected into a
 * round are refused with typed reasons before any money moves; an inverted sampler is flagged.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { isChallenged } from '../../protocol/challenge.js';
import { signMessage } from '../../protocol/messages/encode.js';
import type { InferenceRequest, InferenceResponse, Vote } from '../../protocol/messages/types.js';
import { createNetwork, population, type Network, type Stage } from '../../protocol/network/index.js';
import { image, money } from './network_fixtures.js';

/** Everything about the ledger a round could change. */
function snapshot(net: Network) {
  return { journal: net.ledger.journalLength, round: net.ledger.round, accounts: net.ledger.accountIds().map((id) => net.ledger.account(id)) };
}

describe('an honest network', () => {
  it('settles 200 rounds by the §3.2 rules: A earns R unchallenged, A and B earn R on a match, nothing slashed', async () => {
    const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 4 }), config: money('0.3'), seed: 'honest-200' });
    for (let i = 0; i < 200; i++) {
      const r = await net.request({ user: 'user', input: image(i) });
      expect(r.outcome).toBe(r.challenged ? 'match' : 'unchallenged');
      expect(r.validators).not.toContain(r.asserter);
      expect(r.settlement!.minted).toBe(r.challenged ? 10n : 5n);
      expect(r.settlement!.burnt).toBe(r.challenged ? 5n : 10n);
      expect(new Set(r.responses.map((s) => s.outputHash)).size).toBe(1);
    }
    const challenged = net.rounds.filter((r) => r.challenged).length;
    const user = net.ledger.account('user');
    // The last rounds' Su is still locked (window 2), so count it with the free balance.
    expect(user.free + user.locked).toBe(10n ** 12n - 10n * 200n + 5n * BigInt(challenged));
    expect(user.escrow).toBe(0n);
    const served = net.nodeIds.map((id) => net.stats(id));
    expect(served.reduce((s, x) => s + x.served, 0)).toBe(200 + challenged);
    expect(served.reduce((s, x) => s + x.earned, 0n)).toBe(5n * BigInt(200 + challenged));
    expect(served.every((x) => x.slashed === 0)).toBe(true);
  });

  it('replays exactly from its seed', async () => {
    const run = async () => {
      const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3 }), config: money('0.5'), seed: 7 });
      for (let i = 0; i < 5; i++) await net.request({ user: 'user', input: image(i) });
      return net.rounds.map((r) => [r.requestId, r.asserter, r.challenged, r.validators, r.messages.responseA!.signature]);
    };
    expect(await run()).toEqual(await run());
  });
});

describe('audited and unaudited requests look the same to A', () => {
  it('with p = 0 and p = 1 (same seed) A receives byte-identical requests and signs identical responses', async () => {
    const make = (p: string) => createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3 }), config: money(p), seed: 'audit-blind' });
    const never = await make('0');
    const always = await make('1');
    for (let i = 0; i < 5; i++) {
      const a = await never.request({ user: 'user', input: image(i) });
      const b = await always.request({ user: 'user', input: image(i) });
      expect([a.challenged, b.challenged]).toEqual([false, true]);
      expect(b.messages.requestA).toEqual(a.messages.requestA);
      expect(b.messages.responseA).toEqual(a.messages.responseA);
      // B's request has the same fields as A's, and the same body (requestDigest) for an honest user.
      expect(Object.keys(b.messages.requestsB[0]!).sort()).toEqual(Object.keys(b.messages.requestA!).sort());
      expect(b.messages.responsesB[0]!.requestDigest).toBe(b.messages.responseA!.requestDigest);
    }
  });
});

describe('injected messages are refused with typed reasons and move no money', () => {
  async function attempt(stage: Stage, tamper: (msg: unknown, net: Network) => unknown, opts: { p?: string; clock?: { t: number } } = {}) {
    const clock = opts.clock;
    const net = await createNetwork({
      model: 'mnist-mlp',
      nodes: population({ honest: 3, cheat: 1 }),
      config: money(opts.p ?? '1'),
      seed: 'inject',
      ...(clock ? { clock: () => clock.t } : {}),
    });
    await net.request({ user: 'user', input: image(0) });
    const before = snapshot(net);
    const r = await net.request({ user: 'user', input: image(1), intercept: (s, m) => (s === stage ? tamper(m, net) : m) });
    expect(r.outcome).toBe('rejected');
    expect(snapshot(net)).toEqual(before);
    expect(r.settlement).toBeUndefined();
    return { r, net };
  }

  it('a forged response (output hash changed after signing) is BAD_SIGNATURE', async () => {
    const { r } = await attempt('response-A', (m) => ({ ...(m as InferenceResponse), outputHash: 'ab'.repeat(32) }));
    expect(r.rejected).toMatchObject({ stage: 'response-A', reason: 'BAD_SIGNATURE', field: 'signature' });
  });

  it("a replay of the previous round's response is REPLAY", async () => {
    const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3 }), config: money('0'), seed: 'replay' });
    const first = await net.request({ user: 'user', input: image(0) });
    const previous = first.messages.responseA!;
    const before = snapshot(net);
    const again = await net.request({ user: 'user', input: image(1), intercept: (s, m) => (s === 'response-A' ? previous : m) });
    expect(again.rejected).toMatchObject({ stage: 'response-A', reason: 'REPLAY', field: 'nonce' });
    expect(snapshot(net)).toEqual(before);
  });

  it('a request delivered after its expiry is EXPIRED', async () => {
    const clock = { t: 1_800_000_000_000 };
    const { r } = await attempt('request-A', (m) => {
      clock.t += 61_000;
      return m;
    }, { clock });
    expect(r.rejected).toMatchObject({ stage: 'request-A', reason: 'EXPIRED', field: 'expiry' });
  });

  it('a validly signed request for another model is WRONG_MODEL', async () => {
    const { r } = await attempt('request-A', (m, net) => {
      const { signer: _s, signature: _sig, ...body } = m as InferenceRequest;
      return signMessage(net.identity('user'), { ...body, modelHash: 'cd'.repeat(32) });
    });
    expect(r.rejected).toMatchObject({ stage: 'request-A', reason: 'WRONG_MODEL', field: 'modelHash' });
  });

  it('a vote altered in transit is dropped as BAD_SIGNATURE; with every vote forged no verdict can stand', async () => {
    // p = 1 and a cheat among four nodes: some round soon is disputed and voted on.
    const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3, cheat: 1 }), config: money('1'), seed: 'vote' });
    let tampered = false;
    for (let i = 0; i < 40 && !tampered; i++) {
      const r = await net.request({
        user: 'user',
        input: image(i),
        intercept: (s, m) => (s === 'vote' ? { ...(m as Vote), verdict: { user: 'dishonest', serverA: 'honest', serverB: 'honest' } } : m),
      });
      expect(r.outcome).not.toBe('rejected');
      if (r.droppedVotes && r.droppedVotes.length > 0) {
        tampered = true;
        expect(r.droppedVotes).toHaveLength(4);
        for (const d of r.droppedVotes) expect(d).toMatchObject({ stage: 'vote', reason: 'BAD_SIGNATURE' });
        expect(r.votes).toEqual([]);
        expect(r.outcome).toBe('arbitrated');
        expect(r.verdict).toBeNull();
        expect(r.settlement!.entries.filter((e) => e.kind.startsWith('slash'))).toEqual([]);
      }
    }
    expect(tampered).toBe(true);
  });
});

describe('the challenge-rate monitor sees every draw', () => {
  it('an inverted sampler (rate 1 − p) is flagged high; the protocol sampler is not', async () => {
    const run = async (sampler?: (s: string, id: string, p: string) => boolean) => {
      const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 3 }), config: money('0.3'), seed: 'monitor', ...(sampler ? { sampler } : {}) });
      for (let i = 0; i < 200; i++) await net.request({ user: 'user', input: image(i) });
      return net.monitor.report();
    };
    const inverted = await run((s, id, p) => !isChallenged(s, id, p));
    const correct = await run();
    expect(inverted.rounds).toBe(200);
    expect(inverted.drift).toBe('high');
    expect(correct.drift).toBeNull();
    expect(inverted.challenged + correct.challenged).toBe(200);
  });
});
