/**
 * The seam between the simulation driver and whatever plays the rounds.
 *
 * The economics executor (economics_executor.ts) settles rounds in plain numbers as fast as it
 * can; the reference executor (reference_executor.ts) does the same object by object and is the
 * definition the fast one is checked against. An engine-backed executor plays the same rounds
 * with real model runs, signed messages and the bigint ledger, and reports through the same
 * accumulator (metrics.ts `recordRound`), so the driver, the theory comparison and the report
 * stay the same whichever executor ran.
 */
import type { SimConfig } from './config.js';
import type { Population } from './population.js';

export interface RoundExecutor {
  /** Shown in the report, e.g. "economics". */
  readonly name: string;
  /** Plays `rounds` more rounds and adds their metric numerators and denominators into `acc`. */
  play(rounds: number, acc: Float64Array): void | Promise<void>;
}

/** Builds an executor for a checked config and its population, seeded from `config.seed`. */
export type ExecutorFactory = (config: SimConfig, population: Population) => RoundExecutor;
