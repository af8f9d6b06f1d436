/**
 * The in-process spML network (paper §3.2): createNetwork, population, and the report types.
 */
export { Network, createNetwork } from './network.js';
export { roundBeacon } from './beacon.js';
export { population, type PopulationSpec } from './population.js';
export { judgeDispute, voteOf, tally, type Judgement } from './arbitration.js';
export * from './types.js';
