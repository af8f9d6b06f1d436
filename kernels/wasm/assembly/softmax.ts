/**
 * expNeg (§9.4), softmax (§9.5) and causalMask (§8) of engine/NUMERICS.md, transliterating the
 * cpu reference (kernels/cpu/softmax.ts, expNegQ15 in kernels/cpu/fixed_point.ts).
 *
 * Exact: integer instructions only, no float on any path. E(d) (§9.3) is R(d, M, n) in u64
 * (d·M < 2^63, fixed_point.ts), then a table lookup and a shift in i32 (T[f] + 2^(k−1) < 2^16).
 * softmax's Σ ≤ L·2^15 ≤ 2^31 is an i64, and divRoundHalfUp(e·2^14, Σ) = ⌊(2·e·2^14 + Σ)/(2Σ)⌋
 * (§3.3) is one u64 division of a numerator < 2^32 + 2^31 by 2Σ ≤ 2^32: exact, where the
 * reference needs a float quotient and a remainder correction. The table EXP2_NEG_Q15 (§9.2,
 * engine/constants.ts) is not copied here: the caller passes it as 256 i32 at `table`.
 */
import { mulShiftRound } from './fixed_point';

const MASKED: i32 = -2147483648;
/** EXP_FRAC_BITS = 8: u = 256k + f. */
const FRAC_MASK: i32 = 255;
/** EXP_ZERO_HALVINGS = 16: k ≥ 16 gives exactly 0 (§9.3). */
const ZERO_HALVINGS: u64 = 16;

/** E(d) = 2^15·exp(−d·s) in Q15 for 0 ≤ d < 2^32 (§9.3); also sample.ts's weights. */
@inline
export function expQ15(d: u64, m: u64, n: i32, table: usize): i32 {
  const u = mulShiftRound(d, m, n); // ≤ 2^31
  const k = u >> 8;
  if (k >= ZERO_HALVINGS) return 0;
  const t = load<i32>(table + (<usize>(<i32>u & FRAC_MASK) << 2));
  const ki = <i32>k;
  return ki == 0 ? t : (t + (1 << (ki - 1))) >> ki;
}

/** y[i] = E(max(−x[i], 0)), x and y int32 (§9.4). */
export function expNeg(x: usize, y: usize, size: i32, m: i32, n: i32, table: usize): void {
  const mm = <u64>m;
  for (let i = 0; i < size; i++) {
    const v = <i64>load<i32>(x + (<usize>i << 2));
    store<i32>(y + (<usize>i << 2), expQ15(<u64>(v < 0 ? -v : 0), mm, n, table));
  }
}

/**
 * Softmax of `rows` rows of `len` int32 scores into int16 Q14 (§9.5). The weights e_j ≤ 2^15 are
 * first kept in the output row as u16 (32768 fits), then replaced in place by p_j ≤ 2^14.
 */
export function softmax(x: usize, y: usize, rows: i32, len: i32, m: i32, n: i32, table: usize): void {
  const mm = <u64>m;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * len) << 2);
    const yr = y + (<usize>(r * len) << 1);
    let max = MASKED;
    for (let j = 0; j < len; j++) {
      const v = load<i32>(xr + (<usize>j << 2));
      if (v > max) max = v;
    }
    if (max == MASKED) {
      // every entry masked: the row is all 0
      memory.fill(yr, 0, <usize>len << 1);
      continue;
    }
    const top = <i64>max;
    let sum: u64 = 0;
    for (let j = 0; j < len; j++) {
      const v = load<i32>(xr + (<usize>j << 2));
      // max − v < 2^32 for every unmasked v
      const e = v == MASKED ? 0 : expQ15(<u64>(top - <i64>v), mm, n, table);
      store<u16>(yr + (<usize>j << 1), <u16>e);
      sum += <u64>e;
    }
    // 2^15 ≤ Σ ≤ 2^31 (the maximum has e = 2^15), so 2Σ ≥ 1
    const den = sum << 1;
    for (let j = 0; j < len; j++) {
      const at = yr + (<usize>j << 1);
      const e = <u64>load<u16>(at);
      store<i16>(at, <i16>(((e << 15) + sum) / den));
    }
  }
}

/**
 * y = x with entry (i, j) of each [t, s] matrix set to MASKED where j > i + offset (§8); `count`
 * matrices, offset in [0, 2^31 − 1] (i + offset + 1 is formed in i64).
 */
export function causalMask(x: usize, y: usize, count: i32, t: i32, s: i32, offset: i32): void {
  const rowBytes = <usize>s << 2;
  for (let b = 0; b < count; b++) {
    for (let i = 0; i < t; i++) {
      const at = <usize>(b * t + i) * rowBytes;
      const lim = <i64>i + <i64>offset + 1; // first masked column
      const keep = lim < <i64>s ? <i32>lim : s;
      memory.copy(y + at, x + at, <usize>keep << 2);
      for (let j = keep; j < s; j++) store<i32>(y + at + (<usize>j << 2), MASKED);
    }
  }
}
