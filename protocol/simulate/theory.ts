/**
 * What the simulation should find, computed directly (paper §2.2 Theorem 1 and its proof in
 * Appendix A, §3.3 Proposition 1, with the §3.2 payoffs).
 *
 * Rates have closed forms: the challenge rate is p; a lone cheat is caught whenever it is
 * challenged by an honest user, so it goes through with probability 1 − p; a coalition cheat
 * also goes through when all n validators are coalition members, (1 − p) + p·(1 − w)·P(all), where
 * w is the dishonest-user rate and P(all) is hypergeometric in a network of N nodes (validators
 * are drawn without replacement among the N − 1 others), → rⁿ as N grows (the paper's form).
 *
 * Profits come from enumerating every outcome of a round with its probability and the §3.2
 * payoff table (`outcome` below), which also gives each metric's variance: a metric is a ratio
 * ΣX / ΣY over iid rounds, whose standard error after m rounds is √(E[(X − μY)²] / m) / E[Y]
 * (the delta method; for a rate it is the binomial σ). Reports compare with a 4σ bound.
 *
 * The coalition's per-round profit, honest or cheating, is linear in p; p_min is where the two
 * lines cross (Theorem 1 with RA = R, RV = nR, U1 = R + U, U2 = R + nR + U; for n = 1, U = 0 and
 * w = 0 it is Proposition 1's C / ((1 − r)(R + S))). This module only needs floating point; the
 * exact decimal forms are protocol/economics.
 */
import { coalitionSize, type EconParams, type SimConfig } from './config.js';
import { METRIC_COUNT, M } from './metrics.js';
import type { Population } from './population.js';

/** Standard errors in a reported bound. */
export const SIGMAS = 4;

/** Payoffs and flags of one outcome (§3.2), in the terms of reference_executor.ts. */
export interface Outcome {
  asserter: number;
  /** Sum over the n validators. */
  validators: number;
  user: number;
  /** Asserter plus colluding validators, when the asserter is in the coalition. */
  coalition: number;
  undetected: boolean;
  honestServers: number;
}

/**
 * One round's payoffs when the asserter (`coal`: in the coalition) cheats or not, the round is
 * challenged or not by an honest user or not, and `i` of the n validators collude with it.
 */
export function outcome(e: EconParams, n: number, coal: boolean, cheat: boolean, challenged: boolean, userHonest: boolean, i: number): Outcome {
  const { C, R, S, u, d, Su, U } = e;
  const aCost = cheat ? 0 : C;
  if (!challenged) {
    const a = cheat ? R + U - aCost : R - aCost;
    return { asserter: a, validators: 0, user: -u, coalition: coal ? a : 0, undetected: cheat, honestServers: cheat ? 0 : 1 };
  }
  const colluding = coal ? i : 0;
  const through = coal && cheat && colluding === n;
  const copy = coal && (!cheat || through);
  // Colluders either copy A's answer for free or, when they must report honestly, compute once.
  const coalCost = !copy && colluding > 0 ? C : 0;
  const valCost = (n - colluding) * C + coalCost;
  const honestServers = (cheat ? 0 : 1) + (through ? 0 : n);
  if (!userHonest) {
    const a = 0 - aCost;
    return { asserter: a, validators: -valCost, user: -u - Su, coalition: coal ? a - coalCost : 0, undetected: false, honestServers };
  }
  const match = !cheat || through;
  const a = match ? R - aCost + (cheat ? U : 0) : -S;
  return {
    asserter: a,
    validators: n * R - valCost,
    user: match ? -u + d * u : S / 3,
    coalition: coal ? a + colluding * R - coalCost : 0,
    undetected: cheat && match,
    honestServers,
  };
}

/** P(k colluders among n validators), drawn without replacement from `others` nodes of which `colluders` collude. */
export function hypergeometric(others: number, colluders: number, n: number): Float64Array {
  const out = new Float64Array(n + 1);
  const logC = (a: number, b: number) => (b < 0 || b > a ? -Infinity : lnFact(a) - lnFact(b) - lnFact(a - b));
  for (let k = 0; k <= n; k++) out[k] = Math.exp(logC(colluders, k) + logC(others - colluders, n - k) - logC(others, n));
  return out;
}

/** P(k colluders among n validators) when each colludes independently with probability r (Theorem 1). */
export function binomial(n: number, r: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) out[k] = Math.exp(lnFact(n) - lnFact(k) - lnFact(n - k)) * r ** k * (1 - r) ** (n - k);
  return out;
}

function lnFact(x: number): number {
  let s = 0;
  for (let k = 2; k <= x; k++) s += Math.log(k);
  return s;
}

/** Colluder-count distribution for a coalition asserter in this network (a coalition of one when r = 0). */
export function networkColluders(config: Pick<SimConfig, 'nodes' | 'r' | 'n'>): Float64Array {
  return hypergeometric(config.nodes - 1, Math.max(1, coalitionSize(config)) - 1, config.n);
}

export interface CoalitionLines {
  /** Expected coalition profit per coalition round at p = 0 and at p = 1 (linear in between). */
  honest: [number, number];
  cheat: [number, number];
}

/** The two sides of Theorem 1 as lines in p, for a colluder-count distribution. */
export function coalitionLines(e: EconParams, n: number, userCheat: number, colluders: Float64Array): CoalitionLines {
  const side = (cheat: boolean): [number, number] => {
    let challenged = 0;
    colluders.forEach((pi, i) => {
      if (pi === 0) return;
      challenged += pi * (1 - userCheat) * outcome(e, n, true, cheat, true, true, i).coalition;
      if (userCheat > 0) challenged += pi * userCheat * outcome(e, n, true, cheat, true, false, i).coalition;
    });
    return [outcome(e, n, true, cheat, false, true, 0).coalition, challenged];
  };
  return { honest: side(false), cheat: side(true) };
}

