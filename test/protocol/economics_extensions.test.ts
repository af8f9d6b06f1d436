/**
 * opML's undetected fraud (paper §3.4), the outside-gain limit, the imperfect-comparison window and
 * the warnings of protocol/economics.
 */
import { describe, expect, it } from 'vitest';
import {
  analyseEconomics,
  economicWarnings,
  Econ,
  imperfectComparisonWindow,
  minimumChallengeProbability,
  opmlUndetectedFraud,
  outsideGainLimit,
  parseEconomicParams,
  proposition1PMin,
  type EconomicParamsInput,
} from '../../protocol/economics/index.js';

const paperInput: EconomicParamsInput = { C: 1, R: '1.2', S: 150, r: '0.1', n: 1 };
const paper = parseEconomicParams(paperInput);
const codes = (input: EconomicParamsInput) => economicWarnings(parseEconomicParams(input)).map((w) => w.code);

describe('opML undetected fraud (§3.4)', () => {
  it('RC = 100C, R = 1.2C, S = 150C gives 150.2 / 15271.2 ≈ 0.9836%', () => {
    const o = opmlUndetectedFraud({ C: 1, R: '1.2', S: 150, RC: 100 });
    expect(o.undetectedFraud?.eq(new Econ('150.2').div('15271.2'))).toBe(true);
    expect(o.undetectedFraud?.toSignificantDigits(4).toString()).toBe('0.009836');
    expect(o.checkProbability?.eq(new Econ(1).div('151.2'))).toBe(true);
    expect(o.fraudProbability?.eq(new Econ(1).div(101))).toBe(true);
    // x(1 − q) is the formula (S + R − C)C / [(S + R)(RC + C)].
    expect(o.fraudProbability?.mul(new Econ(1).sub(o.checkProbability ?? 0)).sub(o.undetectedFraud ?? 0).abs().lt('1e-98')).toBe(true);
  });

  it('has no mixed equilibrium when C >= S + R', () => {
    const o = opmlUndetectedFraud({ C: 10, R: 2, S: 8, RC: 5 });
    expect(o.undetectedFraud).toBeNull();
    expect(o.reason).toContain('C >= S + R');
  });

  it('the report uses RC = 100C unless told otherwise', () => {
    expect(analyseEconomics({ ...paperInput, C: 2, R: '2.4', S: 300 }).opml.RC.toString()).toBe('200');
    expect(analyseEconomics({ ...paperInput, RC: 9 }).opml.undetectedFraud?.eq(new Econ('150.2').div(new Econ('151.2').mul(10)))).toBe(true);
  });
});

describe('outside gain G', () => {
  it('n = 1: p_min = (C + G) / ((1 − r)(R + S + G)), infeasible from G* = 1350.8C in the paper example', () => {
    for (const G of ['0', '10', '1000']) {
      const q = parseEconomicParams({ ...paperInput, G });
      expect(q.U1.eq(new Econ('1.2').add(G))).toBe(true);
      expect(q.U2.eq(new Econ('2.4').add(G))).toBe(true);
      const expected = new Econ(1).add(G).div(new Econ('0.9').mul(new Econ('151.2').add(G)));
      expect(minimumChallengeProbability(q).pMin?.eq(expected)).toBe(true);
    }
    const limit = outsideGainLimit(paper);
    expect(limit.kind).toBe('below');
    expect(limit.maxG?.toString()).toBe('1350.8');
    const justBelow = minimumChallengeProbability(parseEconomicParams({ ...paperInput, G: '1350.7' }));
    expect(justBelow.kind).toBe('above');
    const at = minimumChallengeProbability(parseEconomicParams({ ...paperInput, G: '1350.8' }));
    expect(at.pMin?.toString()).toBe('1');
    expect(at.kind).toBe('none');
    expect(at.reason).toContain('infeasible');
  });

  it('the limit matches the threshold for larger n', () => {
    const input = { C: 2, R: 3, S: 40, r: '0.2', n: 3, RV: 5 };
    const maxG = outsideGainLimit(parseEconomicParams(input)).maxG ?? new Econ(NaN);
    expect(minimumChallengeProbability(parseEconomicParams({ ...input, G: maxG.mul('0.999') })).feasible).toBe(true);
    expect(minimumChallengeProbability(parseEconomicParams({ ...input, G: maxG.mul('1.001') })).feasible).toBe(false);
  });

  it('is unbounded with r = 0 and never feasible when C outweighs the stake', () => {
    expect(outsideGainLimit(parseEconomicParams({ ...paperInput, r: 0 })).kind).toBe('unbounded');
    expect(minimumChallengeProbability(parseEconomicParams({ ...paperInput, r: 0, G: '1e12' })).feasible).toBe(true);
    const costly = { C: 200, R: '1.2', S: 150, r: '0.1', n: 1 };
    expect(outsideGainLimit(parseEconomicParams(costly)).kind).toBe('never');
    expect(minimumChallengeProbability(parseEconomicParams(costly)).feasible).toBe(false);
  });
});

