/**
 * spML with an imperfect output comparison (an extension of paper §3.3 Proposition 1).
 *
 * Suppose comparing the two servers' outputs misses a fraud with probability beta and flags honest
 * work as fraud with probability phi. In Proposition 1's setting (n = 1, RA = RV = R, U1 = R,
 * U2 = 2R) the challenged branch with an honest validator (probability 1 − r) changes by:
 * - cheating: a missed fraud pays R instead of −S, adding p(1 − r)·beta·(R + S) to cheating;
 * - honesty: a false alarm costs the honest asserter R + S, taking p(1 − r)·phi·(R + S) from honesty.
 * Honesty stays dominant when p(1 − r)(R + S)(1 − beta − phi) > C:
 *
 *   p_min = C / [(1 − r)(1 − beta − phi)(R + S)].
 *
 * False alarms also hit an honest server that belongs to no coalition, at every challenge; it
 * still earns money per request only while R − C − p·phi·(S + R) > 0:
 *
 *   p_max = (R − C) / (phi·(S + R))   (no upper bound when phi = 0).
 *
 * A p in (p_min, p_max) ∩ [0, 1] keeps cheaters out and honest servers in; there may be none.
 */
import { Decimal, Econ } from './decimal.js';
import type { EconomicParams } from './params.js';

export interface ImperfectComparisonWindow {
  readonly pMin: Decimal;
  /** Null when phi = 0: false alarms never happen, so challenges cost honest servers nothing. */
  readonly pMax: Decimal | null;
  readonly feasible: boolean;
  readonly reason: string;
}

export function imperfectComparisonWindow(params: EconomicParams): ImperfectComparisonWindow {
  const { C, r, R, S, beta, phi } = params;
  const informative = new Econ(1).sub(beta).sub(phi);
  const pMin = C.div(new Econ(1).sub(r).mul(informative).mul(R.add(S)));
  const pMax = phi.isZero() ? null : R.sub(C).div(phi.mul(S.add(R)));
  const fmt = (d: Decimal) => d.toSignificantDigits(6).toString();
  if (pMin.gte(1)) return { pMin, pMax, feasible: false, reason: `no p works: p_min = ${fmt(pMin)} >= 1` };
  if (pMax !== null && pMin.gte(pMax))
    return { pMin, pMax, feasible: false, reason: `no p works: p_min = ${fmt(pMin)} >= p_max = ${fmt(pMax)}, so any p that deters cheating drives honest servers out` };
  return { pMin, pMax, feasible: true, reason: pMax === null ? 'every p > p_min works' : 'every p with p_min < p < p_max works' };
}
