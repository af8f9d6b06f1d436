/**
 * Seeded pseudo-random numbers for the economics simulation (paper §2.1: the asserter, the
 * challenge and the validators are "randomly selected"; here that randomness is reproducible).
 *
 * xoshiro128** (Blackman and Vigna, 2018) on 32-bit words, seeded through splitmix32. The state
 * lives in an Int32Array: with V8's 31-bit small integers a plain number field holding a full
 * 32-bit word would be boxed on every update, the typed array is not (measured in
 * bench/simulate.ts, which also times this generator alone as the lower bound of a round).
 * Not for cryptography: the protocol's own challenge draws use protocol/challenge.ts.
 */
import { ProtocolParamError } from '../errors.js';

/** 2^-32: turns a 32-bit word into a float in [0, 1) without rounding. */
const TWO_POW_M32 = 2.3283064365386963e-10;

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

export class Xoshiro128 {
  private readonly s = new Int32Array(4);

  /** `seed` is any integer in [0, 2^53); equal seeds give equal streams. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new ProtocolParamError('Xoshiro128', 'seed', `must be an integer in [0, 2^53), got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    let x = splitmix32(lo ^ splitmix32(hi));
    for (let i = 0; i < 4; i++) {
      x = splitmix32(x + i);
      this.s[i] = x;
    }
    // The all-zero state is the one fixed point of xoshiro; splitmix32 makes it practically
    // unreachable, this makes it impossible.
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** A generator in a given state (not all zero), to check the published output of the reference code. */
  static fromState(words: readonly [number, number, number, number]): Xoshiro128 {
    if (words.every((w) => (w | 0) === 0)) throw new ProtocolParamError('Xoshiro128', 'state', 'must not be all zero');
    const g = new Xoshiro128(0);
    g.s.set(words.map((w) => w | 0));
    return g;
  }

  /** The next 32-bit word, as an unsigned number. */
  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!;
    const s1 = s[1]!;
    const s2 = s[2]!;
    const s3 = s[3]!;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = (n3 << 11) | (n3 >>> 21);
    return result >>> 0;
  }

  /** A float in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() * TWO_POW_M32;
  }
}

/**
 * A Bernoulli(prob) trial that draws a number only when the outcome is uncertain, so that a
 * strategy with probability 0 or 1 costs nothing. Every executor uses it, which keeps their
 * streams of draws identical.
 */
export function chance(rng: Xoshiro128, prob: number): boolean {
  return prob >= 1 || (prob > 0 && rng.next() < prob);
}
