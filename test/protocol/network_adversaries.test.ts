/**
 * Each adversary of paper §2.2 / §3.3 against the in-process network, caught at the rate theory
 * predicts. Rounds are real (signed messages, engine runs, bisection, votes); every run is seeded, so
 * each count below is reproducible, and each bound is stated: a count must lie within 4 standard
 * deviations of its binomial expectation (see network_fixtures.ts `band`). Where the protection is
 * exact (caught iff challenged) the test checks it round by round.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { loadModel } from '../../engine/api.js';
import { createNetwork, population, type NodeSpec, type RoundReport } from '../../protocol/network/index.js';
import { perturbModel } from '../../protocol/strategies.js';
import { band, image, money } from './network_fixtures.js';

const slashedIn = (r: RoundReport, id: string) => r.verdict?.dishonest.includes(id) === true && r.verdict.userHonest;

/**
 * A heavy-stake adversary 'x' beside three honest nodes: 'x' is the asserter in about 10/31 of rounds.
 * Votes weigh stake, so 'x' holds just under the 1/3 of the stake that would let it block (or, past
 * 2/3, decide) every verdict on itself: 3·21 ≥ 2·31.
 */
function heavy(strategy: NodeSpec['strategy']): NodeSpec[] {
  return [{ id: 'x', stake: 10n * 10n ** 9n, strategy }, ...population({ honest: 3, stake: 7n * 10n ** 9n })];
}

async function play(net: Awaited<ReturnType<typeof createNetwork>>, rounds: number, input = image): Promise<RoundReport[]> {
  const out: RoundReport[] = [];
  for (let i = 0; i < rounds; i++) out.push(await net.request({ user: 'user', input: input(i) }));
  return out;
}

describe('a cheating asserter', () => {
  it('always-cheat is caught exactly when challenged: rate p = 0.4 ± 4σ', async () => {
    const p = 0.4;
    const net = await createNetwork({ model: 'mnist-mlp', nodes: heavy({ kind: 'cheat' }), config: money(String(p)), seed: 'always-cheat' });
    const reports = await play(net, 800);
    const asserted = reports.filter((r) => r.asserter === 'x');
    const caught = asserted.filter((r) => slashedIn(r, 'x'));
    for (const r of asserted) expect(slashedIn(r, 'x')).toBe(r.challenged);
    console.log(`always-cheat: caught ${caught.length}/${asserted.length} = ${(caught.length / asserted.length).toFixed(3)} (theory p = ${p})`);
    expect(Math.abs(caught.length - p * asserted.length)).toBeLessThanOrEqual(band(asserted.length, p));
    // The honest user was paid S/3 from each slash, and the honest validator earned R.
    for (const r of caught) {
      expect(r.settlement!.entries).toContainEqual(expect.objectContaining({ kind: 'slash', account: 'x', amount: 300n, to: 'user' }));
      expect(r.bisection).toMatchObject({ divergentIndex: 0, label: 'layer0', honest: 'B' });
    }
    expect(net.stats('x').slashed).toBe(reports.filter((r) => slashedIn(r, 'x')).length);
  });

  it('cheat-with-probability q = 0.5 is caught at rate p·q = 0.2 ± 4σ, and only when it cheated', async () => {
    const p = 0.4;
    const q = 0.5;
    const net = await createNetwork({ model: 'mnist-mlp', nodes: heavy({ kind: 'cheat-sometimes', q }), config: money(String(p)), seed: 'cheat-sometimes' });
    const reports = await play(net, 1000);
    const asserted = reports.filter((r) => r.asserter === 'x');
    const caught = asserted.filter((r) => slashedIn(r, 'x'));
    for (const r of asserted) {
      const cheated = r.responses.find((s) => s.node === 'x')!.deviated;
      expect(slashedIn(r, 'x')).toBe(cheated && r.challenged);
    }
    console.log(`cheat-sometimes: caught ${caught.length}/${asserted.length} = ${(caught.length / asserted.length).toFixed(3)} (theory p·q = ${p * q})`);
    expect(Math.abs(caught.length - p * q * asserted.length)).toBeLessThanOrEqual(band(asserted.length, p * q));
  });
});

describe('model substitution', () => {
  it('mnist-mlp with b1 raised: caught whenever challenged, bisection names layer1 and re-runs that layer alone', async () => {
    const mlp = await loadModel('mnist-mlp');
    const cheap = await perturbModel(mlp, { tensor: 'b1', index: 0, delta: 1_000_000 });
    const net = await createNetwork({ model: mlp, extraModels: [cheap], nodes: heavy({ kind: 'substitute', modelHash: cheap.hash }), config: money('0.5'), seed: 'substitute-mlp' });
    const reports = await play(net, 60);
    const asserted = reports.filter((r) => r.asserter === 'x');
    expect(asserted.some((r) => r.challenged)).toBe(true);
    for (const r of asserted) {
      expect(slashedIn(r, 'x')).toBe(r.challenged);
      if (r.challenged) expect(r.bisection).toMatchObject({ divergentIndex: 1, label: 'layer1', method: 'single-layer', reexecutedLayers: 1, fullLayers: 3, honest: 'B' });
    }
  });

  it('moby-gpt with one block-2 weight changed: same tokens, different trace root, still caught (prefill.h2)', async () => {
    const gpt = await loadModel('moby-gpt');
    const cheap = await perturbModel(gpt, { tensor: 'h2.attn.wq', index: 0, delta: 100 });
    const net = await createNetwork({ model: gpt, extraModels: [cheap], nodes: heavy({ kind: 'substitute', modelHash: cheap.hash }), config: money('1'), seed: 'substitute-gpt' });
    let r: RoundReport;
    do r = await net.request({ user: 'user', input: { kind: 'text', prompt: 'Call me Ishmael.' }, options: { maxTokens: 4, seed: 7n } });
    while (r.asserter !== 'x');
    const [a, b] = r.responses;
    // The output hash alone would call this a match; the trace root does not.
    expect(a!.outputHash).toBe(b!.outputHash);
    expect(a!.traceRoot).not.toBe(b!.traceRoot);
    expect(r.outcome).toBe('arbitrated');
    expect(r.verdict).toEqual({ userHonest: true, dishonest: ['x'], honest: [r.validators[0]] });
    expect(r.bisection).toMatchObject({ divergentIndex: 5, label: 'prefill.h2', method: 'single-layer', reexecutedLayers: 1, honest: 'B' });
  });
});