export const atP = (line: readonly [number, number], p: number): number => (1 - p) * line[0] + p * line[1];

/**
 * The p at which honesty's expected profit starts to exceed cheating's: honesty is dominant for
 * every p above it (Theorem 1's inequality is strict). 0 when honesty wins even unchallenged;
 * null when cheating pays even at p = 1.
 */
export function pMinOf(lines: CoalitionLines): number | null {
  const d0 = lines.honest[0] - lines.cheat[0];
  const d1 = lines.honest[1] - lines.cheat[1];
  if (d0 > 0) return 0;
  if (d1 <= 0) return null;
  return -d0 / (d1 - d0);
}

/** p_min of this network's coalition (hypergeometric validators). */
export function networkPMin(config: SimConfig): number | null {
  return pMinOf(coalitionLines(config.econ, config.n, config.userCheat, networkColluders(config)));
}

/** p_min of Theorem 1 as the paper states it: validators collude independently with probability r. */
export function theorem1PMin(config: SimConfig): number | null {
  return pMinOf(coalitionLines(config.econ, config.n, config.userCheat, binomial(config.n, config.r)));
}

/** Proposition 1's bound C / ((1 − r)(R + S)) (n = 1, U = 0, honest users). */
export function proposition1PMin(e: EconParams, r: number): number {
  return e.C / ((1 - r) * (e.R + e.S));
}

/** `--p auto`: p_min times this factor, capped at 1, so that honesty wins by a margin. */
export const AUTO_P_FACTOR = 1.5;

/** The challenge probability `--p auto` picks: min(1, 1.5 × p_min); 1 when no p deters. */
export function autoP(config: SimConfig): number {
  const pMin = networkPMin(config);
  return pMin === null ? 1 : Math.min(1, AUTO_P_FACTOR * pMin);
}

export interface MetricTheory {
  /** Expected value of the ratio ΣX / ΣY: the closed form for rates, else `enumerated`. */
  mean: number;
  /** The same from the enumeration of outcomes. */
  enumerated: number;
  /** Standard error after `rounds` rounds; 0 when the metric is exact (the honest-slash rate). */
  sigma: number;
  /** Expected denominator after `rounds` rounds. */
  expectedCount: number;
}

/** Every metric's expectation and standard error for `rounds` rounds of `config` on `pop`. */
export function metricTheory(config: SimConfig, pop: Population, rounds: number): MetricTheory[] {
  const { econ: e, n, p, userCheat: w } = config;
  const colluders = networkColluders(config);
  const leaves: { prob: number; xy: Float64Array }[] = [];
  for (const g of pop.groups) {
    if (g.selectionShare === 0) continue;
    for (const cheat of [false, true]) {
      const pc = cheat ? g.cheatProb : 1 - g.cheatProb;
      if (pc === 0) continue;
      const leaf = (prob: number, ch: boolean, uh: boolean, i: number) => {
        if (prob > 0) leaves.push({ prob: g.selectionShare * pc * prob, xy: metricXY(outcome(e, n, g.coalition, cheat, ch, uh, i), g.coalition, cheat, ch, n) });
      };
      leaf(1 - p, false, true, 0);
      const dist = g.coalition ? colluders : Float64Array.of(1);
      dist.forEach((pi, i) => {
        leaf(p * (1 - w) * pi, true, true, i);
        leaf(p * w * pi, true, false, i);
      });
    }
  }
  const out: MetricTheory[] = [];
  for (let m = 0; m < METRIC_COUNT; m++) {
    let ex = 0;
    let ey = 0;
    for (const l of leaves) {
      ex += l.prob * l.xy[2 * m]!;
      ey += l.prob * l.xy[2 * m + 1]!;
    }
    const mean = ey > 0 ? ex / ey : NaN;
    let v = 0;
    if (ey > 0) for (const l of leaves) v += l.prob * (l.xy[2 * m]! - mean * l.xy[2 * m + 1]!) ** 2;
    out.push({ mean, enumerated: mean, sigma: ey > 0 ? Math.sqrt(v / rounds) / ey : NaN, expectedCount: ey * rounds });
  }
  // Rates by their closed forms (the enumeration agrees; tests check it).
  const pAll = colluders[n]!;
  out[M.challengeRate]!.mean = p;
  out[M.undetectedFraudLone]!.mean = 1 - p;
  out[M.undetectedFraudCoalition]!.mean = 1 - p + p * (1 - w) * pAll;
  out[M.honestSlashRate]!.mean = 0;
  return out;
}

function metricXY(o: Outcome, coal: boolean, cheat: boolean, challenged: boolean, n: number): Float64Array {
  const xy = new Float64Array(2 * METRIC_COUNT);
  const set = (m: number, x: number, y: number) => {
    xy[2 * m] = x;
    xy[2 * m + 1] = y;
  };
  const und = o.undetected ? 1 : 0;
  set(M.challengeRate, challenged ? 1 : 0, 1);
  if (cheat) {
    set(M.undetectedFraud, und, 1);
    set(coal ? M.undetectedFraudCoalition : M.undetectedFraudLone, und, 1);
    set(M.cheatingAsserterProfit, o.asserter, 1);
  } else set(M.honestAsserterProfit, o.asserter, 1);
  set(M.honestSlashRate, 0, o.honestServers);
  if (challenged) set(M.validatorProfit, o.validators, n);
  set(M.userProfit, o.user, 1);
  if (coal) set(cheat ? M.coalitionCheatProfit : M.coalitionHonestProfit, o.coalition, 1);
  return xy;
}
