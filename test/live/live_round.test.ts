/**
 * The live round (protocol/live/round.ts) over the in-process transport, nobody silent: every outcome
 * of paper §3.2 reached through the server nodes' own calls, with the money where settlement says.
 */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../engine/api.js';
import { ModelStore } from '../../protocol/inference.js';
import { perturbModel } from '../../protocol/strategies.js';
import { image } from '../protocol/network_fixtures.js';
import { honest, liveMoney, liveNetwork } from './fixtures.js';

describe('live rounds between server nodes', () => {
  it('settles unchallenged rounds (p = 0): u burnt, R to the asserter, nothing else moves', async () => {
    const { net } = await liveNetwork(honest(4), liveMoney('0'));
    const reports = await net.run([0, 1, 2, 3, 4].map((i) => ({ user: 'user', input: image(i) })));
    expect(reports.map((r) => r.outcome)).toEqual(Array(5).fill('unchallenged'));
    for (const r of reports) expect(r.settlement.burnt).toBe(10n);
    net.ledger.checkConservation();
  });

  it('matches honest validators on every challenged round (p = 1), two validators each', async () => {
    const { net } = await liveNetwork(honest(4), liveMoney('1', 2));
    const reports = await net.run([0, 1, 2].map((i) => ({ user: 'user', input: image(i) })), { concurrency: 3 });
    for (const r of reports) {
      expect(r.outcome).toBe('match');
      expect(r.validators).toHaveLength(2);
      expect(r.validators).not.toContain(r.asserter);
      expect(r.silences).toEqual([]);
    }
  });

  it('slashes a cheating asserter after every node judges the dispute by re-executing one layer', async () => {
    const plans = honest(5).map((p, i) => (i === 0 ? { ...p, strategy: { kind: 'cheat' as const } } : p));
    const { net } = await liveNetwork(plans, liveMoney('1'));
    const reports = await net.run([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ user: 'user', input: image(i) })));
    const disputes = reports.filter((r) => r.asserter === 'node-0' || r.validators.includes('node-0'));
    expect(disputes.length).toBeGreaterThan(0);
    for (const r of disputes) {
      expect(r.outcome).toBe('arbitrated');
      expect(r.verdict?.dishonest).toEqual(['node-0']);
      expect(r.votes!.length).toBe(5);
      expect(r.bisection!.divergentIndex).toBeGreaterThanOrEqual(0);
      const slashed = r.settlement.entries.filter((e) => e.kind === 'slash' || e.kind === 'slash-burn');
      expect(slashed.every((e) => e.account === 'node-0')).toBe(true);
      expect(slashed.reduce((s, e) => s + e.amount, 0n)).toBe(900n);
    }
    for (const r of reports.filter((x) => !disputes.includes(x))) expect(r.outcome).toBe('match');
    net.ledger.checkConservation();
  });

  it('judges a user who sends A and B different inputs dishonest and slashes its Su', async () => {
    const { net } = await liveNetwork(honest(4), liveMoney('1'));
    const r = await net.request({ user: 'user', input: image(3), splitInput: true });
    expect(r.outcome).toBe('arbitrated');
    expect(r.verdict?.userHonest).toBe(false);
    expect(r.settlement.entries.filter((e) => e.kind === 'slash-burn').map((e) => [e.account, e.amount])).toEqual([['user', 600n]]);
  });

  it('settles a GPT dispute between nodes by re-executing one block from tensors the disputants revealed over the transport', async () => {
    // node-0 serves a copy of moby-gpt with one weight of its last block's MLP changed: its trace agrees
    // with the honest one up to that block, so the dispute is decided deep in the run.
    const model = await loadModel('moby-gpt');
    const store = new ModelStore();
    store.add(model);
    const cheaper = store.add(await perturbModel(model, { tensor: 'h3.mlp.w1', index: 0, delta: 90 }));
    const plans = honest(4).map((p, i) => (i === 0 ? { ...p, strategy: { kind: 'substitute' as const, modelHash: cheaper.hash } } : p));
    const { net } = await liveNetwork(plans, liveMoney('1'), {}, store, 'moby-gpt');
    let r;
    for (let i = 0; i < 20 && !r; i++) {
      const x = await net.request({ user: 'user', input: { kind: 'text', prompt: 'Call me Ishmael.' }, options: { maxTokens: 6, temperature: 0.8 } });
      if (x.outcome !== 'match') r = x;
    }
    expect(r!.outcome).toBe('arbitrated');
    expect(r!.verdict?.dishonest).toEqual(['node-0']);
    expect(r!.votes).toHaveLength(4);
    // Leaves 0–6 of the prefill (kv0, h0 … kv3) agree; the first that differs is prefill.h3, which reads
    // h2 and kv3: those were revealed by both disputants, and every voter re-ran that one block.
    expect(r!.bisection).toEqual({ divergentIndex: 7, reveals: 4 });
  });
});
