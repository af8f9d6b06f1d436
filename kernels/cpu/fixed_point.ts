/**
 * Scalar fixed-point primitives of the reference backend (engine/NUMERICS.md §3).
 *
 * Every function here is the definition the spec points at. They use 32-bit idioms (16-bit
 * limbs, `>>>`, `Math.imul`) so that a WGSL port is a transliteration; where a value is held in
 * a JS number the comment says why it is exact (all integers below 2^53 are).
 */
import { EXP2_NEG_Q15, EXP_FRAC_BITS, EXP_ZERO_HALVINGS } from '../../engine/constants.js';

const TWO_31 = 2147483648;
const TWO_32 = 4294967296;

/**
 * Full 64-bit product of two unsigned 32-bit integers, as [hi, lo] unsigned 32-bit words,
 * built from 16-bit limbs so that no partial product exceeds 2^32 (§3.1).
 */
export function umul32(a: number, b: number): [number, number] {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0; // < 2^32, exact
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  // mid < 3 * 2^32: exact in a double.
  const mid = p01 + p10 + (p00 >>> 16);
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const hi = (p11 + Math.floor(mid / 65536)) >>> 0;
  return [hi, lo];
}

/**
 * R(a, M, n) = floor((a*M + 2^(n-1)) / 2^n) for 0 <= a <= 2^32-1, 0 <= M < 2^31, 0 <= n <= 62,
 * capped at 2^31 (§3.2). The cap loses nothing: every caller saturates to at most 2^31.
 * This is "round half up" of the exact quotient a*M/2^n.
 */
export function mulShiftRound(a: number, m: number, n: number): number {
  let [hi, lo] = umul32(a, m);
  if (n > 0) {
    // Add the rounding bias 2^(n-1) to the 64-bit (hi, lo) with carry.
    if (n - 1 < 32) {
      const sum = lo + 2 ** (n - 1); // < 2^33, exact
      lo = sum >>> 0;
      hi = hi + (sum >= TWO_32 ? 1 : 0); // hi < 2^31 before, so no overflow
    } else {
      hi = hi + 2 ** (n - 33);
    }
  }
  let q: number;
  if (n === 0) q = hi * TWO_32 + lo;
  else if (n < 32) q = hi * 2 ** (32 - n) + (lo >>> n);
  else q = Math.floor(hi / 2 ** (n - 32));
  // q may be inexact only above 2^53, far past the cap, so the comparison is still right.
  return q > TWO_31 ? TWO_31 : q;
}

/**
 * Signed requantization of one value (§4): sign(x) * R(|x|, M, n), i.e. the exact product x*M/2^n
 * rounded half away from zero. The result is at most 2^31 in magnitude; callers saturate.
 */
export function requantizeScalar(x: number, m: number, n: number): number {
  return x < 0 ? -mulShiftRound(-x, m, n) : mulShiftRound(x, m, n);
}

/**
 * Exact division of non-negative integers a by b (>= 1), 2a + b < 2^53, rounded half up:
 * floor((2a + b) / (2b)). Floor division is made exact by correcting the float quotient with
 * the integer remainder (§3.3).
 */
export function divRoundHalfUp(a: number, b: number): number {
  return floorDiv(2 * a + b, 2 * b);
}

/** floor(a / b) for integers 0 <= a < 2^53, b >= 1, exact. */
export function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  // The float quotient can be off by one near an integer; the remainder says which way.
  const r = a - q * b;
  if (r < 0) q -= 1;
  else if (r >= b) q += 1;
  return q;
}

/** Division of a signed integer by a positive one, rounded half away from zero. */
export function divRoundHalfAway(a: number, b: number): number {
  return a < 0 ? -divRoundHalfUp(-a, b) : divRoundHalfUp(a, b);
}

/**
 * floor(sqrt(v)) for an integer 0 <= v < 2^53 (§3.4). Math.sqrt gives a candidate within one of
 * the answer; the exact squares (< 2^53) settle it.
 */
export function isqrt(v: number): number {
  if (v <= 0) return 0;
  let r = Math.floor(Math.sqrt(v));
  while (r * r > v) r -= 1;
  while ((r + 1) * (r + 1) <= v) r += 1;
  return r;
}

/**
 * E(d): exp(-d * s) in Q15 for a difference d >= 0, where {m, n} encodes s * log2(e) * 2^8 (§9).
 *   u = min(R(d, m, n), 2^31);  k = u >> 8;  f = u & 255
 *   E = 0 if k >= 16, else (EXP2_NEG_Q15[f] + (k ? 2^(k-1) : 0)) >> k
 */
export function expNegQ15(d: number, m: number, n: number): number {
  const u = mulShiftRound(d, m, n);
  const k = Math.floor(u / (1 << EXP_FRAC_BITS)); // u <= 2^31, so k <= 2^23
  if (k >= EXP_ZERO_HALVINGS) return 0;
  const f = u & ((1 << EXP_FRAC_BITS) - 1);
  const t = EXP2_NEG_Q15[f]!;
  return k === 0 ? t : (t + (1 << (k - 1))) >> k;
}
