/**
 * Theorem 1, its closed-form threshold, Proposition 1 and the Appendix A payoffs
 * (protocol/economics; paper §2.2, §3.3, §3.4, Appendix A), checked exactly with decimal.js.
 */
import { describe, expect, it } from 'vitest';
import {
  Econ,
  expectedPayoffs,
  minimumChallengeProbability,
  parseEconomicParams,
  proposition1PMin,
  satisfiesTheorem1,
  specialCasePMin,
  theorem1Sides,
  withinThreshold,
  type EconomicParamsInput,
} from '../../protocol/economics/index.js';

const paper = parseEconomicParams({ C: 1, R: '1.2', S: 150, r: '0.1', n: 1 });

describe("the paper's figures (§3.4)", () => {
  it('r = 10%, R = 1.2C, S = 150C gives p_min = 1/(0.9·151.2) ≈ 0.7349%', () => {
    const t = minimumChallengeProbability(paper);
    expect(t.kind).toBe('above');
    const exact = new Econ(1).div(new Econ('0.9').mul('151.2'));
    expect(t.pMin?.eq(exact)).toBe(true);
    expect(t.slope.toString()).toBe('136.08');
    expect(t.gain.toString()).toBe('1');
    expect(t.pMin?.toString().startsWith('0.0073486184597295708406819517930629')).toBe(true);
    expect(t.pMin?.toSignificantDigits(4).toString()).toBe('0.007349');
    expect(proposition1PMin(paper).eq(exact)).toBe(true);
  });

  it('the same figure holds whatever unit C is in (only ratios matter)', () => {
    const scaled = parseEconomicParams({ C: '0.003', R: '0.0036', S: '0.45', r: '0.1', n: 1 });
    expect(minimumChallengeProbability(scaled).pMin?.eq(minimumChallengeProbability(paper).pMin ?? 0)).toBe(true);
  });

  it('numbers and decimal strings mean the same value', () => {
    const fromNumbers = parseEconomicParams({ C: 1, R: 1.2, S: 150, r: 0.1, n: 1 });
    expect(fromNumbers.r.toString()).toBe('0.1');
    expect(minimumChallengeProbability(fromNumbers).pMin?.eq(minimumChallengeProbability(paper).pMin ?? 0)).toBe(true);
  });
});

describe('Theorem 1', () => {
  it('evaluates both sides as written', () => {
    // LHS = 1.2 + 0.01·150 − 0.99·1.2 − 1 + 0 = 0.512; RHS = 0.01·0.1·(2.4 + 150 − 1.2) = 0.1512.
    const s = theorem1Sides(paper, '0.01');
    expect(s.lhs.toString()).toBe('0.512');
    expect(s.rhs.toString()).toBe('0.1512');
    expect(s.holds).toBe(true);
    expect(satisfiesTheorem1(paper, '0.007')).toBe(false);
    expect(satisfiesTheorem1(paper, 0)).toBe(false);
    expect(satisfiesTheorem1(paper, 1)).toBe(true);
  });

  it('flips exactly at p_min, for several n and r', () => {
    for (const n of [1, 2, 3, 7, 20]) {
      for (const r of ['0', '0.05', '0.2', '0.3']) {
        const q = parseEconomicParams({ C: 2, R: 3, S: 40, r, n, RV: 5 });
        const t = minimumChallengeProbability(q);
        expect(t.kind).toBe('above');
        const pMin = t.pMin ?? new Econ(NaN);
        expect(satisfiesTheorem1(q, pMin.add('1e-40'))).toBe(true);
        expect(satisfiesTheorem1(q, pMin.sub('1e-40'))).toBe(false);
      }
    }
  });

  it('Corollary 1 (drop the (1 − rⁿ − (1 − r)ⁿ)pC term) is sufficient', () => {
    const q = parseEconomicParams({ C: 1, R: 2, S: 30, r: '0.2', n: 4 });
    for (let i = 0; i <= 100; i++) {
      const p = new Econ(i).div(100);
      const { RA, S, U1, U2, RV, C, r, n } = q;
      const corollary = RA.add(p.mul(S)).sub(new Econ(1).sub(p).mul(U1)).sub(C).gt(p.mul(r.pow(n)).mul(U2.add(S).sub(RV)));
      if (corollary) expect(satisfiesTheorem1(q, p)).toBe(true);
    }
  });
});

