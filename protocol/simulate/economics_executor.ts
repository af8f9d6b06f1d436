/**
 * The economics-only executor: plays the rounds of reference_executor.ts (paper §2.1, §3.2) from
 * the same draws, in one allocation-free loop.
 *
 * Why it is shaped this way: the sums live in local variables and reach the accumulator once per
 * call, the validators go into a preallocated Int32Array, and zero contributions are skipped (they
 * do not change a floating-point sum), so a call with a fresh accumulator yields bit-for-bit the
 * sums of the reference executor, which the tests check. bench/simulate.ts measures the speed
 * against the reference and against the bare generator drawing the same numbers.
 */
import type { SimConfig } from './config.js';
import type { RoundExecutor } from './executor.js';
import { M } from './metrics.js';
import type { Population } from './population.js';
import { Xoshiro128 } from './prng.js';

export class EconomicsExecutor implements RoundExecutor {
  readonly name = 'economics';
  private readonly rng: Xoshiro128;
  private readonly chosen: Int32Array;

  constructor(
    private readonly config: SimConfig,
    private readonly pop: Population,
  ) {
    this.rng = new Xoshiro128(config.seed);
    this.chosen = new Int32Array(config.n);
  }

  play(rounds: number, acc: Float64Array): void {
    const rng = this.rng;
    const chosen = this.chosen;
    const { isCoalition, cheatProb, alias, eligible } = this.pop;
    const others = this.pop.nodes - 1;
    const { p, n, userCheat: w } = this.config;
    const { C, R, S, u, d, Su, U } = this.config.econ;
    const third = S / 3;

    let challenged = 0;
    let cheats = 0, undetected = 0, cheatsLone = 0, undetectedLone = 0, cheatsCoal = 0, undetectedCoal = 0;
    let honestServers = 0;
    let honestA = 0, honestAPay = 0, cheatAPay = 0;
    let validatorDraws = 0, validatorPay = 0, userPay = 0;
    let coalCheat = 0, coalCheatPay = 0, coalHonest = 0, coalHonestPay = 0;

    for (let k = 0; k < rounds; k++) {
      const x = rng.next();
      const a = alias === undefined ? Math.floor(x * eligible) : alias.pick(x);
      const q = cheatProb[a]!;
      const cheat = q >= 1 || (q > 0 && rng.next() < q);
      const coal = isCoalition[a] === 1;
      const ch = p >= 1 || (p > 0 && rng.next() < p);
      let aPay = cheat ? 0 : -C;
      let uPay = -u;
      let coalPay = 0;
      let accepted = false;
      if (!ch) {
        aPay += R;
        if (cheat) {
          aPay += U;
          accepted = true;
        }
        if (!cheat) honestServers += 1;
      } else {
        challenged++;
        const userHonest = !(w >= 1 || (w > 0 && rng.next() < w));
        let colluding = 0;
        for (let j = 0; j < n; ) {
          let v = Math.floor(rng.next() * others);
          if (v >= a) v++;
          let seen = false;
          for (let t = 0; t < j; t++) if (chosen[t] === v) seen = true;
          if (seen) continue;
          chosen[j++] = v;
          if (coal && isCoalition[v] === 1) colluding++;
        }
        const through = coal && cheat && colluding === n; // every validator copies the wrong answer
        const copy = coal && (!cheat || through);
        const paid = userHonest ? R : 0;
        if (!userHonest) uPay -= Su;
        else if (!cheat || through) {
          aPay += R;
          uPay += d * u;
          if (cheat) {
            aPay += U;
            accepted = true;
          }
        } else {
          uPay += u;
          aPay -= S;
          uPay += third;
        }
        // Validators in draw order, as the reference adds them.
        let vSum = 0;
        let shared = false;
        for (let j = 0; j < n; j++) {
          const colludes = coal && isCoalition[chosen[j]!] === 1;
          let pay: number;
          if (!colludes) pay = -C;
          else if (copy) pay = 0;
          else {
            pay = shared ? 0 : -C;
            shared = true;
          }
          if (paid !== 0) pay += paid;
          vSum += pay;
          if (colludes) coalPay += pay;
        }
        validatorDraws += n;
        validatorPay += vSum;
        honestServers += (cheat ? 0 : 1) + (through ? 0 : n);
      }
      userPay += uPay;
      if (cheat) {
        cheats++;
        cheatAPay += aPay;
        if (accepted) undetected++;
        if (coal) {
          cheatsCoal++;
          if (accepted) undetectedCoal++;
        } else {
          cheatsLone++;
          if (accepted) undetectedLone++;
        }
      } else {
        honestA++;
        honestAPay += aPay;
      }
      if (coal) {
        const total = aPay + coalPay;
        if (cheat) {
          coalCheat++;
          coalCheatPay += total;
        } else {
          coalHonest++;
          coalHonestPay += total;
        }
      }
    }

    const put = (m: number, x: number, y: number) => {
      acc[2 * m] = acc[2 * m]! + x;
      acc[2 * m + 1] = acc[2 * m + 1]! + y;
    };
    put(M.challengeRate, challenged, rounds);
    put(M.undetectedFraud, undetected, cheats);
    put(M.undetectedFraudLone, undetectedLone, cheatsLone);
    put(M.undetectedFraudCoalition, undetectedCoal, cheatsCoal);
    // Arbitration slashes only answers that are not f(x), and an honest server's answer is f(x),
    // so no honest server is slashed here; reference_executor.ts arbitrates answer by answer and
    // counts it, and the tests check both agree.
    put(M.honestSlashRate, 0, honestServers);
    put(M.honestAsserterProfit, honestAPay, honestA);
    put(M.cheatingAsserterProfit, cheatAPay, cheats);
    put(M.validatorProfit, validatorPay, validatorDraws);
    put(M.userProfit, userPay, rounds);
    put(M.coalitionCheatProfit, coalCheatPay, coalCheat);
    put(M.coalitionHonestProfit, coalHonestPay, coalHonest);
  }
}