describe('imperfect comparison (beta missed frauds, phi false alarms)', () => {
  it('beta = phi = 0 gives Proposition 1 and no upper bound', () => {
    const w = imperfectComparisonWindow(paper);
    expect(w.pMin.eq(proposition1PMin(paper))).toBe(true);
    expect(w.pMax).toBeNull();
    expect(w.feasible).toBe(true);
  });

  it('p_min = C / [(1 − r)(1 − beta − phi)(R + S)], p_max = (R − C) / (phi(S + R))', () => {
    const q = parseEconomicParams({ ...paperInput, beta: '0.1', phi: '0.05' });
    const w = imperfectComparisonWindow(q);
    expect(w.pMin.eq(new Econ(1).div(new Econ('0.9').mul('0.85').mul('151.2')))).toBe(true);
    expect(w.pMax?.eq(new Econ('0.2').div(new Econ('0.05').mul('151.2')))).toBe(true);
    expect(w.feasible).toBe(true);
    // At p_min the derived payoffs (honest loses p(1 − r)phi(R + S), cheating gains p(1 − r)beta(R + S)) are equal.
    const p = w.pMin;
    const challengedHonestly = p.mul('0.9').mul('151.2');
    const honest = new Econ('0.2').add(p.mul('0.12')).sub(challengedHonestly.mul('0.05'));
    const cheat = new Econ(1).sub(p).mul('1.2').add(p.mul('0.24')).sub(p.mul('0.9').mul(150)).add(challengedHonestly.mul('0.1'));
    expect(honest.sub(cheat).abs().lt('1e-95')).toBe(true);
  });

  it('no p works when false alarms drive p_max below p_min, or R <= C', () => {
    const q = parseEconomicParams({ ...paperInput, phi: '0.5' });
    const w = imperfectComparisonWindow(q);
    expect(w.pMax?.lt(w.pMin)).toBe(true);
    expect(w.feasible).toBe(false);
    expect(w.reason).toContain('no p works');
    expect(codes({ ...paperInput, phi: '0.5' })).toContain('IMPERFECT_NO_WINDOW');
    expect(imperfectComparisonWindow(parseEconomicParams({ ...paperInput, R: 1, phi: '0.01' })).feasible).toBe(false);
    expect(imperfectComparisonWindow(parseEconomicParams({ ...paperInput, beta: '0.999' })).feasible).toBe(false);
  });
});

describe('warnings', () => {
  it('the paper example raises none', () => {
    expect(codes(paperInput)).toEqual([]);
  });

  it('r >= 1/3 blocks the 2/3 vote; r >= 2/3 captures it', () => {
    expect(codes({ ...paperInput, r: '0.3333' })).not.toContain('VOTE_BLOCKED');
    expect(codes({ ...paperInput, r: '0.34' })).toEqual(['VOTE_BLOCKED']);
    expect(economicWarnings(parseEconomicParams({ ...paperInput, r: '0.34' }))[0]?.message).toContain('can no longer convict');
    expect(codes({ ...paperInput, r: '0.7' })).toContain('VOTE_CAPTURED');
  });

  it('rewards at or below C: honest servers, asserters, validators', () => {
    const loss = economicWarnings(parseEconomicParams({ ...paperInput, n: 2 }));
    expect(loss.map((w) => w.code)).toEqual(['VALIDATOR_LOSS']);
    expect(loss[0]?.message).toBe('RV/n = 0.6 <= C = 1: validators lose money on every challenge');
    const even = economicWarnings(parseEconomicParams({ ...paperInput, R: 1 }));
    expect(even.map((w) => w.code)).toEqual(['HONEST_LOSS', 'VALIDATOR_LOSS']);
    expect(even[0]?.message).toContain('only break even');
    expect(codes({ ...paperInput, RA: '0.5' })).toContain('ASSERTER_LOSS');
  });

  it('Assumption 2 failing, no feasible p, and a ceiling on p', () => {
    expect(codes({ C: 1, R: 0, S: 1, r: '0.1', n: 1 })).toContain('ASSUMPTION_2');
    expect(codes({ ...paperInput, G: 2000 })).toContain('NO_CHALLENGE_PROBABILITY');
    expect(codes({ C: 1, R: 10, S: 1, r: '0.5', n: 1, RV: 0, U1: 0, U2: 100 })).toContain('CHALLENGE_CEILING');
  });
});
