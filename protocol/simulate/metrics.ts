/**
 * What a simulation measures, as ratio estimators: each metric adds a numerator X and a
 * denominator Y per round, and its value is ΣX / ΣY. Rates (X an event, Y its opportunity) and
 * per-role profits (X a payoff, Y the role's occurrences) take the same shape, so one
 * accumulator and one statistical bound (theory.ts) serve them all, and any executor (economics
 * or engine-backed) reports through `recordRound`.
 *
 * Roles follow paper §3.2: the asserter A, the validators (server B; n of them in PoSP §2.1), the
 * user, and the coalition of Assumption 3 counted as one player, as Theorem 1's proof does.
 */

export const METRICS = [
  /** Challenged rounds / rounds; theory p. */
  'challengeRate',
  /** Cheats whose wrong answer was accepted / cheats. */
  'undetectedFraud',
  /** The same, for cheats by nodes outside the coalition; theory 1 − p. */
  'undetectedFraudLone',
  /** The same, for coalition cheats; theory (1 − p) + p·P(all n validators in the coalition). */
  'undetectedFraudCoalition',
  /** Slashed servers that answered honestly / servers that answered honestly; must be 0. */
  'honestSlashRate',
  /** Asserter's payoff, over rounds in which it answered honestly. */
  'honestAsserterProfit',
  /** Asserter's own payoff, over rounds in which it cheated. */
  'cheatingAsserterProfit',
  /** A validator's payoff, over validator draws. */
  'validatorProfit',
  /** The user's payoff, over rounds. */
  'userProfit',
  /** The coalition's total payoff (asserter + coalition validators), over coalition rounds with a cheat. */
  'coalitionCheatProfit',
  /** The same, over coalition rounds answered honestly: Theorem 1's other side. */
  'coalitionHonestProfit',
] as const;

export type MetricName = (typeof METRICS)[number];
export const METRIC_COUNT = METRICS.length;
export const M = Object.fromEntries(METRICS.map((m, i) => [m, i])) as { readonly [K in MetricName]: number };

/** Accumulator layout: [X₀, Y₀, X₁, Y₁, …]. */
export function newAccumulator(): Float64Array {
  return new Float64Array(2 * METRIC_COUNT);
}

/** One settled round, as an executor that works object by object describes it. */
export interface RoundResult {
  asserterCoalition: boolean;
  asserterCheats: boolean;
  challenged: boolean;
  /** A wrong answer was accepted with nobody slashed. */
  undetected: boolean;
  asserterPay: number;
  validatorPays: number[];
  /** Validators in the asserter's coalition, when the asserter is in the coalition. */
  validatorColluding: boolean[];
  userPay: number;
  /** Servers that answered honestly in this round, and how many of them were slashed. */
  honestServers: number;
  honestSlashed: number;
}

function add(acc: Float64Array, m: number, x: number, y: number): void {
  acc[2 * m] = acc[2 * m]! + x;
  acc[2 * m + 1] = acc[2 * m + 1]! + y;
}

/** Adds one round's numerators and denominators into `acc`. */
export function recordRound(res: RoundResult, acc: Float64Array): void {
  const cheat = res.asserterCheats;
  const und = res.undetected ? 1 : 0;
  add(acc, M.challengeRate, res.challenged ? 1 : 0, 1);
  if (cheat) {
    add(acc, M.undetectedFraud, und, 1);
    add(acc, res.asserterCoalition ? M.undetectedFraudCoalition : M.undetectedFraudLone, und, 1);
    add(acc, M.cheatingAsserterProfit, res.asserterPay, 1);
  } else {
    add(acc, M.honestAsserterProfit, res.asserterPay, 1);
  }
  add(acc, M.honestSlashRate, res.honestSlashed, res.honestServers);
  let validators = 0;
  let colluders = 0;
  res.validatorPays.forEach((pay, i) => {
    validators += pay;
    if (res.validatorColluding[i]) colluders += pay;
  });
  const coalition = res.asserterPay + colluders;
  if (res.validatorPays.length > 0) add(acc, M.validatorProfit, validators, res.validatorPays.length);
  add(acc, M.userProfit, res.userPay, 1);
  if (res.asserterCoalition) add(acc, cheat ? M.coalitionCheatProfit : M.coalitionHonestProfit, coalition, 1);
}

/** ΣX / ΣY of a metric, NaN when it had no occurrence. */
export function metricValue(acc: Float64Array, m: number): number {
  const y = acc[2 * m + 1]!;
  return y > 0 ? acc[2 * m]! / y : NaN;
}
