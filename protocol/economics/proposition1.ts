/**
 * Closed forms of the minimum challenge probability in the paper's special cases.
 *
 * Special case U1 = RA, U2 = RA + RV (a cheat earns exactly the rewards it would have earned, and
 * saves C): min_challenge.ts's b = C and a = S + RA + kC − rⁿ(RA + S), so
 *
 *   p_min = C / [(1 − rⁿ)(RA + S) + (1 − rⁿ − (1 − r)ⁿ)C].
 *
 * RV cancels: with U2 = RA + RV the colluding validators' reward is already in U2.
 *
 * Proposition 1 (§3.3) is that formula at n = 1, RA = RV = R: then 1 − r − (1 − r) = 0 and
 *
 *   p_min = C / ((1 − r)(R + S)).
 */
import { Decimal, Econ } from './decimal.js';
import { allCollude, someCollude, type EconomicParams } from './params.js';

/** C / [(1 − rⁿ)(RA + S) + (1 − rⁿ − (1 − r)ⁿ)C]: p_min when U1 = RA and U2 = RA + RV (whatever params.U1, U2 say). */
export function specialCasePMin(params: EconomicParams): Decimal {
  const { C, RA, S } = params;
  const denominator = new Econ(1).sub(allCollude(params)).mul(RA.add(S)).add(someCollude(params).mul(C));
  return C.div(denominator);
}

/** Proposition 1: C / ((1 − r)(R + S)), the spML threshold (n = 1, RA = RV = R, U1 = R, U2 = 2R). */
export function proposition1PMin(params: EconomicParams): Decimal {
  const { C, r, R, S } = params;
  return C.div(new Econ(1).sub(r).mul(R.add(S)));
}
