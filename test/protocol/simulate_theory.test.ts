/**
 * The simulation's theory (protocol/simulate/theory.ts): the §3.2 payoff table case by case, the
 * p_min it implies against Proposition 1 and against Theorem 1's inequality as printed (and the
 * exact decimals of protocol/economics), and the rate closed forms against the enumeration.
 */
import { describe, expect, it } from 'vitest';
import {
  autoP,
  binomial,
  buildPopulation,
  hypergeometric,
  makeConfig,
  metricTheory,
  networkPMin,
  outcome,
  parseStrategies,
  proposition1PMin,
  theorem1PMin,
  DEFAULT_ECON,
  M,
} from '../../protocol/simulate/index.js';
import { economicsPMin } from '../../protocol/simulate/economics_pmin.js';

const e = { ...DEFAULT_ECON, U: 0.5 }; // C 1, R 1.2, S 150, u 2, d 0.5, Su 150

describe('outcome: the §3.2 payoff table', () => {
  it('unchallenged: honest A earns R − C, a cheat R + U, the user pays u', () => {
    expect(outcome(e, 1, false, false, false, true, 0)).toMatchObject({ asserter: 1.2 - 1, user: -2, undetected: false });
    expect(outcome(e, 1, false, true, false, true, 0)).toMatchObject({ asserter: 1.7, user: -2, undetected: true, honestServers: 0 });
  });

  it('challenged lone cheat: A slashed S, validator R − C, user refunded u plus S/3', () => {
    expect(outcome(e, 1, false, true, true, true, 0)).toEqual({ asserter: -150, validators: 1.2 - 1, user: 50, coalition: 0, undetected: false, honestServers: 1 });
  });

  it('challenged honest A: both earn R, the user gets d·u back', () => {
    expect(outcome(e, 1, false, false, true, true, 0)).toMatchObject({ asserter: 1.2 - 1, validators: 1.2 - 1, user: -2 + 1 });
  });

  it('coalition cheat with every validator colluding goes through: the coalition takes U2 = R + nR + U', () => {
    const o = outcome(e, 1, true, true, true, true, 1);
    expect(o).toMatchObject({ asserter: 1.7, validators: 1.2, user: -1, undetected: true, honestServers: 0 });
    expect(o.coalition).toBeCloseTo(1.2 + 1.2 + 0.5, 12);
  });

  it('coalition cheat with 1 of 2 validators colluding is caught; the colluder computes once and earns R', () => {
    const o = outcome(e, 2, true, true, true, true, 1);
    expect(o).toMatchObject({ asserter: -150, user: 50, undetected: false, honestServers: 2 });
    expect(o.validators).toBeCloseTo(2 * 1.2 - 2, 12);
    expect(o.coalition).toBeCloseTo(-150 + 1.2 - 1, 12);
  });

  it('honest coalition: colluding validators copy for free (the proof of Theorem 1)', () => {
    expect(outcome(e, 2, true, false, true, true, 2).coalition).toBeCloseTo(0.2 + 2.4, 12);
  });

  it('dishonest user: slashed Su, u burnt, no server paid, nobody else slashed', () => {
    expect(outcome(e, 1, false, false, true, false, 0)).toMatchObject({ asserter: -1, validators: -1, user: -152, undetected: false });
    expect(outcome(e, 1, false, true, true, false, 0)).toMatchObject({ asserter: 0, user: -152 });
  });
});

/** Theorem 1's inequality exactly as printed, with RA = R, RV = nR, U1 = R + U, U2 = R + nR + U. */
function theorem1Holds(p: number, r: number, n: number, U: number): boolean {
  const { C, R, S } = DEFAULT_ECON;
  const [RA, RV, U1, U2] = [R, n * R, R + U, R + n * R + U];
  return RA + p * S - (1 - p) * U1 - C + (1 - r ** n - (1 - r) ** n) * p * C > p * r ** n * (U2 + S - RV);
}

describe('p_min', () => {
  it('is Proposition 1, C / ((1 − r)(R + S)) = 0.735% for the paper’s example (§3.4)', () => {
    const c = makeConfig({ r: 0.1 });
    expect(theorem1PMin(c)).toBeCloseTo(proposition1PMin(c.econ, 0.1), 15);
    expect(proposition1PMin(c.econ, 0.1)).toBeCloseTo(0.00735, 5);
  });

  it.each([
    [1, 0, 0.1],
    [2, 0, 0.1],
    [3, 0.5, 0.3],
    [1, 2, 0],
    [4, 0, 0.25],
  ])('n=%d U=%d r=%d: Theorem 1 flips at p_min and agrees with protocol/economics', (n, U, r) => {
    const c = makeConfig({ n, r, econ: { U } });
    const pMin = theorem1PMin(c)!;
    expect(pMin).toBeGreaterThan(0);
    expect(theorem1Holds(pMin * (1 - 1e-9), r, n, U)).toBe(false);
    expect(theorem1Holds(pMin * (1 + 1e-9), r, n, U)).toBe(true);
    expect(Math.abs(pMin - economicsPMin(c)!) / pMin).toBeLessThan(1e-12);
  });

  it('in a finite network uses hypergeometric validators and tends to Theorem 1 as N grows', () => {
    expect(Array.from(hypergeometric(99, 9, 1))).toEqual([90 / 99, 9 / 99].map((x) => expect.closeTo(x, 12)));
    const h = hypergeometric(999, 99, 3);
    expect(h.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(h[3]).toBeCloseTo((99 * 98 * 97) / (999 * 998 * 997), 14);
    expect(binomial(3, 0.1)[3]).toBeCloseTo(0.001, 15);
    const small = networkPMin(makeConfig({ nodes: 100, r: 0.1 }))!;
    const large = networkPMin(makeConfig({ nodes: 1_000_000, r: 0.1 }))!;
    const paper = theorem1PMin(makeConfig({ r: 0.1 }))!;
    expect(small).toBeCloseTo(1 / ((1 - 9 / 99) * 151.2), 12);
    expect(Math.abs(large - paper) / paper).toBeLessThan(1e-5);
  });

  it('is null when no p deters, and `auto` is 1.5 × p_min capped at 1', () => {
    const hopeless = makeConfig({ econ: { S: 0.5, U: 100 } });
    expect(networkPMin(hopeless)).toBeNull();
    expect(autoP(hopeless)).toBe(1);
    const c = makeConfig();
    expect(autoP(c)).toBeCloseTo(1.5 * networkPMin(c)!, 15);
  });
});

describe('metricTheory', () => {
  it('closed-form rates equal the enumeration of outcomes', () => {
    for (const input of [
      { n: 1, p: 0.02 },
      { n: 3, p: 0.3, userCheat: 0.1, selection: 'stake' as const },
      { r: 0.4, n: 2, p: 0.5, coalitionCheat: 0.5 },
    ]) {
      const c = makeConfig({ ...input, strategies: parseStrategies('honest:0.6,cheat:0.2,cheat-q=0.5:0.2') });
      const t = metricTheory(c, buildPopulation(c), 1000);
      for (const x of t) if (!Number.isNaN(x.mean)) expect(x.mean).toBeCloseTo(x.enumerated, 12);
      expect(t[M.challengeRate]!.mean).toBe(c.p);
      expect(t[M.undetectedFraudLone]!.mean).toBeCloseTo(1 - c.p, 15);
      expect(t[M.honestSlashRate]!.sigma).toBe(0);
    }
  });
});
