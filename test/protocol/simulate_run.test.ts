/**
 * Whole simulations (protocol/simulate): the same seed gives the same report, the fast executor
 * gives bit-for-bit the sums of the object-per-round reference, and for honest-only,
 * always-cheat, cheat-with-probability-q and coalition networks every measured rate and profit
 * lies within 4σ of theory (paper §2.2 Theorem 1, §3.2), with no honest server ever slashed.
 */
import { describe, expect, it } from 'vitest';
import {
  buildPopulation,
  EconomicsExecutor,
  makeConfig,
  newAccumulator,
  parseStrategies,
  ReferenceExecutor,
  simulate,
  type ConfigInput,
  type MetricName,
  type SimReport,
} from '../../protocol/simulate/index.js';

const value = (rep: SimReport, m: MetricName) => rep.comparisons.find((c) => c.metric === m)!;
const withoutTiming = ({ elapsedMs: _e, roundsPerSec: _r, ...rest }: SimReport) => rest;

function expectAllWithin(rep: SimReport): void {
  for (const c of rep.comparisons) expect({ metric: c.metric, within: c.within, realized: c.realized, theory: c.theory }).toMatchObject({ within: true });
}

describe('simulate', () => {
  it('is deterministic: the same seed gives an identical report, another seed a different one', async () => {
    const input: ConfigInput = { rounds: 200_000, p: 0.05, strategies: parseStrategies('honest:0.8,cheat-q=0.3:0.2') };
    const a = await simulate(makeConfig(input));
    const b = await simulate(makeConfig(input));
    const c = await simulate(makeConfig({ ...input, seed: 43 }));
    expect(withoutTiming(b)).toEqual(withoutTiming(a));
    expect(value(c, 'userProfit').realized).not.toBe(value(a, 'userProfit').realized);
    // Other batch sizes play the same rounds; only the order of floating-point additions differs.
    const d = await simulate(makeConfig(input), { batchRounds: 1000 });
    d.comparisons.forEach((x, i) => {
      expect(x.count).toBe(a.comparisons[i]!.count);
      if (!Number.isNaN(x.realized)) expect(x.realized).toBeCloseTo(a.comparisons[i]!.realized, 9);
    });
  });

  it.each<[string, ConfigInput]>([
    ['n=1 mixed strategies', { p: 0.05, strategies: parseStrategies('honest:0.7,cheat:0.1,cheat-q=0.3:0.2') }],
    ['n=3, stake selection, dishonest users', { p: 0.2, n: 3, r: 0.3, selection: 'stake', userCheat: 0.1, coalitionCheat: 0.5, econ: { U: 0.5 } }],
    ['n=2, only coalition asserters', { p: 0.5, n: 2, r: 0.5, nodes: 12, asserters: 'coalition', coalitionCheat: 0.5 }],
  ])('economics and reference executors give identical sums (%s)', (_, input) => {
    const config = makeConfig(input);
    const pop = buildPopulation(config);
    const fast = newAccumulator();
    const ref = newAccumulator();
    new EconomicsExecutor(config, pop).play(100_000, fast);
    new ReferenceExecutor(config, pop).play(100_000, ref);
    expect(Array.from(fast)).toEqual(Array.from(ref));
    expect(fast.some((x) => x !== 0)).toBe(true);
  });

  it('honest-only network: no fraud, honest asserters earn R − C, nobody slashed', async () => {
    const rep = await simulate(makeConfig({ r: 0, rounds: 1_000_000, p: 0.02 }));
    expectAllWithin(rep);
    expect(value(rep, 'undetectedFraud').count).toBe(0);
    expect(value(rep, 'honestAsserterProfit').realized).toBeCloseTo(0.2, 9);
    expect(value(rep, 'honestSlashRate').realized).toBe(0);
    expect(Math.abs(value(rep, 'challengeRate').realized - 0.02)).toBeLessThanOrEqual(value(rep, 'challengeRate').bound);
  });

  it('always-cheat network: every unchallenged cheat goes through, every challenged one is slashed', async () => {
    const rep = await simulate(makeConfig({ r: 0, rounds: 1_000_000, p: 0.05, strategies: parseStrategies('cheat:1') }));
    expectAllWithin(rep);
    const und = value(rep, 'undetectedFraudLone');
    expect(und.theory).toBe(0.95);
    expect(und.count).toBe(1_000_000);
    // Cheating pays (1 − p)R − pS = 1.14 − 7.5 per round at p = 0.05.
    expect(value(rep, 'cheatingAsserterProfit').theory).toBeCloseTo(0.95 * 1.2 - 0.05 * 150, 12);
    expect(value(rep, 'userProfit').theory).toBeCloseTo(-2 + 0.05 * (2 + 50), 12);
  });

  it('cheat-q network: a fraction q of those rounds cheat, with the lone-cheater rates', async () => {
    const rep = await simulate(makeConfig({ r: 0, rounds: 1_000_000, p: 0.1, strategies: parseStrategies('honest:0.5,cheat-q=0.3:0.5') }));
    expectAllWithin(rep);
    const cheats = value(rep, 'undetectedFraud').count;
    expect(Math.abs(cheats / 1_000_000 - 0.15)).toBeLessThan(4 * Math.sqrt((0.15 * 0.85) / 1_000_000));
    expect(value(rep, 'undetectedFraud').theory).toBeCloseTo(0.9, 12);
  });

  it('coalition with r = 0.3 and n = 2: coalition fraud slips through at (1 − p) + p·P(both validators collude)', async () => {
    const rep = await simulate(makeConfig({ nodes: 50, r: 0.3, n: 2, rounds: 1_000_000, p: 0.3, strategies: parseStrategies('honest:0.9,cheat:0.1') }));
    expectAllWithin(rep);
    const coal = value(rep, 'undetectedFraudCoalition');
    expect(coal.theory).toBeCloseTo(0.7 + 0.3 * (14 / 49) * (13 / 48), 12);
    expect(coal.realized).toBeGreaterThan(value(rep, 'undetectedFraudLone').realized + 0.01);
    // Below p_min cheating beats honesty for the coalition (Theorem 1); here p is far above it.
    expect(rep.pMin.network).toBeLessThan(0.3);
    expect(value(rep, 'coalitionCheatProfit').realized).toBeLessThan(0);
    expect(rep.coalitionAtP.cheat).toBeCloseTo(value(rep, 'coalitionCheatProfit').theory, 12);
    expect(rep.coalitionAtP.honest).toBeGreaterThan(rep.coalitionAtP.cheat);
  });

  it('stake-weighted selection with dishonest users stays within bounds', async () => {
    const rep = await simulate(makeConfig({ rounds: 1_000_000, p: 0.1, n: 2, selection: 'stake', userCheat: 0.2, coalitionCheat: 0.5, strategies: parseStrategies('honest:0.8,cheat:0.2') }));
    expectAllWithin(rep);
    expect(value(rep, 'userProfit').theory).toBeLessThan(-2); // dishonest users lose Su
  });

  it('the reference executor, which arbitrates answer by answer, never slashes an honest server', async () => {
    const rep = await simulate(makeConfig({ rounds: 200_000, p: 0.3, n: 2, r: 0.3, userCheat: 0.1, strategies: parseStrategies('honest:0.5,cheat:0.5') }), {
      executor: (c, pop) => new ReferenceExecutor(c, pop),
    });
    expect(rep.executor).toBe('reference');
    const slash = value(rep, 'honestSlashRate');
    expect(slash.count).toBeGreaterThan(100_000);
    expect(slash.realized).toBe(0);
    expectAllWithin(rep);
  });

  it('reports progress, ending with all rounds done', async () => {
    const seen: number[] = [];
    await simulate(makeConfig({ rounds: 300_000 }), { batchRounds: 50_000, progressIntervalMs: 0, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([50_000, 100_000, 150_000, 200_000, 250_000, 300_000]);
  });
});
