/**
 * Economics-only Monte Carlo of PoSP/spML (paper §2.1, §2.2 Theorem 1, §3.2, §3.3 Proposition 1):
 * public API of protocol/simulate.
 */
export { DEFAULT_ECON, makeConfig, validateConfig, coalitionSize, type ConfigInput, type EconParams, type SimConfig, type Selection } from './config.js';
export { parseStrategies, type StrategyGroup } from './strategy_spec.js';
export { buildPopulation, type Population, type NodeGroup } from './population.js';
export { Xoshiro128, chance } from './prng.js';
export { AliasTable } from './alias.js';
export { METRICS, M, newAccumulator, recordRound, metricValue, type MetricName, type RoundResult } from './metrics.js';
export type { RoundExecutor, ExecutorFactory } from './executor.js';
export { EconomicsExecutor } from './economics_executor.js';
export { ReferenceExecutor, drawRound, settleRound, type RoundDraw } from './reference_executor.js';
export {
  outcome,
  hypergeometric,
  binomial,
  networkColluders,
  coalitionLines,
  atP,
  pMinOf,
  networkPMin,
  theorem1PMin,
  proposition1PMin,
  autoP,
  AUTO_P_FACTOR,
  metricTheory,
  SIGMAS,
  type MetricTheory,
  type CoalitionLines,
} from './theory.js';
export { simulate, economicsExecutor, type SimReport, type Comparison, type Progress, type SimulateOptions } from './simulate.js';
export { sweep, parseSweep, sweepValues, crossing, type SweepResult, type SweepPoint, type SweepRange, type SweepSide } from './sweep.js';
export { formatReport, formatSweep } from './report_text.js';
