/**
 * Parameters of the economics-only simulation (paper §2.2 C, R, S, U; §3.2 u, d, S/3, Su) and
 * their checks.
 *
 * Amounts are plain numbers in units of the compute cost C (default C = 1), chosen for speed: a
 * round settles in a few floating-point additions. The bigint ledger of protocol/ledger.ts, with
 * exact floors such as floor(S/3), is what the engine-backed mode and the protocol harness use;
 * here S/3 is a real division.
 */
import { ProtocolParamError } from '../errors.js';
import type { StrategyGroup } from './strategy_spec.js';

export interface EconParams {
  /** Cost of one computation of f(x). */
  C: number;
  /** Reward R of a server whose answer is accepted or upheld (§3.2 steps 3, 6, 8). */
  R: number;
  /** Stake slashed from a server found dishonest (§3.2 step 8). */
  S: number;
  /** Base fee u the user pays, burnt (§3.2 step 1). */
  u: number;
  /** Refund fraction d < 1 paid back to the user when the hashes match (§3.2 step 6). */
  d: number;
  /** Stake slashed from a user found dishonest by arbitration (§3.2 step 8). */
  Su: number;
  /** Extra gain of a cheat whose wrong answer is accepted, on top of the saved cost C (§2.2 U1 = R + U, U2 = R + nR + U). */
  U: number;
}

/** The paper's §3.4 example: R = 1.2C, S = 150C; u, d and Su are this project's choice. */
export const DEFAULT_ECON: Readonly<EconParams> = Object.freeze({ C: 1, R: 1.2, S: 150, u: 2, d: 0.5, Su: 150, U: 0 });

export type Selection = 'uniform' | 'stake';

export interface SimConfig {
  nodes: number;
  rounds: number;
  /** Fraction of the nodes in the colluding coalition (Assumption 3); round(r·nodes) nodes. */
  r: number;
  /** Challenge probability (§2.1 step 2). */
  p: number;
  /** Validators drawn per challenge (§2.1 step 3; spML has n = 1). */
  n: number;
  econ: EconParams;
  /** Behaviour of the nodes outside the coalition (strategy_spec.ts). */
  strategies: StrategyGroup[];
  /** Probability that a coalition asserter cheats (1: the attacker of Theorem 1). */
  coalitionCheat: number;
  /** Probability that a user sends different inputs to A and B when challenged (§3.2 step 8). */
  userCheat: number;
  /** How the user picks the asserter: uniformly, or in proportion to stake. */
  selection: Selection;
  /** 'coalition' plays only rounds whose asserter is in the coalition (the sweep's conditioning). */
  asserters: 'all' | 'coalition';
  seed: number;
}

const OP = 'simulate';

function check(ok: boolean, param: string, message: string): void {
  if (!ok) throw new ProtocolParamError(OP, param, message);
}

const isInt = (v: number, min: number) => Number.isSafeInteger(v) && v >= min;
const inUnit = (v: number) => v >= 0 && v <= 1;

/** Coalition size for a config: round(r·nodes). */
export function coalitionSize(c: Pick<SimConfig, 'nodes' | 'r'>): number {
  return Math.round(c.r * c.nodes);
}

/** Throws a ProtocolParamError naming the first parameter out of range. */
export function validateConfig(c: SimConfig): void {
  check(isInt(c.nodes, 2), 'nodes', `must be an integer >= 2 (an asserter and a validator), got ${c.nodes}`);
  check(isInt(c.rounds, 1), 'rounds', `must be an integer >= 1, got ${c.rounds}`);
  check(isInt(c.n, 1) && c.n <= c.nodes - 1, 'n', `must be an integer in [1, nodes − 1 = ${c.nodes - 1}], got ${c.n}`);
  check(c.r >= 0 && c.r < 1, 'r', `must satisfy 0 <= r < 1, got ${c.r}`);
  check(inUnit(c.p), 'p', `must satisfy 0 <= p <= 1, got ${c.p}`);
  check(inUnit(c.coalitionCheat), 'coalitionCheat', `must satisfy 0 <= q <= 1, got ${c.coalitionCheat}`);
  check(inUnit(c.userCheat), 'userCheat', `must satisfy 0 <= rate <= 1, got ${c.userCheat}`);
  check(c.selection === 'uniform' || c.selection === 'stake', 'selection', `must be uniform or stake, got ${String(c.selection)}`);
  check(isInt(c.seed, 0), 'seed', `must be an integer in [0, 2^53), got ${c.seed}`);
  const e = c.econ;
  check(e.C > 0 && Number.isFinite(e.C), 'C', `must be a finite number > 0, got ${e.C}`);
  check(e.S > 0 && Number.isFinite(e.S), 'S', `must be a finite number > 0, got ${e.S}`);
  for (const k of ['R', 'u', 'Su', 'U'] as const) check(e[k] >= 0 && Number.isFinite(e[k]), k, `must be a finite number >= 0, got ${e[k]}`);
  check(e.d >= 0 && e.d < 1, 'd', `must satisfy 0 <= d < 1, got ${e.d}`);
  const K = coalitionSize(c);
  check(K < c.nodes, 'r', `leaves no node outside the coalition (round(r·nodes) = ${K} of ${c.nodes})`);
  check(c.asserters === 'all' || K >= 1, 'r', 'must give a coalition of at least one node when only coalition rounds are played');
  check(c.strategies.length > 0, 'strategies', 'needs at least one strategy');
}

export type ConfigInput = Partial<Omit<SimConfig, 'econ'>> & { econ?: Partial<EconParams> };

/** A config from defaults: 100 nodes, 100 000 rounds, r = 0.1, p = 0.01, n = 1, all others honest. */
export function makeConfig(input: ConfigInput = {}): SimConfig {
  return {
    nodes: 100,
    rounds: 100_000,
    r: 0.1,
    p: 0.01,
    n: 1,
    strategies: [{ name: 'honest', cheatProb: 0, fraction: 1 }],
    coalitionCheat: 1,
    userCheat: 0,
    selection: 'uniform',
    asserters: 'all',
    seed: 42,
    ...input,
    econ: { ...DEFAULT_ECON, ...input.econ },
  };
}