describe('closed-form threshold', () => {
  it('the general form equals the special case C / [(1 − rⁿ)(RA + S) + kC] when U1 = RA, U2 = RA + RV', () => {
    for (const n of [1, 2, 5, 12]) {
      for (const r of ['0', '0.1', '0.25', '0.6']) {
        const q = parseEconomicParams({ C: '0.7', R: 2, S: 25, r, n, RA: 3, RV: '4.5' });
        expect(minimumChallengeProbability(q).pMin?.eq(specialCasePMin(q))).toBe(true);
      }
    }
  });

  it('RV cancels in the special case', () => {
    const base = { C: 1, R: 2, S: 25, r: '0.3', n: 3, RA: 2 };
    const values = ['0', '1', '7.5', '1000'].map((RV) => minimumChallengeProbability(parseEconomicParams({ ...base, RV })).pMin?.toString());
    expect(new Set(values).size).toBe(1);
    expect(values[0]).toBe(specialCasePMin(parseEconomicParams({ ...base, RV: 0 })).toString());
  });

  it('equals Proposition 1 at n = 1, RA = RV = R, U1 = R, U2 = 2R', () => {
    for (const [C, R, S, r] of [['1', '1.2', '150', '0.1'], ['3', '5', '7', '0.45'], ['0.01', '0', '9', '0']] as const) {
      const q = parseEconomicParams({ C, R, S, r, n: 1, RA: R, RV: R, U1: R, U2: new Econ(R).mul(2) });
      expect(minimumChallengeProbability(q).pMin?.eq(proposition1PMin(q))).toBe(true);
      expect(specialCasePMin(q).eq(proposition1PMin(q))).toBe(true);
      expect(proposition1PMin(q).eq(new Econ(C).div(new Econ(1).sub(r).mul(new Econ(R).add(S))))).toBe(true);
    }
  });

  it('reports every case of the linear inequality a·p > b', () => {
    // a < 0, b < 0: too many challenges reward collusion (U2 large), so p must stay below b / a.
    const ceiling = parseEconomicParams({ C: 1, R: 10, S: 1, r: '0.5', n: 1, RV: 0, U1: 0, U2: 100 });
    const below = minimumChallengeProbability(ceiling);
    expect(below.kind).toBe('below');
    expect(below.pMax?.eq(new Econ(-9).div('-49.5'))).toBe(true);
    expect(satisfiesTheorem1(ceiling, '0.18')).toBe(true);
    expect(satisfiesTheorem1(ceiling, '0.19')).toBe(false);
    // a = 0: p drops out.
    const flat = { C: 1, R: 0, S: 1, r: '0.5', n: 1, RV: 0, U1: 0, U2: 1 };
    expect(minimumChallengeProbability(parseEconomicParams({ ...flat, RA: 2 })).slope.isZero()).toBe(true);
    expect(minimumChallengeProbability(parseEconomicParams({ ...flat, RA: 2 })).kind).toBe('any');
    expect(minimumChallengeProbability(parseEconomicParams({ ...flat, RA: '0.5' })).kind).toBe('none');
    // a > 0, b < 0: cheating never pays.
    const honestAnyway = minimumChallengeProbability(parseEconomicParams({ C: 1, R: 5, S: 10, r: '0.1', n: 2, U1: 2 }));
    expect(honestAnyway.kind).toBe('any');
    expect(honestAnyway.pMin?.lt(0)).toBe(true);
    // a > 0, b / a >= 1: infeasible (p_min = 2001 / (0.9·2151.2)).
    const huge = minimumChallengeProbability(parseEconomicParams({ C: 1, R: '1.2', S: 150, r: '0.1', n: 1, G: 2000 }));
    expect(huge.kind).toBe('none');
    expect(huge.feasible).toBe(false);
    expect(huge.reason).toMatch(/^infeasible: p_min = 1\.\d+ >= 1/);
  });

  it('agrees with Theorem 1 on a grid of p for every kind', () => {
    const sets: EconomicParamsInput[] = [
      { C: 1, R: '1.2', S: 150, r: '0.1', n: 1 },
      { C: 1, R: 10, S: 1, r: '0.5', n: 1, RV: 0, U1: 0, U2: 100 },
      { C: 1, R: 5, S: 10, r: '0.1', n: 2, U1: 2 },
      { C: 1, R: '1.2', S: 150, r: '0.1', n: 1, G: 2000 },
      { C: 4, R: 6, S: 20, r: '0.3', n: 5, RV: 9, G: 11 },
    ];
    for (const input of sets) {
      const q = parseEconomicParams(input);
      const t = minimumChallengeProbability(q);
      for (let i = 0; i <= 200; i++) {
        const p = new Econ(i).div(200);
        expect(withinThreshold(t, p)).toBe(satisfiesTheorem1(q, p));
      }
    }
  });
});

