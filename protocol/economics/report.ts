/**
 * Everything the economics says about one parameter set, in one object (what `spml params` prints).
 *
 * Theorem 1's threshold (§2.2), Proposition 1 for reference (§3.3), the payoffs behind them
 * (Appendix A), opML's undetected-fraud rate (§3.4), the outside-gain limit, the imperfect
 * comparison window when beta or phi is set, and warnings.
 */
import type { Decimal, DecimalInput } from './decimal.js';
import { imperfectComparisonWindow, type ImperfectComparisonWindow } from './imperfect_comparison.js';
import { minimumChallengeProbability, type ChallengeThreshold } from './min_challenge.js';
import { opmlUndetectedFraud, type OpmlFraud } from './opml.js';
import { outsideGainLimit, type OutsideGainLimit } from './outside_gain.js';
import { parseEconomicParams, type EconomicParams, type EconomicParamsInput } from './params.js';
import { probability } from './parse.js';
import { expectedPayoffs, type ExpectedPayoffs } from './payoffs.js';
import { proposition1PMin } from './proposition1.js';
import { theorem1Sides, type Theorem1Sides } from './theorem1.js';
import { economicWarnings, type EconomicWarning } from './warnings.js';

/** opML's validator net gain when none is given: the paper's §3.4 assumption RC = 100C. */
export const DEFAULT_RC_PER_C = 100;

export interface EconomicsReport {
  readonly params: EconomicParams;
  readonly threshold: ChallengeThreshold;
  /** Proposition 1's C / ((1 − r)(R + S)), for reference whatever n, RA, RV, U1, U2 are. */
  readonly proposition1PMin: Decimal;
  /** Theorem 1 at the given p; null when no p was given. */
  readonly theorem1: Theorem1Sides | null;
  /** Payoffs at the given p, else at p_min (where honesty and cheating pay the same), else null. */
  readonly payoffs: ExpectedPayoffs | null;
  readonly opml: OpmlFraud;
  readonly outsideGain: OutsideGainLimit;
  /** Present when beta or phi is non-zero. */
  readonly imperfect: ImperfectComparisonWindow | null;
  readonly warnings: EconomicWarning[];
}

export function analyseEconomics(input: EconomicParamsInput & { p?: DecimalInput; RC?: DecimalInput }): EconomicsReport {
  const params = parseEconomicParams(input);
  const p = input.p === undefined ? null : probability('params', input.p);
  const threshold = minimumChallengeProbability(params);
  const payoffAt = p ?? (threshold.pMin !== null && threshold.kind === 'above' ? threshold.pMin : null);
  const RC = input.RC ?? params.C.mul(DEFAULT_RC_PER_C);
  const imperfect = params.beta.isZero() && params.phi.isZero() ? null : imperfectComparisonWindow(params);
  return {
    params,
    threshold,
    proposition1PMin: proposition1PMin(params),
    theorem1: p === null ? null : theorem1Sides(params, p),
    payoffs: payoffAt === null ? null : expectedPayoffs(params, payoffAt),
    opml: opmlUndetectedFraud({ C: params.C, R: params.R, S: params.S, RC }),
    outsideGain: outsideGainLimit(params),
    imperfect,
    warnings: economicWarnings(params),
  };
}
