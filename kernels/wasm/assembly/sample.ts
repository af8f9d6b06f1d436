/**
 * argmax (engine/NUMERICS.md §13) and deterministic sampling (§14: Philox4x32-10 and sample),
 * transliterating the cpu reference (kernels/cpu/sample.ts, philox.ts).
 *
 * Exact: integer instructions only, no float anywhere. argmax is comparisons. Philox's 32×32-bit
 * products are u64 products (exact, < 2^64), split into hi and lo words as §3.1's umul32. Sampling
 * needs, per row: the weights e_j = E(m − x_j) as softmax computes them (§9.3: R(d, M, n) in u64,
 * d·M < 2^63; a table lookup; a shift), W ≤ 2^31, topP·W and cum·2^16 ≤ 2^47, u = hi32(rand·W)
 * with rand·W < 2^63: all i64/u64, so every step is the exact formula.
 *
 * The order (x desc, j asc) is a total order, so any correct ordering procedure gives the
 * reference's. Each candidate is one u64 key, ((2^31 − 1 − x_j) << 32) | (e_j << 16) | j, whose
 * ascending order is that order: e_j is a function of x_j, so it never breaks a tie that x_j does
 * not, and j < 2^16, e_j ≤ 2^15 fit 16 bits each. Candidates with e_j = 0 are left out: they sort
 * after every e_j > 0 (E is non-increasing in d, masked entries have the least x), add nothing to
 * W or to a running sum, and so can neither end the top-p prefix nor be drawn while W > 0; W = 0
 * happens only for a fully masked row (the maximum has e = E(0) = 2^15), whose first candidate is
 * j = 0. The keys are ordered lazily by a binary min-heap (heapify, then one pop per candidate a
 * step reads), so a row whose draw lands early costs O(V), not O(V log V).
 */
import { expQ15 } from './softmax';

const MASKED: i32 = -2147483648;
/** TOP_P_ONE: topP in Q16, 65536 = off. */
const TOP_P_ONE: i64 = 65536;
const PHILOX_M0: u64 = 0xd2511f53;
const PHILOX_M1: u64 = 0xcd9e8d57;
const PHILOX_W0: u32 = 0x9e3779b9;
const PHILOX_W1: u32 = 0xbb67ae85;
const PHILOX_ROUNDS: i32 = 10;

/** Index of the first maximum of each of `rows` rows of len values of type T. */
@inline
function argmaxRows<T>(x: usize, y: usize, rows: i32, len: i32): void {
  const stride = <usize>sizeof<T>();
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>len * stride;
    let best = 0;
    let max = load<T>(xr);
    for (let j = 1; j < len; j++) {
      const v = load<T>(xr + <usize>j * stride);
      if (v > max) {
        max = v;
        best = j;
      }
    }
    store<i32>(y + (<usize>r << 2), best);
  }
}

/** argmax (§13) along rows of len ≥ 1 values of width xBytes; y int32 [rows]. */
export function argmax(x: usize, xBytes: i32, y: usize, rows: i32, len: i32): void {
  if (xBytes == 1) argmaxRows<i8>(x, y, rows, len);
  else if (xBytes == 2) argmaxRows<i16>(x, y, rows, len);
  else argmaxRows<i32>(x, y, rows, len);
}

/** Word 0 of Philox4x32-10 of counter (c0, c1, c2, 0) under key (k0, k1) (§14.1). */
export function philoxWord0(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): u32 {
  let x0 = c0, x1 = c1, x2 = c2, x3 = c3;
  let key0 = k0, key1 = k1;
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    if (round > 0) {
      key0 += PHILOX_W0;
      key1 += PHILOX_W1;
    }
    const p0 = PHILOX_M0 * <u64>x0;
    const p1 = PHILOX_M1 * <u64>x2;
    const n0 = <u32>(p1 >> 32) ^ x1 ^ key0;
    const n2 = <u32>(p0 >> 32) ^ x3 ^ key1;
    x1 = <u32>p1;
    x3 = <u32>p0;
    x0 = n0;
    x2 = n2;
  }
  return x0;
}

