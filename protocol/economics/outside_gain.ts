/**
 * How large an outside gain G spML tolerates (an extension of paper §2.2 Theorem 1 and §3.3).
 *
 * G is what a fraud is worth to the cheater beyond the protocol's rewards (a manipulated answer
 * that moves a market, say): U1 = RA + G, U2 = RA + RV + G (at n = 1, RA = RV = R: U1 = R + G,
 * U2 = 2R + G). In min_challenge.ts's terms b = C + G and a = (1 − rⁿ)(RA + S + G) + kC > 0, so
 *
 *   p_min(G) = (C + G) / [(1 − rⁿ)(RA + S + G) + kC],   k = 1 − rⁿ − (1 − r)ⁿ,
 *
 * which tends to 1/(1 − rⁿ) > 1 as G grows. Some p <= 1 works only while p_min(G) < 1, that is
 *
 *   rⁿ·G < (1 − rⁿ)(RA + S) − (rⁿ + (1 − r)ⁿ)C,
 *
 * so past G* = [(1 − rⁿ)(RA + S) − (rⁿ + (1 − r)ⁿ)C] / rⁿ no challenge probability makes honesty
 * dominant. With r = 0 the bound on G disappears (p_min(G) < 1 ⇔ C < RA + S for every G).
 */
import { Decimal, Econ } from './decimal.js';
import { allCollude, noneCollude, type EconomicParams } from './params.js';

export interface OutsideGainLimit {
  /** 'below': feasible exactly while G < maxG; 'unbounded': for every G; 'never': for no G >= 0. */
  readonly kind: 'below' | 'unbounded' | 'never';
  readonly maxG: Decimal | null;
}

/** The outside gain beyond which Theorem 1 holds for no p (U1 = RA + G, U2 = RA + RV + G). */
export function outsideGainLimit(params: EconomicParams): OutsideGainLimit {
  const { RA, S, C } = params;
  const rn = allCollude(params);
  const slack = new Econ(1).sub(rn).mul(RA.add(S)).sub(rn.add(noneCollude(params)).mul(C));
  if (!slack.gt(0)) return { kind: 'never', maxG: null };
  if (rn.isZero()) return { kind: 'unbounded', maxG: null };
  return { kind: 'below', maxG: slack.div(rn) };
}
