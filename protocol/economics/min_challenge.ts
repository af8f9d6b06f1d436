/**
 * The challenge probabilities that satisfy Theorem 1 (paper §2.2), in closed form.
 *
 * Theorem 1's inequality is linear in p. Writing k = 1 − rⁿ − (1 − r)ⁿ and collecting terms,
 *
 *   RA + pS − U1 + pU1 − C + kpC > p·rⁿ(U2 + S − RV)
 *   ⇔  p·a > b,   a = S + U1 + kC − rⁿ(U2 + S − RV),   b = U1 + C − RA.
 *
 * b is what one cheat gains over honest work when unchallenged; a is how much each unit of p takes
 * away from cheating. So, with p restricted to [0, 1]:
 * - a > 0: p > p_min = b / a. If p_min < 0 every p works (cheating never pays, even unchallenged);
 *   if p_min >= 1 none does (the inequality is strict, and p cannot exceed 1).
 * - a = 0: p drops out; every p works if b < 0, none if b >= 0.
 * - a < 0: challenges reward collusion more than they deter cheating (rⁿU2 is large), so
 *   p < p_max = b / a. If b >= 0 no p works; if p_max > 1 every p does.
 * With U1 = RA, U2 = RA + RV this is C / [(1 − rⁿ)(RA + S) + kC] (proposition1.ts).
 */
import { Decimal, Econ } from './decimal.js';
import { allCollude, someCollude, type EconomicParams } from './params.js';

export type ThresholdKind =
  | 'above' // every p in (pMin, 1] satisfies Theorem 1, and no other
  | 'below' // every p in [0, pMax) satisfies Theorem 1, and no other
  | 'any' // every p in [0, 1] does
  | 'none'; // no p in [0, 1] does

export interface ChallengeThreshold {
  readonly kind: ThresholdKind;
  readonly feasible: boolean;
  /** b / a when a > 0 (even outside [0, 1], to show how far off it is), else null. */
  readonly pMin: Decimal | null;
  /** b / a when a < 0, else null. */
  readonly pMax: Decimal | null;
  /** a = S + U1 + kC − rⁿ(U2 + S − RV): the coefficient of p. */
  readonly slope: Decimal;
  /** b = U1 + C − RA: what an unchallenged cheat gains over honest work. */
  readonly gain: Decimal;
  /** One sentence saying which p work and why. */
  readonly reason: string;
}

export function minimumChallengeProbability(params: EconomicParams): ChallengeThreshold {
  const { S, U1, U2, RV, C, RA } = params;
  const slope = S.add(U1).add(someCollude(params).mul(C)).sub(allCollude(params).mul(U2.add(S).sub(RV)));
  const gain = U1.add(C).sub(RA);
  const base = { slope, gain };
  if (slope.isZero()) {
    return gain.lt(0)
      ? { ...base, kind: 'any', feasible: true, pMin: null, pMax: null, reason: 'p drops out of Theorem 1 and cheating never pays (U1 + C < RA): every p works' }
      : { ...base, kind: 'none', feasible: false, pMin: null, pMax: null, reason: 'p drops out of Theorem 1 and an unchallenged cheat pays (U1 + C >= RA): no p works' };
  }
  const bound = gain.div(slope);
  if (slope.gt(0)) {
    const pMin = bound;
    if (pMin.lt(0)) return { ...base, kind: 'any', feasible: true, pMin, pMax: null, reason: 'p_min < 0: cheating does not pay even unchallenged, so every p works' };
    if (pMin.gte(1)) return { ...base, kind: 'none', feasible: false, pMin, pMax: null, reason: `infeasible: p_min = ${pMin.toSignificantDigits(6).toString()} >= 1, so no challenge probability makes honesty dominant` };
    return { ...base, kind: 'above', feasible: true, pMin, pMax: null, reason: 'every p > p_min makes honesty dominant' };
  }
  const pMax = bound;
  if (pMax.lte(0)) return { ...base, kind: 'none', feasible: false, pMin: null, pMax, reason: 'infeasible: an unchallenged cheat pays and challenges reward collusion more than they deter it, so no p works' };
  if (pMax.gt(1)) return { ...base, kind: 'any', feasible: true, pMin: null, pMax, reason: 'p_max > 1: every p works' };
  return { ...base, kind: 'below', feasible: true, pMin: null, pMax, reason: 'every p < p_max works; more frequent challenges make colluding with all n validators pay' };
}

/** Whether p lies in the set the threshold describes (the same answer as theorem1Sides up to rounding of b / a). */
export function withinThreshold(t: ChallengeThreshold, p: Decimal): boolean {
  if (t.kind === 'any') return true;
  if (t.kind === 'none') return false;
  if (t.kind === 'above') return p.gt(t.pMin ?? new Econ(0));
  return p.lt(t.pMax ?? new Econ(1));
}
