/**
 * R(a, M, n) of engine/NUMERICS.md §3.2 for gpu.js kernels, with 11-bit limbs (§16.1 G2, G3).
 *
 *   R(a, M, n) = min(floor((a·M + 2^(n−1)) / 2^n), 2^31)      (no bias when n = 0)
 *
 * The operands arrive as 16-bit words (a = aHi·2^16 + aLo < 2^32, M = mHi·2^16 + mLo < 2^31),
 * are re-cut into 11-bit limbs (a: 3 limbs, the top one < 2^10; M: 3 limbs, the top one < 2^9),
 * multiplied column by column, the bias added into its limb, carries propagated, and the shift
 * done as whole limbs (n div 11) then bits (n mod 11). Only scalar → scalar helpers, so the same
 * source compiles on every gpu.js mode.
 *
 * Bound: partial products < 2^22, at most 3 per column, plus carry (< 2^13) and bias (≤ 2^10):
 * every column < 3·2^22 + 2^14 < 2^24; every limb after the shift < 2^11.
 *
 * Also here: the int32 limb helpers (§16.1 G1) and E(d) = T[f] >> k of §9.3 for the kernels that
 * compute it (softmax.ts, sample.ts), with u = R(d, M, n) from the helpers above; only u < 4096
 * matters, so min(R, 2^24) suffices.
 */
import { EXP2_NEG_Q15 } from '../../engine/constants.js';
import type { GpujsBackend } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import type { Plane } from './storage.js';

// The shared body of both helpers, from the operands to the shifted 11-bit limbs t0…t3 of the
// quotient and `over` (> 0 when the quotient is ≥ 2^33). It is pasted into each helper rather
// than called: gpu.js 2.24 orders helper functions wrongly when a helper with callees of its own
// is reached along two call paths, so both public helpers are leaves. Powers of two come from
// repeated doubling, since pow() is not exact everywhere.
const R_BODY = `
  const aLoTop = Math.floor(aLo * 0.00048828125);
  const aHiTop = Math.floor(aHi * 0.015625);
  const a0 = aLo - aLoTop * 2048;
  const a1 = aLoTop + (aHi - aHiTop * 64) * 32;
  const a2 = aHiTop;
  const mLoTop = Math.floor(mLo * 0.00048828125);
  const mHiTop = Math.floor(mHi * 0.015625);
  const m0 = mLo - mLoTop * 2048;
  const m1 = mLoTop + (mHi - mHiTop * 64) * 32;
  const m2 = mHiTop;
  let c0 = a0 * m0;
  let c1 = a0 * m1 + a1 * m0;
  let c2 = a0 * m2 + a1 * m1 + a2 * m0;
  let c3 = a1 * m2 + a2 * m1;
  let c4 = a2 * m2;
  let c5 = 0;
  if (n > 0.5) {
    let bl = 0;
    for (let i = 1; i < 6; i++) {
      if (n - 1 >= 11 * i) { bl = bl + 1; }
    }
    const bb = n - 1 - 11 * bl;
    let bv = 1;
    for (let i = 0; i < 11; i++) {
      if (i < bb) { bv = bv * 2; }
    }
    if (bl < 0.5) { c0 = c0 + bv; }
    else if (bl < 1.5) { c1 = c1 + bv; }
    else if (bl < 2.5) { c2 = c2 + bv; }
    else if (bl < 3.5) { c3 = c3 + bv; }
    else if (bl < 4.5) { c4 = c4 + bv; }
    else { c5 = c5 + bv; }
  }
  let k = Math.floor(c0 * 0.00048828125);
  let p0 = c0 - k * 2048;
  c1 = c1 + k;
  k = Math.floor(c1 * 0.00048828125);
  let p1 = c1 - k * 2048;
  c2 = c2 + k;
  k = Math.floor(c2 * 0.00048828125);
  let p2 = c2 - k * 2048;
  c3 = c3 + k;
  k = Math.floor(c3 * 0.00048828125);
  let p3 = c3 - k * 2048;
  c4 = c4 + k;
  k = Math.floor(c4 * 0.00048828125);
  let p4 = c4 - k * 2048;
  let p5 = c5 + k;
  let s = 0;
  for (let i = 1; i < 6; i++) {
    if (n >= 11 * i) { s = s + 1; }
  }
  for (let i = 0; i < 5; i++) {
    if (i < s) { p0 = p1; p1 = p2; p2 = p3; p3 = p4; p4 = p5; p5 = 0; }
  }
  const r = n - 11 * s;
  let pr = 1;
  let inv = 1;
  for (let i = 0; i < 11; i++) {
    if (i < r) { pr = pr * 2; inv = inv * 0.5; }
  }
  const up = 2048 * inv;
  const t0 = Math.floor(p0 * inv) + (p1 - Math.floor(p1 * inv) * pr) * up;
  const t1 = Math.floor(p1 * inv) + (p2 - Math.floor(p2 * inv) * pr) * up;
  const t2 = Math.floor(p2 * inv) + (p3 - Math.floor(p3 * inv) * pr) * up;
  const t3 = Math.floor(p3 * inv) + (p4 - Math.floor(p4 * inv) * pr) * up;
  const over = t3 + p4 + p5;`;

