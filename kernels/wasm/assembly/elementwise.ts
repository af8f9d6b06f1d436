/**
 * requantize (§4), add, mul, relu, cast, isqrt (§6) and lut (§7). Exact: every intermediate is an
 * i64 (sums of two int32 < 2^33, products of two int32 < 2^62, §3.2's numerator < 2^64 unsigned),
 * then saturated to the output dtype (memory.ts).
 */
import { loadAt, storeSat } from './memory';
import { isqrt64, requantizeScalar } from './fixed_point';

/** y[i] = sat(⌊x[i]·M_c/2^n_c⌉), c = i mod channels; multipliers and shifts are i32 arrays. */
export function requantize(x: usize, xBytes: i32, y: usize, yBytes: i32, size: i32, mults: usize, shifts: usize, channels: i32): void {
  if (channels == 1) {
    const m = <i64>load<i32>(mults);
    const n = load<i32>(shifts);
    for (let i = 0; i < size; i++) storeSat(y, yBytes, i, requantizeScalar(loadAt(x, xBytes, i), m, n));
    return;
  }
  let c = 0;
  for (let i = 0; i < size; i++) {
    storeSat(y, yBytes, i, requantizeScalar(loadAt(x, xBytes, i), <i64>load<i32>(mults + (<usize>c << 2)), load<i32>(shifts + (<usize>c << 2))));
    if (++c == channels) c = 0;
  }
}

/** op 0: add, 1: mul; b broadcasts with period bSize. Both inputs have width `xBytes`. */
export function binary(op: i32, a: usize, b: usize, xBytes: i32, y: usize, yBytes: i32, size: i32, bSize: i32): void {
  let j = 0;
  for (let i = 0; i < size; i++) {
    const u = loadAt(a, xBytes, i);
    const v = loadAt(b, xBytes, j);
    storeSat(y, yBytes, i, op == 0 ? u + v : u * v);
    if (++j == bSize) j = 0;
  }
}

/** op 0: relu, 1: cast (saturating), 2: isqrt (int32 out). */
export function unary(op: i32, x: usize, xBytes: i32, y: usize, yBytes: i32, size: i32): void {
  for (let i = 0; i < size; i++) {
    const v = loadAt(x, xBytes, i);
    storeSat(y, yBytes, i, op == 0 ? (v > 0 ? v : 0) : op == 1 ? v : isqrt64(v));
  }
}

/** y[i] = table[x[i] + 128], x int8, table of 256 entries of width `yBytes`. */
export function lut(x: usize, table: usize, y: usize, yBytes: i32, size: i32): void {
  for (let i = 0; i < size; i++) storeSat(y, yBytes, i, loadAt(table, yBytes, <i32>load<i8>(x + <usize>i) + 128));
}
