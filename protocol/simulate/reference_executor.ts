/**
 * The living definition of a simulated round (paper §2.1 PoSP steps 1–4, §3.2 spML steps 1–8),
 * played object by object: draw the round, let every server produce an answer, settle.
 *
 * Answers are abstract: 0 is f(x), and a cheating asserter's answer is a wrong value no honest
 * server reproduces (Assumption 1). A coalition validator serving a coalition asserter copies
 * the asserter's answer, at no cost, when the asserter is honest or when every validator drawn
 * is in the coalition (the fraud then goes through); otherwise one coalition member computes
 * f(x) for all of them and they report honestly, which is what Theorem 1's proof takes as their
 * best reply. Other validators compute f(x) (Property 1). A dishonest user sends B a different
 * input; arbitration finds it out, slashes Su and pays no server (§3.2 step 8).
 *
 * economics_executor.ts plays the same rounds from the same draws, faster; tests check that both
 * give the same sums.
 */
import type { SimConfig } from './config.js';
import type { RoundExecutor } from './executor.js';
import { recordRound, type RoundResult } from './metrics.js';
import type { Population } from './population.js';
import { chance, Xoshiro128 } from './prng.js';

export const TRUTH = 0;
export const WRONG = 1;

export interface RoundDraw {
  asserter: number;
  cheats: boolean;
  challenged: boolean;
  userHonest: boolean;
  validators: number[];
}

/**
 * The random choices of one round, in a fixed order: asserter, its cheat, the challenge, then
 * (when challenged) the user's honesty and the n validators, distinct and other than A.
 */
export function drawRound(rng: Xoshiro128, pop: Population, p: number, n: number, userCheat: number): RoundDraw {
  const u = rng.next();
  const asserter = pop.alias ? pop.alias.pick(u) : Math.floor(u * pop.eligible);
  const cheats = chance(rng, pop.cheatProb[asserter]!);
  const challenged = chance(rng, p);
  const validators: number[] = [];
  let userHonest = true;
  if (challenged) {
    userHonest = !chance(rng, userCheat);
    while (validators.length < n) {
      let v = Math.floor(rng.next() * (pop.nodes - 1));
      if (v >= asserter) v++;
      if (!validators.includes(v)) validators.push(v);
    }
  }
  return { asserter, cheats, challenged, userHonest, validators };
}

interface Answer {
  value: number;
  /** Paid C to compute it. */
  computed: boolean;
  colluding: boolean;
}

function answers(pop: Population, d: RoundDraw): { asserter: Answer; validators: Answer[] } {
  const coal = pop.isCoalition[d.asserter] === 1;
  const asserter: Answer = { value: d.cheats ? WRONG : TRUTH, computed: !d.cheats, colluding: coal };
  const colluding = d.validators.map((v) => coal && pop.isCoalition[v] === 1);
  const fraudThrough = colluding.every((c) => c);
  let sharedComputation = false;
  const validators = d.validators.map((_, i): Answer => {
    if (!colluding[i]) return { value: TRUTH, computed: true, colluding: false };
    if (!d.cheats || fraudThrough) return { value: asserter.value, computed: false, colluding: true };
    const computed = !sharedComputation;
    sharedComputation = true;
    return { value: TRUTH, computed, colluding: true };
  });
  return { asserter, validators };
}

/** Settles a drawn round by §3.2 and returns every party's payoff. */
export function settleRound(config: SimConfig, pop: Population, d: RoundDraw): RoundResult {
  const { C, R, S, u, d: refund, Su, U } = config.econ;
  const ans = answers(pop, d);
  const servers = [ans.asserter, ...ans.validators];
  const pays = servers.map((a) => (a.computed ? -C : 0));
  let userPay = -u;
  let undetected = false;
  let honestSlashed = 0;
  const wrongAccepted = () => {
    undetected = ans.asserter.value !== TRUTH;
    if (undetected) pays[0] = pays[0]! + U;
  };
  if (!d.challenged) {
    pays[0] = pays[0]! + R;
    wrongAccepted();
  } else if (!d.userHonest) {
    userPay -= Su;
  } else if (ans.validators.every((a) => a.value === ans.asserter.value)) {
    for (let i = 0; i < pays.length; i++) pays[i] = pays[i]! + R;
    userPay += refund * u;
    wrongAccepted();
  } else {
    // Arbitration (§3.2 step 8): every server whose answer is not f(x) is slashed S, the others
    // earn R, and the user gets the fee back plus S/3 from each slashed stake.
    userPay += u;
    servers.forEach((a, i) => {
      if (a.value === TRUTH) {
        pays[i] = pays[i]! + R;
      } else {
        pays[i] = pays[i]! - S;
        userPay += S / 3;
        if (i === 0 ? !d.cheats : a.computed) honestSlashed++;
      }
    });
  }
  const honestServers = (d.cheats ? 0 : 1) + ans.validators.filter((a) => a.value === TRUTH).length;
  return {
    asserterCoalition: ans.asserter.colluding,
    asserterCheats: d.cheats,
    challenged: d.challenged,
    undetected,
    asserterPay: pays[0]!,
    validatorPays: pays.slice(1),
    validatorColluding: ans.validators.map((a) => a.colluding),
    userPay,
    honestServers,
    honestSlashed,
  };
}

export class ReferenceExecutor implements RoundExecutor {
  readonly name = 'reference';
  private readonly rng: Xoshiro128;

  constructor(
    private readonly config: SimConfig,
    private readonly pop: Population,
  ) {
    this.rng = new Xoshiro128(config.seed);
  }

  play(rounds: number, acc: Float64Array): void {
    const { p, n, userCheat } = this.config;
    for (let k = 0; k < rounds; k++) recordRound(settleRound(this.config, this.pop, drawRound(this.rng, this.pop, p, n, userCheat)), acc);
  }
}