describe('a colluding coalition (Assumption 3)', () => {
  // 10 equal-stake nodes, 3 colluding. With p = 1 every round is challenged. A coalition asserter goes
  // unnoticed iff every validator is a member: drawn from the 9 other nodes, of which 2 are members,
  // that is C(2, n) / C(9, n) (the small-network hypergeometric form of rⁿ).
  it.each([
    [1, 2 / 9],
    [2, 1 / 36],
  ])('with n = %i validator(s) it goes undetected at rate %f ± 4σ; otherwise its asserter is slashed', async (n, theory) => {
    const nodes = population({ honest: 10, coalition: { fraction: 0.3 } });
    const members = new Set(nodes.filter((x) => x.strategy.kind === 'colluding').map((x) => x.id));
    expect(members.size).toBe(3);
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1', n), seed: `coalition-${n}` });
    const reports = await play(net, 1000);
    const coalitionRounds = reports.filter((r) => members.has(r.asserter));
    const undetected = coalitionRounds.filter((r) => r.outcome === 'match');
    for (const r of coalitionRounds) {
      const allMembers = r.validators.every((v) => members.has(v));
      expect(r.outcome === 'match').toBe(allMembers);
      if (!allMembers) expect(slashedIn(r, r.asserter)).toBe(true);
    }
    // Honest asserters are never slashed; 7 honest votes of 10 carry every verdict.
    for (const r of reports.filter((x) => !members.has(x.asserter))) expect(slashedIn(r, r.asserter)).toBe(false);
    console.log(`coalition n=${n}: undetected ${undetected.length}/${coalitionRounds.length} = ${(undetected.length / coalitionRounds.length).toFixed(3)} (theory ${theory.toFixed(3)}; r^n = ${(0.3 ** n).toFixed(3)})`);
    expect(Math.abs(undetected.length - theory * coalitionRounds.length)).toBeLessThanOrEqual(band(coalitionRounds.length, theory));
  });

  it('a coalition of 4 in 10 blocks every verdict (6 honest votes < 2/3): no verdict, fee refunded, nobody slashed', async () => {
    const nodes = population({ honest: 10, coalition: { fraction: 0.4 } });
    const members = new Set(nodes.filter((x) => x.strategy.kind === 'colluding').map((x) => x.id));
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1'), seed: 'coalition-block' });
    const reports = await play(net, 40);
    const blocked = reports.filter((r) => r.outcome === 'arbitrated');
    expect(blocked.length).toBeGreaterThan(0);
    for (const r of blocked) {
      expect(members.has(r.asserter) !== members.has(r.validators[0]!)).toBe(true);
      expect(r.verdict).toBeNull();
      expect(r.settlement!.entries.filter((e) => e.kind.startsWith('slash'))).toEqual([]);
      expect(r.settlement!.entries).toContainEqual(expect.objectContaining({ kind: 'refund', account: 'user', amount: 10n }));
    }
  });

  it('lazy validators copy a member asserter instead of computing, and (the asserter being honest) are never slashed', async () => {
    const nodes = population({ honest: 10, coalition: { fraction: 0.3, kind: 'lazy' } });
    const members = new Set(nodes.filter((x) => x.strategy.kind === 'lazy').map((x) => x.id));
    const net = await createNetwork({ model: 'mnist-mlp', nodes, config: money('1'), seed: 'lazy' });
    const reports = await play(net, 60);
    for (const r of reports) {
      expect(r.outcome).toBe('match');
      const b = r.responses.find((s) => s.role === 'validator')!;
      expect(b.computed).toBe(!(members.has(r.asserter) && members.has(b.node)));
    }
    expect(reports.some((r) => r.responses.some((s) => !s.computed))).toBe(true);
  });
});

describe('a dishonest user', () => {
  it('sending B a different input is exposed by the attestations: user slashed Su, no server slashed', async () => {
    const net = await createNetwork({
      model: 'mnist-mlp',
      nodes: population({ honest: 5 }),
      users: [{ id: 'user', balance: 10n ** 9n, strategy: { kind: 'split-input' } }],
      config: money('0.5'),
      seed: 'split-input',
    });
    const reports = await play(net, 60);
    expect(reports.some((r) => r.challenged)).toBe(true);
    for (const r of reports) {
      expect(r.outcome).toBe(r.challenged ? 'arbitrated' : 'unchallenged');
      if (!r.challenged) continue;
      expect(r.verdict).toEqual({ userHonest: false, dishonest: [], honest: [] });
      expect(r.settlement!.entries).toContainEqual(expect.objectContaining({ kind: 'slash-burn', account: 'user', amount: 600n }));
    }
    for (const id of net.nodeIds) expect(net.stats(id).slashed).toBe(0);
  });
});
