/**
 * Expected payoffs of honesty and of cheating at challenge probability p (paper Appendix A).
 *
 * The payoffs are those of the asserter's coalition: the asserter plus the validators it controls
 * (each validator is the asserter's with probability r, Assumption 3), as in Appendix A.
 *
 * Honest. Unchallenged (1 − p): RA − C. Challenged with i of n validators colluding (binomial,
 * probability C(n,i)rⁱ(1 − r)ⁿ⁻ⁱ): everyone matches, the coalition earns RA plus i·RV/n and
 * computes f(x) once (colluders copy the asserter's result): i·RV/n + RA − C. Since E[i] = nr,
 *
 *   H(p) = RA − C + p·r·RV.
 *
 * Cheating (the asserter does not compute f(x)). Unchallenged: U1. Challenged:
 * - i = n (probability rⁿ): the fraud passes, U2.
 * - 1 <= i < n: by Property 1 the colluders report honestly, so the asserter is slashed S; the
 *   colluders compute f(x) once and share RV/m each: i·RV/n − C − S.
 * - i = 0 (probability (1 − r)ⁿ): the asserter is slashed and the coalition computed nothing: −S.
 *   (Appendix A's displayed sum writes −C − S for i = 0 too; its final inequality, Theorem 1,
 *   has the (1 − r)ⁿC term only with −S here, so this follows the theorem.)
 * Summing with E[i·1{i<n}] = nr − n·rⁿ and k = 1 − rⁿ − (1 − r)ⁿ:
 *
 *   F(p) = (1 − p)U1 + p[rⁿU2 + r·RV − rⁿ·RV − kC − (1 − rⁿ)S].
 *
 * H(p) − F(p) is exactly Theorem 1's left side minus its right side, so F < H ⇔ Theorem 1 holds
 * (tested on a grid of p against a literal binomial sum).
 */
import { Decimal, Econ, type DecimalInput } from './decimal.js';
import { allCollude, someCollude, type EconomicParams } from './params.js';
import { probability } from './parse.js';

export interface ExpectedPayoffs {
  readonly p: Decimal;
  /** RA − C: what the asserter alone earns for one honest request. */
  readonly asserterHonest: Decimal;
  /** H(p): the coalition's expected payoff when the asserter is honest. */
  readonly honest: Decimal;
  /** F(p): the coalition's expected payoff when the asserter cheats. */
  readonly cheat: Decimal;
  /** H(p) − F(p): positive exactly when Theorem 1 holds. */
  readonly advantage: Decimal;
}

export function expectedPayoffs(params: EconomicParams, p: DecimalInput): ExpectedPayoffs {
  const q = probability('payoffs', p);
  const { RA, C, r, RV, U1, U2, S } = params;
  const rn = allCollude(params);
  const honest = RA.sub(C).add(q.mul(r).mul(RV));
  const challenged = rn
    .mul(U2)
    .add(r.mul(RV))
    .sub(rn.mul(RV))
    .sub(someCollude(params).mul(C))
    .sub(new Econ(1).sub(rn).mul(S));
  const cheat = new Econ(1).sub(q).mul(U1).add(q.mul(challenged));
  return { p: q, asserterHonest: RA.sub(C), honest, cheat, advantage: honest.sub(cheat) };
}
