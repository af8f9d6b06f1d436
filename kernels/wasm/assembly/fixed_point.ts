/**
 * The fixed-point primitives of NUMERICS.md §3 in 64-bit integers, which WebAssembly has natively:
 * R(a, M, n) for 0 ≤ a < 2^32, 0 ≤ M < 2^31 has a·M < 2^63 and a·M + 2^(n−1) < 2^64, so the u64
 * arithmetic below is the exact formula, with no limbs.
 */

const TWO_31: u64 = 2147483648;

/** R(a, M, n) = min(floor((a·M + 2^(n−1)) / 2^n), 2^31) (§3.2; no bias for n = 0). */
@inline
export function mulShiftRound(a: u64, m: u64, n: i32): u64 {
  let p = a * m;
  if (n > 0) p = (p + (<u64>1 << <u64>(n - 1))) >> <u64>n;
  return p > TWO_31 ? TWO_31 : p;
}

/** sign(x)·R(|x|, M, n), i.e. ⌊x·M/2^n⌉, for |x| ≤ 2^31 (§4). */
@inline
export function requantizeScalar(x: i64, m: i64, n: i32): i64 {
  return x < 0 ? -<i64>mulShiftRound(<u64>-x, <u64>m, n) : <i64>mulShiftRound(<u64>x, <u64>m, n);
}

/** floor(√v) for 0 ≤ v < 2^53, 0 for v ≤ 0 (§3.4): a float estimate corrected by exact squares. */
export function isqrt64(v: i64): i64 {
  if (v <= 0) return 0;
  let r = <i64>Math.floor(Math.sqrt(<f64>v));
  while (r * r > v) r--;
  while ((r + 1) * (r + 1) <= v) r++;
  return r;
}
