/**
 * Votes are tied to stake (paper §3.2 step 8, "valid if at least 2/3 of the nodes vote on it", nodes
 * weighed by stake): only registered servers with stake > 0 vote, a refused vote is dropped and
 * reported without aborting the dispute, and a judgement stands only with 2/3 of the staked servers'
 * stake, so a swarm of low-stake identities gains nothing by its numbers.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { keyFromSeed } from '../../protocol/crypto.js';
import { ProtocolParamError } from '../../protocol/errors.js';
import { messageDigest, signMessage } from '../../protocol/messages/encode.js';
import { DOMAINS, type Vote } from '../../protocol/messages/types.js';
import { MessageVerifier } from '../../protocol/messages/verifier.js';
import { createNetwork, population, tally, type CastVote, type Intercept, type NodeSpec, type RoundReport } from '../../protocol/network/index.js';
import { image, money } from './network_fixtures.js';

const HONEST_A = { user: 'honest', serverA: 'honest', serverB: 'dishonest' } as const;
const HONEST_B = { user: 'honest', serverA: 'dishonest', serverB: 'honest' } as const;

/** Plays rounds until `want` disputed (arbitrated) rounds have been seen, at most `max` rounds. */
async function disputes(net: Awaited<ReturnType<typeof createNetwork>>, want: number, max: number, intercept?: () => Intercept): Promise<RoundReport[]> {
  const out: RoundReport[] = [];
  for (let i = 0; i < max && out.length < want; i++) {
    const r = await net.request({ user: 'user', input: image(i), ...(intercept ? { intercept: intercept() } : {}) });
    expect(r.outcome).not.toBe('rejected');
    if (r.outcome === 'arbitrated') out.push(r);
  }
  expect(out.length).toBe(want);
  return out;
}

/** The honest verdict on a dispute between A and B where `cheat` is the one who cheated. */
function expectCheatConvicted(r: RoundReport, cheat: string): void {
  expect(r.verdict).not.toBeNull();
  expect(r.verdict!.userHonest).toBe(true);
  expect(r.verdict!.dishonest).toEqual([cheat]);
  const other = r.asserter === cheat ? r.validators[0]! : r.asserter;
  expect(r.verdict!.honest).toEqual([other]);
}

describe('tally weighs votes by stake, of the whole staked set', () => {
  const vote = (node: string, stake: bigint, verdict: CastVote['verdict']): CastVote => ({ node, stake, verdict });

  it('1000 identities of stake 1 lose to one server of stake 2000: 2/3 is of stake, not of heads', () => {
    const swarm = Array.from({ length: 1000 }, (_, i) => vote(`sybil-${i}`, 1n, HONEST_A));
    expect(tally([...swarm, vote('big', 2000n, HONEST_B)], 3000n)).toEqual(HONEST_B);
    // Without the big server the swarm still holds only 1/3: no verdict.
    expect(tally(swarm, 3000n)).toBeNull();
  });

  it('is exact at the 2/3 boundary (bigint: 3·w ≥ 2·total), whatever the magnitude', () => {
    const big = 10n ** 30n;
    expect(tally([vote('a', 2n * big, HONEST_A)], 3n * big)).toEqual(HONEST_A);
    expect(tally([vote('a', 2n * big - 1n, HONEST_A)], 3n * big)).toBeNull();
  });

  it('a missing vote counts against every judgement (the total is the staked set, not those who voted)', () => {
    expect(tally([vote('a', 1n, HONEST_A)], 2n)).toBeNull();
  });

  it('refuses zero-stake votes, a node voting twice, and a total below what the votes carry', () => {
    expect(() => tally([vote('a', 0n, HONEST_A)], 10n)).toThrow(ProtocolParamError);
    expect(() => tally([vote('a', 1n, HONEST_A), vote('a', 1n, HONEST_A)], 10n)).toThrow(/votes twice/);
    expect(() => tally([vote('a', 5n, HONEST_A)], 4n)).toThrow(/less than/);
    expect(() => tally([], 0n)).toThrow(ProtocolParamError);
  });
});