/** Part 0: floor(min(R, 2^31) / 2^16) ∈ [0, 2^15]; part 1: min(R, 2^31) mod 2^16. */
const MUL_SHIFT_ROUND_PART = `function mulShiftRoundPart(aHi, aLo, mHi, mLo, n, part) {${R_BODY}
  if (over > 0.5 || t2 > 512.5 || (t2 > 511.5 && t1 + t0 > 0.5)) {
    if (part < 0.5) { return 32768; }
    return 0;
  }
  const t1Top = Math.floor(t1 * 0.03125);
  if (part < 0.5) { return t2 * 64 + t1Top; }
  return (t1 - t1Top * 32) * 2048 + t0;
}`;

/** min(R, 2^24), for callers that need only small results (exp, softmax). */
const MUL_SHIFT_ROUND_SMALL = `function mulShiftRoundSmall(aHi, aLo, mHi, mLo, n) {${R_BODY}
  if (over > 0.5 || t2 > 3.5) { return 16777216; }
  return t0 + t1 * 2048 + t2 * 4194304;
}`;

/**
 * Pass these in a KernelSource's `functions` to call mulShiftRoundPart / mulShiftRoundSmall.
 * Both are leaves (they call no other helper), so any number of callers may use them.
 */
export const R_FUNCTIONS: readonly string[] = [MUL_SHIFT_ROUND_PART, MUL_SHIFT_ROUND_SMALL];

/** An unsigned 32-bit value v as its 16-bit words [floor(v / 2^16), v mod 2^16]. */
export function splitWord(v: number): [number, number] {
  const u = v >>> 0;
  return [u >>> 16, u & 0xffff];
}

/**
 * Sign and magnitude of int32 limbs (§16.1 G1): for v = h·2^16 + l with l ∈ [0, 2^16), the
 * 16-bit words of |v| (≤ 2^31 for an int32, so |−2^31| = (32768, 0)), and the limbs of −m for a
 * magnitude m = mh·2^16 + ml. Bound: values only, |h| ≤ 2^16.
 */
const ABS_HI = `function absHi(h, l) {
  if (h >= 0) { return h; }
  if (l > 0.5) { return -h - 1; }
  return -h;
}`;
const ABS_LO = `function absLo(h, l) {
  if (h >= 0) { return l; }
  if (l > 0.5) { return 65536 - l; }
  return 0;
}`;
const NEG_HI = `function negHi(mh, ml) {
  if (ml > 0.5) { return -mh - 1; }
  return -mh;
}`;
const NEG_LO = `function negLo(mh, ml) {
  if (ml > 0.5) { return 65536 - ml; }
  return 0;
}`;

