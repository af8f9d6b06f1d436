/**
 * Every step of a live round has a deadline and a default verdict (protocol/settlement.ts,
 * "Liveness"; protocol/live/round.ts). Each test silences one party through the fault-injecting
 * transport and checks who pays, and that a silence the deadline absorbs changes nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyFromSeed } from '../../protocol/crypto.js';
import { FileServedStore } from '../../protocol/live/served_store.js';
import { ServerNode } from '../../protocol/live/server_node.js';
import type { LiveRoundReport } from '../../protocol/live/types.js';
import type { JournalKind } from '../../protocol/ledger.js';
import { image } from '../protocol/network_fixtures.js';
import { honest, liveMoney, liveNetwork, mnistModel, type NodePlan } from './fixtures.js';

const entries = (r: LiveRoundReport, kind: JournalKind) => r.settlement.entries.filter((e) => e.kind === kind).map((e) => [e.account, e.amount]);
const cheatingNode0 = (n: number): NodePlan[] => honest(n).map((p, i) => (i === 0 ? { ...p, strategy: { kind: 'cheat' } } : p));

/** Requests until one round involves node-0 as asserter or validator and settles past a mismatch. */
async function firstDisputeOf(net: Awaited<ReturnType<typeof liveNetwork>>['net'], from = 0): Promise<LiveRoundReport> {
  for (let i = from; i < from + 40; i++) {
    const r = await net.request({ user: 'user', input: image(i) });
    if (r.outcome !== 'match') return r;
  }
  throw new Error('no dispute in 40 rounds');
}

describe('a silent asserter', () => {
  it('gets the user its fee back and costs the asserter the silence penalty P, not its stake', async () => {
    const { net, faults } = await liveNetwork(honest(4), liveMoney('0'));
    faults.add({ method: 'infer', action: { kind: 'drop' } });
    const before = net.ledger.free('user');
    const r = await net.request({ user: 'user', input: image(0) });
    expect(r.outcome).toBe('asserter-silent');
    expect(r.silences.map((s) => [s.node, s.step])).toEqual([[r.asserter, 'response']]);
    expect(entries(r, 'penalty')).toEqual([[r.asserter, 90n]]);
    expect(entries(r, 'refund')).toEqual([['user', 10n]]);
    expect(entries(r, 'slash-burn')).toEqual([]);
    // The rest of A's stake and the user's Su are released at once: the user is whole again.
    expect(net.ledger.account(r.asserter)).toMatchObject({ locked: 0n, free: 10_000n - 90n });
    expect(net.ledger.account('user')).toMatchObject({ locked: 0n, free: before });
  });

  it('answering a retry with the response it already signed: a lost reply costs nothing', async () => {
    const { net, faults } = await liveNetwork(honest(4), liveMoney('1'));
    faults.add({ method: 'infer', action: { kind: 'drop-reply' }, times: 2 });
    const r = await net.request({ user: 'user', input: image(1) });
    expect(faults.injected.filter((f) => f.kind === 'drop-reply')).toHaveLength(2);
    expect(r.outcome).toBe('match');
    expect(r.silences).toEqual([]);
  });
});

describe('a user who withholds', () => {
  it('its reveal loses the fee u, and A is paid as for an unchallenged round', async () => {
    const { net } = await liveNetwork(honest(4), liveMoney('1'));
    const before = net.ledger.free('user');
    const r = await net.request({ user: 'user', input: image(2), withhold: 'reveal' });
    expect(r.outcome).toBe('withheld-reveal');
    expect(entries(r, 'escrow-burn')).toEqual([['user', 10n]]);
    expect(entries(r, 'reward')).toEqual([[r.asserter, 5n]]);
    expect(net.ledger.free('user') + net.ledger.account('user').locked).toBe(before - 10n);
  });

  it('its dispute after a mismatch forfeits u and escapes no judgement it could win', async () => {
    const { net } = await liveNetwork(cheatingNode0(4), liveMoney('1'));
    let r: LiveRoundReport | undefined;
    for (let i = 0; i < 40 && !r; i++) {
      const x = await net.request({ user: 'user', input: image(i), withhold: 'dispute' });
      if (x.outcome !== 'match') r = x;
    }
    expect(r!.outcome).toBe('dispute-withheld');
    expect(entries(r!, 'escrow-burn')).toEqual([['user', 10n]]);
    expect(entries(r!, 'slash-burn')).toEqual([]);
  });
});