describe('verifyVote checks the signer against the staked servers', () => {
  it('refuses an unregistered key and a zero-stake server as WRONG_SIGNER on signer, and accepts a staked one', () => {
    const user = keyFromSeed('votes/user');
    const [a, b] = [keyFromSeed('votes/a'), keyFromSeed('votes/b')];
    const modelHash = 'ab'.repeat(32);
    const header = (n: string) => ({ networkId: 'n', modelHash, inputHash: 'cd'.repeat(32), seed: '1', requestId: 'ef'.repeat(32), nonce: n.repeat(32), expiry: 2000 });
    const dispute = signMessage(user, { domain: DOMAINS.dispute, ...header('01'), responseA: {} as never, responseB: {} as never, reveal: {} as never });
    const voteBy = (k: typeof a, n: string) => signMessage(k, { domain: DOMAINS.vote, ...header(n), disputeDigest: messageDigest(dispute), verdict: HONEST_A });
    const voters = new Map([
      [a.publicKey, 10n],
      [b.publicKey, 0n],
    ]);
    const v = new MessageVerifier({ networkId: 'n', modelHash });
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as { reason: string; field: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(refusal(() => v.verifyVote(voteBy(keyFromSeed('votes/outsider'), '02'), 1000, { dispute, voters }))).toMatchObject({ reason: 'WRONG_SIGNER', field: 'signer', message: expect.stringMatching(/not a registered server/) });
    expect(refusal(() => v.verifyVote(voteBy(b, '03'), 1000, { dispute, voters }))).toMatchObject({ reason: 'WRONG_SIGNER', field: 'signer', message: expect.stringMatching(/no stake/) });
    expect(v.verifyVote(voteBy(a, '04'), 1000, { dispute, voters }).signer).toBe(a.publicKey);
  });
});

describe('in real rounds', () => {
  it('a vote by an unregistered key or a zero-stake server is dropped with its reason, and the dispute reaches the honest verdict', async () => {
    // node-0..4 honest, node-5 cheats; 'zero' holds no stake and votes to clear node-5.
    const nodes: NodeSpec[] = [
      ...population({ honest: 5, cheat: 1 }),
      { id: 'zero', stake: 0n, strategy: { kind: 'colluding', coalition: { id: 'zero', members: ['zero', 'node-5'] } } },
    ];
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1'), seed: 'votes-unregistered' });
    const cheat = net.identity('node-5').publicKey;
    const outsider = keyFromSeed('votes/outsider');
    // The cheat's vote is replaced by a vote that clears it, validly signed by a key no server holds.
    const intercept = (): Intercept => (stage, m) => {
      if (stage !== 'vote' || (m as Vote).signer !== cheat) return m;
      const { signer: _s, signature: _g, ...body } = m as Vote;
      return signMessage(outsider, { ...body, verdict: HONEST_A });
    };
    for (const r of await disputes(net, 3, 40, intercept)) {
      expect(r.droppedVotes).toEqual([
        expect.objectContaining({ node: 'node-5', stage: 'vote', reason: 'WRONG_SIGNER', field: 'signer', message: expect.stringMatching(/not a registered server/) }),
        expect.objectContaining({ node: 'zero', stage: 'vote', reason: 'WRONG_SIGNER', field: 'signer', message: expect.stringMatching(/no stake/) }),
      ]);
      expect(r.votes!.map((v) => v.node)).toEqual(['node-0', 'node-1', 'node-2', 'node-3', 'node-4']);
      expectCheatConvicted(r, 'node-5');
    }
    expect(net.stats('zero').served).toBe(0);
  });

  it('a Sybil swarm of 100 low-stake servers voting with the cheat cannot outvote the honest 3/4 of the stake', async () => {
    // 3 honest servers and a cheat at 10^9 each; 100 Sybils at 899 each (just under the S = 900 that
    // serving needs), all voting to clear the cheat. By heads it is 101 to 3; by stake 3/4 is honest.
    const sybils = Array.from({ length: 100 }, (_, i) => `sybil-${i}`);
    const coalition = { id: 'swarm', members: ['node-3', ...sybils] };
    const nodes: NodeSpec[] = [...population({ honest: 3, cheat: 1 }), ...sybils.map((id): NodeSpec => ({ id, stake: 899n, strategy: { kind: 'colluding', coalition } }))];
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1'), seed: 'votes-sybil' });
    for (const r of await disputes(net, 4, 40)) {
      expect(r.votes).toHaveLength(104);
      expect(r.droppedVotes).toEqual([]);
      const against = r.votes!.filter((v) => v.node === 'node-3' || v.node.startsWith('sybil-'));
      expect(against).toHaveLength(101);
      expectCheatConvicted(r, 'node-3');
    }
    for (const id of ['node-0', 'node-1', 'node-2']) expect(net.stats(id).slashed).toBe(0);
    for (const id of sybils) expect(net.stats(id).served).toBe(0);
  });

  it('a single malformed vote is dropped as MALFORMED and the dispute goes on to its verdict', async () => {
    // 5 honest, 1 cheat, equal stakes but node-0's 1000 lower: without node-0's vote the honest hold 4/6,
    // just over 2/3. The 1000 keeps that true whatever rewards (R = 5 a round) node-0 has earned so far:
    // at exactly 2/3 it hung on which rounds node-0 happened to validate.
    const nodes = population({ honest: 5, cheat: 1 }).map((n) => (n.id === 'node-0' ? { ...n, stake: n.stake - 1000n } : n));
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1'), seed: 'votes-malformed' });
    const first = net.identity('node-0').publicKey;
    const intercept = (): Intercept => (stage, m) => (stage === 'vote' && (m as Vote).signer === first ? { ...(m as Vote), verdict: 'guilty' } : m);
    for (const r of await disputes(net, 3, 40, intercept)) {
      expect(r.droppedVotes).toEqual([expect.objectContaining({ node: 'node-0', stage: 'vote', reason: 'MALFORMED' })]);
      expect(r.votes).toHaveLength(5);
      expectCheatConvicted(r, 'node-5');
      expect(r.settlement!.entries).toContainEqual(expect.objectContaining({ kind: 'slash-burn', account: 'node-5' }));
    }
  });
});
