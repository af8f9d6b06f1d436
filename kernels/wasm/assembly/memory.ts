/**
 * Reading and writing tensor elements by dtype width (1 = int8, 2 = int16, 4 = int32) and the
 * saturation of NUMERICS.md §1.1: the shared helpers of every kernel here.
 */

@inline
export function loadAt(ptr: usize, bytes: i32, i: i32): i64 {
  if (bytes == 1) return <i64>load<i8>(ptr + <usize>i);
  if (bytes == 2) return <i64>load<i16>(ptr + (<usize>i << 1));
  return <i64>load<i32>(ptr + (<usize>i << 2));
}

/** Store v saturated to the dtype of width `bytes`. */
@inline
export function storeSat(ptr: usize, bytes: i32, i: i32, v: i64): void {
  if (bytes == 1) store<i8>(ptr + <usize>i, <i8>(v > 127 ? 127 : v < -128 ? -128 : v));
  else if (bytes == 2) store<i16>(ptr + (<usize>i << 1), <i16>(v > 32767 ? 32767 : v < -32768 ? -32768 : v));
  else store<i32>(ptr + (<usize>i << 2), <i32>(v > 2147483647 ? 2147483647 : v < -2147483648 ? -2147483648 : v));
}