/**
 * Saturation of a signed v = h·2^16 + l whose hi limb may leave [−2^15, 2^15) (sums and products
 * up to |v| ≤ 2^32): int32 limbs, or a value clamped to [mn, mx] for int8/int16 (|mx| < 2^16, so
 * any h ∉ {−1, 0} is already out of range). Bound: |h·2^16 + l| ≤ 2^17 where it is formed.
 */
const SAT_HI = `function satHi(h, l) {
  if (h > 32767) { return 32767; }
  if (h < -32768) { return -32768; }
  return h;
}`;
const SAT_LO = `function satLo(h, l) {
  if (h > 32767) { return 65535; }
  if (h < -32768) { return 0; }
  return l;
}`;
const SAT_NARROW = `function satNarrow(h, l, mn, mx) {
  if (h > 0.5) { return mx; }
  if (h < -1.5) { return mn; }
  return Math.min(Math.max(h * 65536 + l, mn), mx);
}`;

/** absHi, absLo, negHi, negLo, satHi, satLo, satNarrow. */
export const LIMB_FUNCTIONS: readonly string[] = [ABS_HI, ABS_LO, NEG_HI, NEG_LO, SAT_HI, SAT_LO, SAT_NARROW];

/** The EXP2_NEG_Q15 table (§9.2) as a plane. */
const EXP_TABLE = Float32Array.from(EXP2_NEG_Q15);

/** The EXP2_NEG_Q15 table on `g`, uploaded once. */
export function expTable(g: GpujsBackend): Plane {
  return g.constant(EXP_TABLE, 'exp', () => EXP_TABLE);
}

/**
 * E's last step (§9.3) from t = T[f] and k = u >> 8 ∈ [0, 15]: t for k = 0, else
 * (t + 2^(k−1)) >> k. Bound: t + 2^(k−1) < 2^16; powers of two are exact.
 */
const EXP_SHIFT = `function expShift(t, k) {
  if (k < 0.5) { return t; }
  let half = 0.5;
  let inv = 1;
  for (let i = 0; i < 15; i++) {
    if (i < k) {
      half = half * 2;
      inv = inv * 0.5;
    }
  }
  return Math.floor((t + half) * inv);
}`;

/** Helpers for kernels that compute E (§9.3): R, int32 limb helpers, the shift, floorDiv. */
export const EXP_FUNCTIONS: readonly string[] = [...R_FUNCTIONS, ...LIMB_FUNCTIONS, EXP_SHIFT, FLOOR_DIV];

/**
 * Kernel-body lines that set `e = E(d)` for d = dh·2^16 + dl < 2^32, with the table `table` and
 * the scale words qh, ql, qn in scope. Only u < 4096 gives a nonzero weight, so k, f come by G2.
 */
export const EXP_BODY = `  const u = mulShiftRoundSmall(dh, dl, qh, ql, qn);
  let e = 0;
  if (u < 4095.5) {
    const k = Math.floor(u * 0.00390625);
    e = expShift(table[u - 256 * k], k);
  }`;

/**
 * Kernel-body lines that set (dh, dl), the 16-bit words of d = m − x ∈ [0, 2^32) for int32 limbs
 * (mh, ml) ≥ (xh, xl). Bound: |mh − xh| ≤ 2^16, |ml − xl| < 2^16.
 */
export const DIFF_BODY = `  let dh = mh - xh;
  let dl = ml - xl;
  if (dl < -0.5) {
    dl = dl + 65536;
    dh = dh - 1;
  }`;

/** The scale {M, n} as kernel arguments qh, ql, qn (M's 16-bit words). */
export function scaleArgs(a: { multiplier: number; shift: number }): [number, number, number] {
  const [qh, ql] = splitWord(a.multiplier);
  return [qh, ql, a.shift];
}
