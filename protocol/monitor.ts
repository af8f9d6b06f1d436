/**
 * Watches the realized challenge rate against the protocol's p (PoSP §2.1 step 2, spML §3.2 step 3).
 *
 * The security condition (§3.3 Proposition 1: p > C / ((1 − r)(R + S))) holds only if rounds really are
 * challenged with probability p. A sampler bug — a comparison written the wrong way round (rate 1 − p),
 * a threshold scaled twice (rate 2p), or a user grinding secrets to pick its own draws — shows up as a
 * realized rate away from p, which this monitor flags.
 *
 * Test: after n rounds with k challenged, t = |k − np| is compared with Bernstein's inequality for sums
 * of independent Bernoulli(p) draws, which holds for every n (no normal approximation):
 *     P(|K − np| ≥ t) ≤ 2·exp(−t² / (2(n·p(1−p) + M·t/3))),   M = max(p, 1 − p).
 * Drift is flagged when that bound is below α / (n(n+1)). Since Σ_{n≥1} 1/(n(n+1)) = 1, the chance that a
 * correct sampler is ever flagged — over any number of rounds, however often report() is read — is at
 * most α (default 10⁻⁶). The price of that anytime guarantee is a wider band: at n = 10⁵ and p = 0.1 it
 * flags deviations beyond about 8.8σ, while a 2p sampler is then about 105σ out and a 1 − p one 843σ.
 */
import type { Decimal } from 'decimal.js';
import { probabilityFraction } from './challenge.js';
import { ProtocolParamError } from './errors.js';

export interface RateReport {
  readonly rounds: number;
  readonly challenged: number;
  /** challenged / rounds (0 before any round). */
  readonly rate: number;
  /** p. */
  readonly expected: number;
  /** (k − np) / sqrt(np(1−p)): for reading, not for the decision (0 when undefined). */
  readonly zScore: number;
  /** Bernstein bound on the chance a correct sampler deviates at least this much (1 before any round). */
  readonly tailBound: number;
  /** α / (n(n+1)): tailBound below this is drift. */
  readonly alarmLevel: number;
  /** Direction of a flagged drift, or null when the rate is consistent with p. */
  readonly drift: 'high' | 'low' | null;
}

export class ChallengeRateMonitor {
  readonly p: number;
  readonly alpha: number;
  private rounds = 0;
  private challenged = 0;

  constructor(p: Decimal | string, options: { readonly alpha?: number } = {}) {
    const { num, den } = probabilityFraction(p, 'ChallengeRateMonitor');
    this.p = Number(num) / Number(den);
    this.alpha = options.alpha ?? 1e-6;
    if (!(this.alpha > 0 && this.alpha < 1)) throw new ProtocolParamError('ChallengeRateMonitor', 'alpha', `${this.alpha} is outside (0, 1)`);
  }

  /** Record one round: whether it was challenged. */
  record(challenged: boolean): void {
    this.rounds++;
    if (challenged) this.challenged++;
  }

  report(): RateReport {
    const n = this.rounds;
    const k = this.challenged;
    const p = this.p;
    const mean = n * p;
    const variance = n * p * (1 - p);
    const t = Math.abs(k - mean);
    let logBound: number;
    if (n === 0 || t === 0) logBound = 0;
    // p is 0 or 1: every draw is fixed, so any deviation at all is impossible for a correct sampler.
    else if (variance === 0) logBound = -Infinity;
    else logBound = Math.min(0, Math.LN2 - (t * t) / (2 * (variance + (Math.max(p, 1 - p) * t) / 3)));
    const logAlarm = Math.log(this.alpha) - Math.log(n) - Math.log(n + 1);
    const flagged = n > 0 && logBound < logAlarm;
    return {
      rounds: n,
      challenged: k,
      rate: n === 0 ? 0 : k / n,
      expected: p,
      zScore: variance === 0 ? 0 : (k - mean) / Math.sqrt(variance),
      tailBound: Math.exp(logBound),
      alarmLevel: n === 0 ? this.alpha : Math.exp(logAlarm),
      drift: flagged ? (k > mean ? 'high' : 'low') : null,
    };
  }
}
