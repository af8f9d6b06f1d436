/**
 * LayerNorm and RMSNorm (engine/NUMERICS.md §10.1), transliterating the cpu reference
 * (kernels/cpu/norm.ts) with the primitives of §3.
 *
 * Exact: integer instructions only, except isqrt64's float estimate, which exact i64 squares
 * correct (§3.4, fixed_point.ts). The reference's divRoundHalfAway is a float quotient with a
 * remainder correction (§3.3); here it is integer division of the magnitudes, exact by definition:
 *   μ = ⌊Σw / C⌉:       |Σw| ≤ 2^29, so 2|Σw| + C < 2^31, one i64 division per row;
 *   z = ⌊d·2^14 / r⌉:   |d| ≤ r ≤ 2^23 (§10.1), so 2|d|·2^14 + r < 2^31 + 2^23 < 2^32 and 2r ≤ 2^24,
 *                       one u32 division per element.
 * Σd² + eps < 2^47 is an i64; acc = wrap32(z·γ + β) is the i64 sum truncated to i32, what the
 * reference's `| 0` computes; then requantize (§4) and saturation (memory.ts).
 */
import { storeSat } from './memory';
import { isqrt64, requantizeScalar } from './fixed_point';

/** NORM_Z_BITS = 14: z = d/r in Q14. */
const Z_BITS: u32 = 14;

/** ⌊a / b⌉ for |a|·2 + b < 2^32, b ≥ 1 (§3.3). */
@inline
function divRoundHalfAway32(a: i32, b: u32): i32 {
  if (a < 0) return -<i32>(((<u32>-a << 1) + b) / (b << 1));
  return <i32>(((<u32>a << 1) + b) / (b << 1));
}

/** One normalization over `rows` rows of c values of input type T (i8 widened by 2^8, or i16). */
@inline
function normRows<T>(x: usize, widen: i32, gamma: usize, beta: usize, y: usize, yBytes: i32, rows: i32, c: i32, eps: i64, m: i64, n: i32, subtractMean: bool): void {
  const stride = <usize>sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>(r * c) * stride;
    const base = r * c;
    let mean: i32 = 0;
    if (subtractMean) {
      let sum: i64 = 0;
      for (let i = 0; i < c; i++) sum += <i64>(<i32>load<T>(xr + <usize>i * stride) * widen);
      const cc = <i64>c;
      mean = <i32>(sum < 0 ? -((-sum * 2 + cc) / (cc * 2)) : (sum * 2 + cc) / (cc * 2));
    }
    let q: i64 = eps;
    for (let i = 0; i < c; i++) {
      const d = <i64>(<i32>load<T>(xr + <usize>i * stride) * widen - mean);
      q += d * d;
    }
    const rr = <u32>isqrt64(q); // ≤ 2^23
    for (let i = 0; i < c; i++) {
      const d = <i32>load<T>(xr + <usize>i * stride) * widen - mean;
      const z = rr == 0 ? 0 : divRoundHalfAway32(d << Z_BITS, rr);
      let acc = <i64>z * <i64>load<i16>(gamma + (<usize>i << 1));
      if (beta != 0) acc += <i64>load<i32>(beta + (<usize>i << 2));
      storeSat(y, yBytes, base + i, requantizeScalar(<i64>(<i32>acc), m, n));
    }
  }
}

/**
 * LayerNorm (subtractMean 1) or RMSNorm (0) of `rows` rows of c values: x int8 (xBytes 1) or int16
 * (2), gamma int16 [c], beta int32 [c] or 0 for none, y of width yBytes, scale {m, n}, eps ≥ 0.
 */
export function norm(x: usize, xBytes: i32, gamma: usize, beta: usize, y: usize, yBytes: i32, rows: i32, c: i32, eps: i32, m: i32, n: i32, subtractMean: i32): void {
  if (xBytes == 1) normRows<i8>(x, 256, gamma, beta, y, yBytes, rows, c, <i64>eps, <i64>m, n, subtractMean != 0);
  else normRows<i16>(x, 1, gamma, beta, y, yBytes, rows, c, <i64>eps, <i64>m, n, subtractMean != 0);
}