describe('a silent validator', () => {
  it('is penalised P and replaced by the next validator of the draw, and the round still compares', async () => {
    const { net, faults } = await liveNetwork(honest(5), liveMoney('1'));
    const asked: string[] = [];
    faults.add({ method: 'infer', match: (node) => (asked.push(node), asked.length === 2 || node === asked[1]), action: { kind: 'drop' } });
    const r = await net.request({ user: 'user', input: image(3) });
    const silentOne = asked[1]!;
    expect(r.replaced).toEqual([silentOne]);
    expect(r.validators).toHaveLength(1);
    expect(r.validators[0]).not.toBe(silentOne);
    expect(r.outcome).toBe('match');
    const penalties = r.settlement.entries.filter((e) => e.kind === 'penalty');
    expect(penalties).toEqual([]); // P was taken when it was replaced, before the settlement
    expect(net.ledger.journal().filter((e) => e.kind === 'penalty').map((e) => [e.account, e.amount])).toEqual([[silentOne, 90n]]);
    expect(net.ledger.account(silentOne)).toMatchObject({ locked: 0n, free: 10_000n - 90n });
  });

  // The replacement is the next server of the draw's order (validator_order.ts), which every voter
  // recomputes from the draw and the board's list of the silent: were the board to pick any other,
  // each voter would refuse the dispute as naming a B the draw did not select, and no verdict would stand.
  it('is replaced by the server every voter’s redone draw names: a dispute with the replacement is voted on by all', async () => {
    const { net, faults } = await liveNetwork(cheatingNode0(5), liveMoney('1'));
    // In a round node-0 asserts, the first validator asked (the second node asked) is silent.
    let asked: string[] = [];
    faults.add({ method: 'infer', match: (node) => (asked.push(node), asked[0] === 'node-0' && node === asked[1]), action: { kind: 'drop' } });
    let r: LiveRoundReport | undefined;
    for (let i = 0; i < 40 && !r; i++) {
      asked = [];
      const x = await net.request({ user: 'user', input: image(i) });
      if (x.asserter === 'node-0') r = x;
    }
    expect(r!.replaced).toHaveLength(1);
    expect(r!.validators).toHaveLength(1);
    expect(r!.validators[0]).not.toBe(r!.replaced[0]);
    expect(r!.silences.filter((s) => s.step === 'vote')).toEqual([]);
    expect(r!.votes).toHaveLength(5);
    expect(r!.outcome).toBe('arbitrated');
    expect(r!.verdict).toEqual({ userHonest: true, dishonest: ['node-0'], honest: r!.validators });
  });
});

describe('a disputed party that does not attest', () => {
  it('is judged dishonest by default, without a vote, and slashed', async () => {
    const { net, faults } = await liveNetwork(cheatingNode0(5), liveMoney('1'));
    faults.add({ node: 'node-0', method: 'attest', action: { kind: 'drop' } });
    const r = await firstDisputeOf(net);
    expect(r.outcome).toBe('arbitrated');
    expect(r.defaulted).toEqual(['node-0']);
    expect(r.votes).toBeUndefined();
    expect(r.verdict).toMatchObject({ userHonest: true, dishonest: ['node-0'] });
    expect(entries(r, 'slash').concat(entries(r, 'slash-burn'))).toEqual([
      ['node-0', 300n],
      ['node-0', 600n],
    ]);
  });

  it('answers from disk after a crash and restart within the deadline, and the dispute is judged on the evidence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spml-served-'));
    const model = await mnistModel();
    const key = keyFromSeed('live-test-node-0');
    const fixture = await liveNetwork(cheatingNode0(5), liveMoney('1'), { deadlines: { response: 2000, attestation: 4000, vote: 4000, perCall: 800, retry: 20 } });
    const { net, inner, faults } = fixture;
    const start = (served: FileServedStore) => new ServerNode({ id: 'node-0', key, networkId: 'spml-local', model, strategy: { kind: 'cheat' }, served });
    inner.add('node-0', start(new FileServedStore(dir)).handle);
    // node-0 crashes as its dispute begins, and comes back 300 ms later from its state directory.
    let crashed = false;
    faults.add({
      node: 'node-0',
      method: 'attest',
      match: () => {
        if (!crashed) {
          crashed = true;
          inner.remove('node-0');
          setTimeout(() => inner.add('node-0', start(new FileServedStore(dir)).handle), 300);
        }
        return false;
      },
      action: { kind: 'drop' },
    });
    const r = await firstDisputeOf(net);
    expect(crashed).toBe(true);
    expect(r.defaulted).toEqual([]);
    expect(r.silences.every((s) => s.step === 'vote' || s.node !== 'node-0')).toBe(true);
    expect(r.votes!.length).toBeGreaterThanOrEqual(4);
    expect(r.verdict).toMatchObject({ userHonest: true, dishonest: ['node-0'] });
  });
});

