/**
 * The economics of PoSP and spML (paper §2.2 Theorem 1, §3.3 Proposition 1, §3.4, Appendix A),
 * in exact decimal arithmetic. Parse parameters once with parseEconomicParams, then ask.
 */
export { Econ, type DecimalInput } from './decimal.js';
export { parseEconomicParams, allCollude, noneCollude, someCollude, type EconomicParams, type EconomicParamsInput } from './params.js';
export { theorem1Sides, satisfiesTheorem1, type Theorem1Sides } from './theorem1.js';
export { minimumChallengeProbability, withinThreshold, type ChallengeThreshold, type ThresholdKind } from './min_challenge.js';
export { proposition1PMin, specialCasePMin } from './proposition1.js';
export { expectedPayoffs, type ExpectedPayoffs } from './payoffs.js';
export { opmlUndetectedFraud, type OpmlFraud } from './opml.js';
export { outsideGainLimit, type OutsideGainLimit } from './outside_gain.js';
export { imperfectComparisonWindow, type ImperfectComparisonWindow } from './imperfect_comparison.js';
export { economicWarnings, type EconomicWarning, type WarningCode } from './warnings.js';
export { analyseEconomics, DEFAULT_RC_PER_C, type EconomicsReport } from './report.js';
