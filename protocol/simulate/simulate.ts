/**
 * The economics simulation driver (paper §2.1, §3.2): plays a config's rounds through an
 * executor in batches, reports progress, and sets every measured metric beside its theoretical
 * value (theory.ts) with a 4σ bound.
 */
import { coalitionSize, validateConfig, type SimConfig } from './config.js';
import { EconomicsExecutor } from './economics_executor.js';
import type { ExecutorFactory } from './executor.js';
import { METRICS, metricValue, newAccumulator, type MetricName } from './metrics.js';
import { buildPopulation, type NodeGroup } from './population.js';
import { atP, coalitionLines, metricTheory, networkColluders, networkPMin, SIGMAS, theorem1PMin } from './theory.js';

export interface Progress {
  done: number;
  total: number;
  elapsedMs: number;
  roundsPerSec: number;
  /** Estimated time left: the rounds to go at the mean speed so far. */
  etaMs: number;
}

/** Progress after `done` of `total` rounds in `elapsedMs`, with the time left at the speed so far. */
export function progressAt(done: number, total: number, elapsedMs: number): Progress {
  const roundsPerSec = (done / Math.max(elapsedMs, 1e-3)) * 1e3;
  return { done, total, elapsedMs, roundsPerSec, etaMs: done > 0 ? ((total - done) / roundsPerSec) * 1e3 : Infinity };
}

export interface SimulateOptions {
  /** Plays the rounds; the economics executor when absent. */
  executor?: ExecutorFactory;
  /** Called after a batch at most every `progressIntervalMs`, and once at the end. */
  onProgress?: (p: Progress) => void;
  progressIntervalMs?: number;
  /** Rounds per executor call (default 65 536): how often progress can be reported. */
  batchRounds?: number;
}

export interface Comparison {
  metric: MetricName;
  realized: number;
  theory: number;
  /** SIGMAS standard errors of the realized value under the theory. */
  bound: number;
  /** |realized − theory| <= bound (an exact metric must match exactly). */
  within: boolean;
  /** ΣY: how many occurrences the realized value averages. */
  count: number;
}

export interface SimReport {
  executor: string;
  config: SimConfig;
  coalitionSize: number;
  groups: NodeGroup[];
  /** p_min of this network's coalition and of Theorem 1 with the paper's rⁿ (null: no p deters). */
  pMin: { network: number | null; theorem1: number | null };
  /** Expected coalition profit per coalition round at this p, honest and cheating (Theorem 1's two sides). */
  coalitionAtP: { honest: number; cheat: number };
  sigmas: number;
  comparisons: Comparison[];
  elapsedMs: number;
  roundsPerSec: number;
}

/** Relative rounding allowance of a sum of up to 2^53 plain-number payoffs, far below any 4σ. */
const ROUNDING = 1e-9;

export const economicsExecutor: ExecutorFactory = (config, pop) => new EconomicsExecutor(config, pop);

export async function simulate(config: SimConfig, opts: SimulateOptions = {}): Promise<SimReport> {
  validateConfig(config);
  const pop = buildPopulation(config);
  const executor = (opts.executor ?? economicsExecutor)(config, pop);
  const acc = newAccumulator();
  const batch = opts.batchRounds ?? 65_536;
  const interval = opts.progressIntervalMs ?? 250;
  const start = performance.now();
  let lastReport = start;
  for (let done = 0; done < config.rounds; ) {
    const k = Math.min(batch, config.rounds - done);
    await executor.play(k, acc);
    done += k;
    const now = performance.now();
    if (opts.onProgress && (now - lastReport >= interval || done === config.rounds)) {
      lastReport = now;
      opts.onProgress(progressAt(done, config.rounds, now - start));
    }
  }
  const elapsedMs = performance.now() - start;
  const theory = metricTheory(config, pop, config.rounds);
  const lines = coalitionLines(config.econ, config.n, config.userCheat, networkColluders(config));
  const comparisons = METRICS.map((metric, m): Comparison => {
    const t = theory[m]!;
    const realized = metricValue(acc, m);
    // A metric with no randomness (σ = 0) still carries floating-point rounding from summing.
    const bound = Math.max(SIGMAS * t.sigma, ROUNDING * Math.max(1, Math.abs(t.mean)));
    // No occurrence at all is within SIGMAS σ of a Poisson count with mean λ when λ <= SIGMAS².
    const within = Number.isNaN(realized) ? Number.isNaN(t.mean) || t.expectedCount <= SIGMAS ** 2 : Math.abs(realized - t.mean) <= bound;
    return { metric, realized, theory: t.mean, bound, within, count: acc[2 * m + 1]! };
  });
  return {
    executor: executor.name,
    config,
    coalitionSize: coalitionSize(config),
    groups: pop.groups,
    pMin: { network: networkPMin(config), theorem1: theorem1PMin(config) },
    coalitionAtP: { honest: atP(lines.honest, config.p), cheat: atP(lines.cheat, config.p) },
    sigmas: SIGMAS,
    comparisons,
    elapsedMs,
    roundsPerSec: (config.rounds / Math.max(elapsedMs, 1e-3)) * 1e3,
  };
}