describe('votes', () => {
  // Six equal stakes; the cheat node-0 votes to clear itself, so the honest judgement needs 4 of the 5 others.
  it('a silent voter counts against every judgement: 4 honest of 6 equal stakes decide, 3 do not', async () => {
    const one = await liveNetwork(cheatingNode0(6), liveMoney('1'));
    one.faults.add({ node: 'node-5', method: 'judge', action: { kind: 'drop' } });
    const r1 = await firstDisputeOf(one.net);
    expect(r1.votes).toHaveLength(5);
    expect(r1.outcome).toBe('arbitrated');

    const two = await liveNetwork(cheatingNode0(6), liveMoney('1'));
    two.faults.add({ match: (node, method) => method === 'judge' && (node === 'node-4' || node === 'node-5'), action: { kind: 'drop' } });
    const r2 = await firstDisputeOf(two.net);
    expect(r2.votes).toHaveLength(4);
    expect(r2.outcome).toBe('no-verdict');
    expect(entries(r2, 'refund')).toEqual([['user', 10n]]);
  });

  // A vote weighs its signer's stake, not one head each (network/arbitration.ts tally, round.ts): here
  // 4 of the 5 voters are honest, but the cheat holds 3/7 of the stake, so the honest 4/7 is short of 2/3.
  it('weigh their signer’s stake, not heads: a cheat holding over 1/3 of the stake blocks what 4 of 5 voters say', async () => {
    const plans = cheatingNode0(5).map((p) => (p.id === 'node-0' ? { ...p, stake: 30_000n } : p));
    const { net } = await liveNetwork(plans, liveMoney('1'));
    const r = await firstDisputeOf(net);
    expect(r.votes).toHaveLength(5);
    const convicts = (v: NonNullable<LiveRoundReport['votes']>[number]) => (r.asserter === 'node-0' ? v.verdict.serverA : v.verdict.serverB) === 'dishonest';
    expect(r.votes!.filter(convicts).map((v) => v.node).sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    expect(r.outcome).toBe('no-verdict');
    expect(entries(r, 'refund')).toEqual([['user', 10n]]);
    expect(entries(r, 'slash-burn')).toEqual([]);
    expect(r.votes!.find((v) => v.node === 'node-0')!.stake).toBe(30_000n);
  });
});

describe('a partitioned node', () => {
  it('cut off for less than the response deadline is only late; for longer it is replaced', async () => {
    const { net, faults } = await liveNetwork(honest(4), liveMoney('1'));
    for (const id of ['node-0', 'node-1', 'node-2', 'node-3']) faults.partition(id, 150);
    const late = await net.request({ user: 'user', input: image(5) });
    expect(late.outcome).toBe('match');
    expect(late.silences).toEqual([]);
    expect(faults.injected.some((f) => f.kind === 'partition')).toBe(true);

    // node-2 cut off for good: every round that asks it goes on without it, at the cost of P to node-2.
    faults.partition('node-2', 60_000);
    const reports = await net.run([6, 7, 8, 9, 10, 11].map((i) => ({ user: 'user', input: image(i) })));
    const touched = reports.filter((r) => r.asserter === 'node-2' || r.replaced.includes('node-2'));
    expect(touched.length).toBeGreaterThan(0);
    for (const r of reports) {
      expect(r.validators).not.toContain('node-2');
      expect(r.outcome).toBe(r.asserter === 'node-2' ? 'asserter-silent' : 'match');
    }
    const penalties = net.ledger.journal().filter((e) => e.kind === 'penalty');
    expect(penalties.map((e) => e.account)).toEqual(touched.map(() => 'node-2'));
  });
});
