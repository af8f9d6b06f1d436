/**
 * Theorem 1 of the paper (§2.2, proved in Appendix A): the asserter's dominant strategy is to act
 * honestly if and only if
 *
 *   RA + pS − (1 − p)U1 − C + (1 − rⁿ − (1 − r)ⁿ)pC  >  p·rⁿ(U2 + S − RV).
 *
 * Both sides are evaluated as written, in exact decimal arithmetic (decimal.ts), so the answer for
 * typed parameters carries no rounding at all.
 */
import { Decimal, type DecimalInput } from './decimal.js';
import { allCollude, someCollude, type EconomicParams } from './params.js';
import { probability } from './parse.js';

export interface Theorem1Sides {
  readonly p: Decimal;
  readonly lhs: Decimal;
  readonly rhs: Decimal;
  /** lhs > rhs: honesty is the asserter's dominant strategy at this p. */
  readonly holds: boolean;
}

export function theorem1Sides(params: EconomicParams, p: DecimalInput): Theorem1Sides {
  const q = probability('theorem1', p);
  const { RA, S, U1, U2, RV, C } = params;
  const lhs = RA.add(q.mul(S))
    .sub(q.neg().add(1).mul(U1))
    .sub(C)
    .add(someCollude(params).mul(q).mul(C));
  const rhs = q.mul(allCollude(params)).mul(U2.add(S).sub(RV));
  return { p: q, lhs, rhs, holds: lhs.gt(rhs) };
}

/** Whether challenge probability p makes honesty the asserter's dominant strategy (Theorem 1). */
export function satisfiesTheorem1(params: EconomicParams, p: DecimalInput): boolean {
  return theorem1Sides(params, p).holds;
}