/** Appendix A's sums, term by term: binomial weights C(n,i)rⁱ(1 − r)ⁿ⁻ⁱ over i validators colluding. */
function appendixA(input: EconomicParamsInput, pValue: InstanceType<typeof Econ>) {
  const q = parseEconomicParams(input);
  const { r, n, RA, RV, C, S, U1, U2 } = q;
  const p = new Econ(pValue);
  let binom = new Econ(1);
  let honestChallenged = new Econ(0);
  let cheatChallenged = new Econ(0);
  for (let i = 0; i <= n; i++) {
    if (i > 0) binom = binom.mul(n - i + 1).div(i);
    const w = binom.mul(r.pow(i)).mul(new Econ(1).sub(r).pow(n - i));
    const share = RV.mul(i).div(n);
    honestChallenged = honestChallenged.add(w.mul(share.add(RA).sub(C)));
    // All colluding: the fraud passes (U2). Some: they report, share RV and compute once. None: −S.
    const cheat = i === n ? U2 : i === 0 ? S.neg() : share.sub(C).sub(S);
    cheatChallenged = cheatChallenged.add(w.mul(cheat));
  }
  const notChallenged = new Econ(1).sub(p);
  return {
    q,
    honest: notChallenged.mul(RA.sub(C)).add(p.mul(honestChallenged)),
    cheat: notChallenged.mul(U1).add(p.mul(cheatChallenged)),
  };
}

describe('expected payoffs (Appendix A)', () => {
  const sets: EconomicParamsInput[] = [
    { C: 1, R: '1.2', S: 150, r: '0.1', n: 1 },
    { C: 1, R: 2, S: 10, r: '0.3', n: 3 },
    { C: '0.5', R: 1, S: 4, r: '0.25', n: 6, RA: 2, RV: 3, U1: 5, U2: 9 },
    { C: 2, R: 3, S: 5, r: '0.6', n: 2, G: 4 },
    { C: 1, R: 10, S: 1, r: '0.5', n: 1, RV: 0, U1: 0, U2: 100 },
    { C: 3, R: 1, S: 2, r: '0', n: 4 },
  ];

  it('honest RA − C + p·r·RV and the cheating closed form match the binomial sums', () => {
    for (const input of sets) {
      for (const pv of ['0', '0.013', '0.2', '0.5', '1']) {
        const p = new Econ(pv);
        const ref = appendixA(input, p);
        const w = expectedPayoffs(ref.q, p);
        expect(w.honest.sub(ref.honest).abs().lt('1e-90')).toBe(true);
        expect(w.cheat.sub(ref.cheat).abs().lt('1e-90')).toBe(true);
        expect(w.asserterHonest.eq(ref.q.RA.sub(ref.q.C))).toBe(true);
      }
    }
  });

  it('cheating pays less than honesty exactly when Theorem 1 holds, on a grid of p', () => {
    let holds = 0;
    let fails = 0;
    for (const input of sets) {
      const q = parseEconomicParams(input);
      for (let i = 0; i <= 100; i++) {
        const p = new Econ(i).div(100);
        const w = expectedPayoffs(q, p);
        const s = theorem1Sides(q, p);
        expect(w.advantage.eq(s.lhs.sub(s.rhs))).toBe(true);
        expect(w.cheat.lt(w.honest)).toBe(s.holds);
        if (s.holds) holds++;
        else fails++;
      }
    }
    expect(holds).toBeGreaterThan(100);
    expect(fails).toBeGreaterThan(100);
  });

  it('honesty and cheating pay the same at p_min', () => {
    const t = minimumChallengeProbability(paper);
    const w = expectedPayoffs(paper, t.pMin ?? 0);
    expect(w.advantage.abs().lt('1e-95')).toBe(true);
    // At p = 0.01: honest 0.2 + 0.01·0.1·1.2, cheating 0.99·1.2 + 0.01·(0.1·2.4 − 0.9·150).
    const at = expectedPayoffs(paper, '0.01');
    expect(at.honest.toString()).toBe('0.2012');
    expect(at.cheat.toString()).toBe('-0.1596');
  });
});
