/**
 * int8/int16 × int8 → int32 matmul (engine/NUMERICS.md §5) with 128-bit SIMD.
 *
 * Why it is exact: every lane product is an exact integer (|a·b| ≤ 2^22, widened to int16 lanes
 * by load8x8_s), i32x4.dot_i16x8_s adds adjacent pairs into exact int32 lanes, and every later
 * addition is i32 addition, which wraps mod 2^32. Addition mod 2^32 is associative and
 * commutative, so the lane-wise order gives wrap32 of the exact sum, as §5 defines. No float and
 * no relaxed-SIMD instruction is used.
 *
 * B is read as [N, K] rows (transposed): a [K, N] B is transposed once by the caller (the JS side
 * caches it per tensor, so weights are packed once).
 */

/** Dot product of an int8 row of A (length k) with an int8 row of B. */
@inline
function dotI8(a: usize, b: usize, k: i32): i32 {
  let acc = i32x4.splat(0);
  let q = 0;
  for (; q + 8 <= k; q += 8) {
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load8x8_s(a + q), v128.load8x8_s(b + q)));
  }
  let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; q < k; q++) s += <i32>load<i8>(a + q) * <i32>load<i8>(b + q);
  return s;
}

/** Dot product of an int16 row of A with an int8 row of B. */
@inline
function dotI16(a: usize, b: usize, k: i32): i32 {
  let acc = i32x4.splat(0);
  let q = 0;
  for (; q + 8 <= k; q += 8) {
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(v128.load(a + (<usize>q << 1)), v128.load8x8_s(b + q)));
  }
  let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; q < k; q++) s += <i32>load<i16>(a + (<usize>q << 1)) * <i32>load<i8>(b + q);
  return s;
}

/**
 * C[p, i, j] = wrap32(bias[j] + Σ_q A[p, i, q]·Bt[p', j, q]) for rows i in [row0, row1) of every
 * batch p; `aBytes` is 1 (int8 A) or 2 (int16 A); p' = p when `bBatched`, else 0; `bias` 0 = none.
 * Four columns at a time, so each A vector is loaded once for four B rows.
 */
export function matmul(a: usize, aBytes: i32, bt: usize, bias: usize, c: usize, batch: i32, m: i32, k: i32, n: i32, bBatched: i32, row0: i32, row1: i32): void {
  for (let p = 0; p < batch; p++) {
    const aBase = a + <usize>(p * m * k * aBytes);
    const bBase = bt + (bBatched ? <usize>(p * n * k) : 0);
    const cBase = c + <usize>(p * m * n * 4);
    for (let i = row0; i < row1; i++) {
      const aRow = aBase + <usize>(i * k * aBytes);
      const cRow = cBase + <usize>(i * n * 4);
      let j = 0;
      if (aBytes == 1) {
        for (; j + 4 <= n; j += 4) {
          const b0 = bBase + <usize>(j * k);
          let acc0 = i32x4.splat(0), acc1 = i32x4.splat(0), acc2 = i32x4.splat(0), acc3 = i32x4.splat(0);
          let q = 0;
          for (; q + 8 <= k; q += 8) {
            const av = v128.load8x8_s(aRow + q);
            acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + q)));
            acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + k + q)));
            acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + 2 * k + q)));
            acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + 3 * k + q)));
          }
          store4(cRow + (<usize>j << 2), acc0, acc1, acc2, acc3, aRow, 1, b0, k, q, bias, j);
        }
      } else {
        for (; j + 4 <= n; j += 4) {
          const b0 = bBase + <usize>(j * k);
          let acc0 = i32x4.splat(0), acc1 = i32x4.splat(0), acc2 = i32x4.splat(0), acc3 = i32x4.splat(0);
          let q = 0;
          for (; q + 8 <= k; q += 8) {
            const av = v128.load(aRow + (<usize>q << 1));
            acc0 = i32x4.add(acc0, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + q)));
            acc1 = i32x4.add(acc1, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + k + q)));
            acc2 = i32x4.add(acc2, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + 2 * k + q)));
            acc3 = i32x4.add(acc3, i32x4.dot_i16x8_s(av, v128.load8x8_s(b0 + 3 * k + q)));
          }
          store4(cRow + (<usize>j << 2), acc0, acc1, acc2, acc3, aRow, 2, b0, k, q, bias, j);
        }
      }
      for (; j < n; j++) {
        const bRow = bBase + <usize>(j * k);
        let s = aBytes == 1 ? dotI8(aRow, bRow, k) : dotI16(aRow, bRow, k);
        if (bias) s += load<i32>(bias + (<usize>j << 2));
        store<i32>(cRow + (<usize>j << 2), s);
      }
    }
  }
}

/** Reduce four column accumulators, add the K tail from `q` on and the bias, store 4 int32. */
@inline
function store4(dst: usize, acc0: v128, acc1: v128, acc2: v128, acc3: v128, aRow: usize, aBytes: i32, b0: usize, k: i32, q: i32, bias: usize, j: i32): void {
  // Horizontal sums of four accumulators at once: pairwise lane additions.
  const s01 = i32x4.add(i32x4.shuffle(acc0, acc1, 0, 2, 4, 6), i32x4.shuffle(acc0, acc1, 1, 3, 5, 7));
  const s23 = i32x4.add(i32x4.shuffle(acc2, acc3, 0, 2, 4, 6), i32x4.shuffle(acc2, acc3, 1, 3, 5, 7));
  let sums = i32x4.add(i32x4.shuffle(s01, s23, 0, 2, 4, 6), i32x4.shuffle(s01, s23, 1, 3, 5, 7));
  if (q < k) {
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (let r = q; r < k; r++) {
      const av = aBytes == 1 ? <i32>load<i8>(aRow + r) : <i32>load<i16>(aRow + (<usize>r << 1));
      t0 += av * <i32>load<i8>(b0 + r);
      t1 += av * <i32>load<i8>(b0 + k + r);
      t2 += av * <i32>load<i8>(b0 + 2 * k + r);
      t3 += av * <i32>load<i8>(b0 + 3 * k + r);
    }
    sums = i32x4.add(sums, i32x4(t0, t1, t2, t3));
  }
  if (bias) sums = i32x4.add(sums, v128.load(bias + (<usize>j << 2)));
  v128.store(dst, sums);
}

/** int8 B [K, N] → Bt [N, K] (the layout matmul reads), for `batch` matrices. */
export function transposeB(b: usize, bt: usize, batch: i32, k: i32, n: i32): void {
  for (let p = 0; p < batch; p++) {
    const src = b + <usize>(p * k * n);
    const dst = bt + <usize>(p * k * n);
    for (let q = 0; q < k; q++) for (let j = 0; j < n; j++) store<i8>(dst + <usize>(j * k + q), load<i8>(src + <usize>(q * n + j)));
  }
}