@inline
function siftDown(keys: usize, size: i32, at: i32): void {
  let i = at;
  const key = load<u64>(keys + (<usize>i << 3));
  while (true) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let ck = load<u64>(keys + (<usize>c << 3));
    if (c + 1 < size) {
      const rk = load<u64>(keys + (<usize>(c + 1) << 3));
      if (rk < ck) {
        c++;
        ck = rk;
      }
    }
    if (key <= ck) break;
    store<u64>(keys + (<usize>i << 3), ck);
    i = c;
  }
  store<u64>(keys + (<usize>i << 3), key);
}

/** Keys still in the heap, at the front of the scratch array; the popped ones follow, last first. */
let heapSize: i32 = 0;

/**
 * The key of candidate i in order (0-based), popping the heap as far as needed: popped keys are
 * stored from the end of the array down, so candidate i sits at keys[count − 1 − i].
 */
@inline
function candidate(keys: usize, count: i32, i: i32): u64 {
  while (count - heapSize <= i) {
    const last = heapSize - 1;
    const top = load<u64>(keys);
    store<u64>(keys, load<u64>(keys + (<usize>last << 3)));
    heapSize = last;
    siftDown(keys, last, 0);
    store<u64>(keys + (<usize>last << 3), top);
  }
  return load<u64>(keys + (<usize>(count - 1 - i) << 3));
}

@inline
function weightOf(key: u64): i64 {
  return <i64>((key >> 16) & 0xffff);
}

/**
 * sample (§14.2) of `rows` rows of v int32 logits (1 ≤ v ≤ 2^16) into y int32 [rows]; {m, n} the
 * exp scale; seed and step as 32-bit halves; topK in [0, 2^16], topP in [1, 2^16]; table the
 * 256 i32 of EXP2_NEG_Q15; scratch v u64 of working space.
 */
export function sample(x: usize, y: usize, rows: i32, v: i32, m: i32, n: i32, seedLo: u32, seedHi: u32, stepLo: u32, stepHi: u32, topK: i32, topP: i32, table: usize, scratch: usize): void {
  const mm = <u64>m;
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>v << 2);
    let max = MASKED;
    for (let j = 0; j < v; j++) {
      const s = load<i32>(xr + (<usize>j << 2));
      if (s > max) max = s;
    }
    if (max == MASKED) {
      // every e_j = 0, W = 0: the first candidate, and all x tie, so j = 0
      store<i32>(y + (<usize>r << 2), 0);
      continue;
    }
    const top = <i64>max;
    let count = 0;
    let total: i64 = 0;
    for (let j = 0; j < v; j++) {
      const s = load<i32>(xr + (<usize>j << 2));
      if (s == MASKED) continue;
      const e = <u32>expQ15(<u64>(top - <i64>s), mm, n, table);
      if (e == 0) continue;
      total += <i64>e;
      const key = (<u64>(<i64>2147483647 - <i64>s) << 32) | (<u64>e << 16) | <u64>j;
      store<u64>(scratch + (<usize>count << 3), key);
      count++;
    }
    for (let i = (count >> 1) - 1; i >= 0; i--) siftDown(scratch, count, i);
    heapSize = count;
    let kept = topK == 0 || topK > count ? count : topK;
    let weight: i64 = 0;
    if (kept == count) weight = total;
    else for (let i = 0; i < kept; i++) weight += weightOf(candidate(scratch, count, i));
    if (<i64>topP < TOP_P_ONE) {
      const target = <i64>topP * weight;
      let cum: i64 = 0;
      for (let i = 0; i < kept; i++) {
        cum += weightOf(candidate(scratch, count, i));
        if (cum * TOP_P_ONE >= target) {
          kept = i + 1;
          weight = cum;
          break;
        }
      }
    }
    // weight ≥ 2^15 here: the maximum is a kept candidate with e = 2^15
    const rand = philoxWord0(stepLo, stepHi, <u32>r, 0, seedLo, seedHi);
    const u = <i64>((<u64>rand * <u64>weight) >> 32); // < W
    let cum: i64 = 0;
    let pick: i32 = 0;
    for (let i = 0; i < kept; i++) {
      const key = candidate(scratch, count, i);
      cum += weightOf(key);
      if (cum > u) {
        pick = <i32>(key & 0xffff);
        break;
      }
    }
    store<i32>(y + (<usize>r << 2), pick);
  }
}
