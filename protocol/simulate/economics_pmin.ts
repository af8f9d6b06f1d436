/**
 * Theorem 1's p_min from protocol/economics (exact decimals), for the simulation's parameters.
 *
 * The simulation pays every validator R, so in the paper's terms RV = n·R (RV/n each), and a cheat
 * that goes through earns U on top of the rewards: U1 = R + U, U2 = R + nR + U, i.e. outside gain
 * G = U. Dishonest users are outside Theorem 1 (Property 2 rules them out), so this is the
 * threshold with honest users; theory.ts `theorem1PMin` agrees with it in floating point when
 * the dishonest-user rate is 0.
 */
import { minimumChallengeProbability, parseEconomicParams } from '../economics/index.js';
import type { SimConfig } from './config.js';

/** The exact p_min as a number, or null when Theorem 1 has no lower threshold in [0, 1]. */
export function economicsPMin(config: Pick<SimConfig, 'econ' | 'r' | 'n'>): number | null {
  const { C, R, S, U } = config.econ;
  const t = minimumChallengeProbability(parseEconomicParams({ C, R, S, r: config.r, n: config.n, RV: config.n * R, G: U }));
  if (t.kind === 'any') return 0;
  return t.kind === 'above' && t.pMin !== null ? t.pMin.toNumber() : null;
}
