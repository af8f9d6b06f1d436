/**
 * spML protocol harness (paper §2.1 PoSP, §3.2 spML): the in-process network, the signed messages,
 * the challenge draw, selection, the ledger and settlement, strategies and arbitration.
 */
export * from './network/index.js';
export * from './errors.js';
export * from './messages/index.js';
export { challengeCommitment, isChallenged, verifyDraw, drawValue, challengeThreshold, drawSeed, isRoundChallenged, verifyRoundDraw, type DrawInputs } from './challenge.js';
export { selectAsserter, selectValidators } from './selection.js';
export { ChallengeRateMonitor, type RateReport } from './monitor.js';
export { Ledger, type AccountView, type JournalEntry } from './ledger.js';
export { RoundClock, type ClockControl } from './clock.js';
export { Settlement, checkProtocolConfig, type ProtocolConfig, type RoundOutcome, type RoundSettlement, type Verdict } from './settlement.js';
export { ModelStore, runInference } from './inference.js';
export { formCoalition, perturbModel, type Coalition, type ServerStrategy, type UserStrategy } from './strategies.js';
export { arbitrateByBisection, type BisectionResult } from './bisection.js';
export { keyFromSeed, type NodeKey } from './crypto.js';
