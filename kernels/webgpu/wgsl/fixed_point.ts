/**
 * WGSL sources of the fixed-point primitives (engine/NUMERICS.md §3, §4, §9, §16.1 W1–W5),
 * transliterated from kernels/cpu/fixed_point.ts with 32-bit words only (WGSL has no i64;
 * i32/u32 arithmetic wraps).
 */
import { EXP_FRAC_BITS, EXP_ZERO_HALVINGS } from '../../../engine/constants.js';
import { DTYPE_MAX, DTYPE_MIN, type DType } from '../../../engine/dtype.js';

/** W1: |x| as u32; |−2^31| = 2^31 fits. */
export const MAGNITUDE_WGSL = /* wgsl */ `
fn magnitude(x: i32) -> u32 {
  return bitcast<u32>(select(x, 0 - x, x < 0));
}
`;

/** W2: the full 64-bit product of two u32 as vec2(hi, lo), 16-bit limbs, every line < 2^32 (§3.1). */
export const UMUL32_WGSL = /* wgsl */ `
fn umul32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let t = p01 + (p00 >> 16u);
  let v = p10 + (t & 0xffffu);
  let hi = p11 + (t >> 16u) + (v >> 16u);
  let lo = (v << 16u) | (p00 & 0xffffu);
  return vec2<u32>(hi, lo);
}
`;

/**
 * W5: R(a, M, n) = floor((a·M + 2^(n−1)) / 2^n) capped at 2^31 (§3.2), for a < 2^32, M < 2^31,
 * 0 ≤ n ≤ 62. Shifts by ≥ 32 are not allowed in WGSL, so n = 0, n < 32 and n ≥ 32 are separate
 * cases, as in the TypeScript.
 */
export const MUL_SHIFT_ROUND_WGSL = /* wgsl */ `
${UMUL32_WGSL}
fn mulShiftRound(a: u32, m: u32, n: u32) -> u32 {
  let p = umul32(a, m);
  var hi = p.x;
  var lo = p.y;
  if (n > 0u) {
    if (n <= 32u) {
      let s = lo + (1u << (n - 1u));
      hi = hi + select(0u, 1u, s < lo);
      lo = s;
    } else {
      hi = hi + (1u << (n - 33u));
    }
  }
  var qhi = hi;
  var qlo = lo;
  if (n > 0u && n < 32u) {
    qhi = hi >> n;
    qlo = (lo >> n) | (hi << (32u - n));
  } else if (n >= 32u) {
    qhi = 0u;
    qlo = hi >> (n - 32u);
  }
  if (qhi != 0u || qlo > 0x80000000u) {
    return 0x80000000u;
  }
  return qlo;
}
`;

/**
 * requantizeScalar (§4) as magnitude and sign: R(|x|, M, n) ≤ 2^31 and x < 0; the caller applies
 * the sign while saturating (satSigned).
 */
export const REQUANTIZE_WGSL = /* wgsl */ `
${MAGNITUDE_WGSL}
${MUL_SHIFT_ROUND_WGSL}
struct SignedMag { mag: u32, neg: bool }
fn requantizeScalar(x: i32, m: u32, n: u32) -> SignedMag {
  return SignedMag(mulShiftRound(magnitude(x), m, n), x < 0);
}
`;

/**
 * sat_out(±mag) for a magnitude in [0, 2^32) (§6): values beyond int32 first clip to int32, then
 * to the dtype's range.
 */
export function saturateWgsl(dtype: DType): string {
  return /* wgsl */ `
fn satSigned(neg: bool, mag: u32) -> i32 {
  var v: i32;
  if (neg) {
    v = select(bitcast<i32>(0u - mag), i32(-2147483647) - 1, mag >= 0x80000000u);
  } else {
    v = select(bitcast<i32>(mag), 2147483647, mag > 0x7fffffffu);
  }
  return clamp(v, ${i32Lit(DTYPE_MIN[dtype])}, ${i32Lit(DTYPE_MAX[dtype])});
}
`;
}

/** A WGSL i32 literal (−2^31 cannot be written directly). */
export function i32Lit(v: number): string {
  return v === -2147483648 ? '(i32(-2147483647) - 1)' : `i32(${v})`;
}

/**
 * E(d) (§9.3): exp(−d·s) in Q15 for an unsigned difference d, with the 256-entry EXP2_NEG_Q15
 * table bound as `expTable: array<u32>`. `expOfU` is the table-and-shift half on its own, for a
 * caller that already holds u = R(d, M, n) (sample's buckets, kernels/webgpu/sample_buckets.ts).
 */
export const EXP_NEG_WGSL = /* wgsl */ `
${MUL_SHIFT_ROUND_WGSL}
fn expOfU(u: u32) -> u32 {
  let k = u >> ${EXP_FRAC_BITS}u;
  if (k >= ${EXP_ZERO_HALVINGS}u) {
    return 0u;
  }
  let t = expTable[u & ${(1 << EXP_FRAC_BITS) - 1}u];
  if (k == 0u) {
    return t;
  }
  return (t + (1u << (k - 1u))) >> k;
}
fn expNegQ15(d: u32, m: u32, n: u32) -> u32 {
  return expOfU(mulShiftRound(d, m, n));
}
`;

/** W4: floor((2a + b) / (2b)) for b ≥ 1 without forming 2b (§3.3). */
export const DIV_ROUND_HALF_UP_WGSL = /* wgsl */ `
fn divRoundHalfUp(a: u32, b: u32) -> u32 {
  let q = a / b;
  let r = a - q * b;
  return q + select(0u, 1u, r >= b - r);
}
`;
