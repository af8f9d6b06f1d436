/**
 * Parameter choices that are legal but defeat the protocol's purpose (paper §2.2 Assumptions 2-3,
 * §3.2 step 8, §3.3, §3.4). Each warning says what goes wrong and which values cause it.
 */
import { Decimal, Econ } from './decimal.js';
import { imperfectComparisonWindow } from './imperfect_comparison.js';
import { minimumChallengeProbability } from './min_challenge.js';
import type { EconomicParams } from './params.js';

export type WarningCode =
  | 'VOTE_BLOCKED' // r >= 1/3: the 2/3 arbitration vote (§3.2 step 8) can no longer convict
  | 'VOTE_CAPTURED' // r >= 2/3: the asserter's nodes alone reach the 2/3 majority
  | 'HONEST_LOSS' // R <= C: honest spML servers do not make money
  | 'ASSERTER_LOSS' // RA <= C (when RA differs from R)
  | 'VALIDATOR_LOSS' // RV/n <= C: validating a challenge does not pay
  | 'ASSUMPTION_2' // RA − C > −S or RV/n − C > −S fails: Theorem 1's premise is broken
  | 'NO_CHALLENGE_PROBABILITY' // Theorem 1 holds for no p in [0, 1]
  | 'CHALLENGE_CEILING' // Theorem 1 holds only below some p_max
  | 'IMPERFECT_NO_WINDOW'; // with beta, phi, no p both deters cheating and keeps honest servers

export interface EconomicWarning {
  readonly code: WarningCode;
  readonly message: string;
}

const s = (d: Decimal) => d.toSignificantDigits(6).toString();

export function economicWarnings(params: EconomicParams): EconomicWarning[] {
  const { r, n, C, R, RA, RV, S } = params;
  const out: EconomicWarning[] = [];
  const add = (code: WarningCode, message: string) => out.push({ code, message });
  if (r.mul(3).gte(2)) add('VOTE_CAPTURED', `r = ${s(r)} >= 2/3: the asserter's nodes alone reach the 2/3 vote and can slash honest nodes`);
  else if (r.mul(3).gte(1)) add('VOTE_BLOCKED', `r = ${s(r)} >= 1/3: the asserter's nodes can block every 2/3 vote, so arbitration can no longer convict`);
  const loss = (v: Decimal) => (v.lt(C) ? 'lose money' : 'only break even');
  if (R.lte(C)) add('HONEST_LOSS', `R = ${s(R)} <= C = ${s(C)}: honest servers ${loss(R)} on every request`);
  if (!RA.eq(R) && RA.lte(C)) add('ASSERTER_LOSS', `RA = ${s(RA)} <= C = ${s(C)}: honest asserters ${loss(RA)}`);
  const share = RV.div(n);
  if (share.lte(C)) add('VALIDATOR_LOSS', `RV/n = ${s(share)} <= C = ${s(C)}: validators ${loss(share)} on every challenge`);
  if (RA.sub(C).lte(S.neg()) || share.sub(C).lte(S.neg()))
    add('ASSUMPTION_2', 'Assumption 2 (RA − C > −S and RV/n − C > −S) fails: being slashed is no worse than working, so Theorem 1 does not apply');
  const threshold = minimumChallengeProbability(params);
  if (!threshold.feasible) add('NO_CHALLENGE_PROBABILITY', threshold.reason);
  if (threshold.kind === 'below') add('CHALLENGE_CEILING', `honesty is dominant only for p < p_max = ${s(threshold.pMax ?? new Econ(1))}: ${threshold.reason}`);
  if (!params.beta.isZero() || !params.phi.isZero()) {
    const window = imperfectComparisonWindow(params);
    if (!window.feasible) add('IMPERFECT_NO_WINDOW', `imperfect comparison: ${window.reason}`);
  }
  return out;
}
