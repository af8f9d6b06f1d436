/// <reference types="@webgpu/types" />
/**
 * webgpu sample (engine/NUMERICS.md §14.2) for rows longer than the rank path takes: a bucket
 * preselection instead of a sort, so after the row's argmax a 65,536-entry row costs the same 13
 * dispatches as a 5,000-entry one, where a bitonic sort of it took 137.
 *
 * Why buckets are enough. A weight is E(m − x) = expOfU(u) with u = R(m − x, M, n) (§9.3), and it
 * is positive exactly when u < U_LIMIT (k < 16). u never decreases as x falls, so the order
 * (x desc, j asc) lists the candidates of positive weight first, bucket by bucket in ascending u,
 * and every candidate of a bucket weighs the same. Counting the candidates per bucket therefore
 * gives every running sum of §14.2 at a bucket's edge, and inside a bucket the sum grows by one
 * fixed weight per candidate: the top-k sum W, the top-p cut and the drawn bucket and rank inside
 * it are arithmetic on counts. Only the drawn candidate's identity needs the order within its
 * bucket, (d asc, j asc) with d = m − x: four radix passes over d's bytes find the d of that rank,
 * and a count per chunk of the row finds its index among the entries of that d.
 *
 * Passes per call (every row at once): the row's first maximum (wgsl/row_chunks.ts, from
 * sample.ts), zero the counters, count buckets, decide (one invocation per row: W, top-p, the
 * draw), 4 × (count one byte of d, pick it), count the entries of the chosen d per chunk, pick
 * the index. Counters are atomic adds of 1: the same totals in any order. Every loop stays inside
 * llvmpipe's per-invocation budget (§16.3): 3 × U_LIMIT steps in `decide`, 256 per byte, and
 * 16 chunks plus one chunk of ROW_CHUNK in the last pass.
 */
import { EXP_FRAC_BITS, EXP_ZERO_HALVINGS, MASKED } from '../../engine/constants.js';
import type { SampleAttrs } from '../../engine/ops/sample.js';
import { TOP_P_ONE } from '../../engine/ops/sample.js';
import { expTable, type WebGpuBackend } from './backend.js';
import { shader } from './wgsl/common.js';
import { EXP_NEG_WGSL, i32Lit, MUL_SHIFT_ROUND_WGSL } from './wgsl/fixed_point.js';
import { PHILOX_WGSL } from './wgsl/philox.js';
import { ROW_CHUNK } from './wgsl/row_chunks.js';

/** u below this has a positive weight: k = u >> 8 < 16 (§9.3). */
const U_LIMIT = EXP_ZERO_HALVINGS << EXP_FRAC_BITS;
/** d is found one byte at a time, most significant first. */
const DIGITS = 4;
const RADIX = 256;
/** Per row: U_LIMIT bucket counts, then RADIX counts for each byte of d. */
const COUNTS_PER_ROW = U_LIMIT + DIGITS * RADIX;
/** Per row: done (1 once y is written), drawn bucket, rank still to skip, d's bytes chosen so far. */
const STATE_WORDS = 4;

/**
 * Entry j's bucket u, or U_LIMIT when it weighs 0 (masked, in a fully masked row, or beyond the
 * exp cutoff); `d` is m − x_j. P: n, V, M, shift, …
 */
const BUCKET_OF_WGSL = `
struct Entry { u: u32, d: u32 }
fn entryOf(row: u32, j: u32) -> Entry {
  let v = P[1];
  let top = x[row * v + u32(best[row])];
  let xv = x[row * v + j];
  if (top == ${i32Lit(MASKED)} || xv == ${i32Lit(MASKED)}) {
    return Entry(${U_LIMIT}u, 0u);
  }
  let d = bitcast<u32>(top - xv);
  return Entry(min(mulShiftRound(d, P[2], P[3]), ${U_LIMIT}u), d);
}
`;

const ENTRY_WGSL = MUL_SHIFT_ROUND_WGSL + BUCKET_OF_WGSL;
/** The buffers `entryOf` reads, first in every shader that uses it. */
const ENTRY_BUFFERS = [{ name: 'x' }, { name: 'best' }] as const;

/** The fill for the counters. P: n, value */
const FILL_SRC = shader([{ name: 'a', type: 'u32', write: true }], '  a[i] = P[1];');

/** counts[row][u] += 1 for every entry of positive weight. Invocation i = row·V + j. P: n, V, M, shift */
const COUNT_BUCKETS_SRC = shader(
  [...ENTRY_BUFFERS, { name: 'counts', type: 'atomic<u32>', write: true }],
  `  let row = i / P[1];
  let e = entryOf(row, i % P[1]);
  if (e.u < ${U_LIMIT}u) {
    atomicAdd(&counts[row * ${COUNTS_PER_ROW}u + e.u], 1u);
  }`,
  ENTRY_WGSL,
);

/**
 * One invocation per row: W over the first `kept` candidates, the top-p cut, and the draw, from
 * the bucket counts alone. Writes y when no draw is needed (W = 0), else the drawn bucket and the
 * rank inside it. P: n, V, M, shift, kept, topP, seedLo, seedHi, stepLo, stepHi
 */
const DECIDE_SRC = shader(
  [{ name: 'best' }, { name: 'expTable', type: 'u32' }, { name: 'counts', type: 'u32' }, { name: 'state', type: 'u32', write: true }, { name: 'y', write: true }],
  `  let row = i;
  let base = row * ${COUNTS_PER_ROW}u;
  var kept = P[4];
  var weight = 0u;
  var pos = 0u;
  for (var u = 0u; u < ${U_LIMIT}u && pos < kept; u = u + 1u) {
    let c = min(counts[base + u], kept - pos);
    weight = weight + c * expOfU(u);
    pos = pos + c;
  }
  if (P[5] < ${TOP_P_ONE}u && weight > 0u) {
    // The smallest prefix with cum·2^16 >= topP·W, i.e. cum >= need = ceil(topP·W / 2^16).
    let goal = umul32(P[5], weight);
    let need = ((goal.x << 16u) | (goal.y >> 16u)) + select(0u, 1u, (goal.y & 0xffffu) != 0u);
    var before = 0u;
    pos = 0u;
    for (var u = 0u; u < ${U_LIMIT}u && pos < kept; u = u + 1u) {
      let c = min(counts[base + u], kept - pos);
      let e = expOfU(u);
      if (before + c * e >= need) {
        let t = (need - before + e - 1u) / e;
        kept = pos + t;
        weight = before + t * e;
        break;
      }
      before = before + c * e;
      pos = pos + c;
    }
  }
  if (weight == 0u) {
    // A fully masked row: the first candidate, the row's first entry (from argmax).
    y[row] = best[row];
    state[row * ${STATE_WORDS}u] = 1u;
    return;
  }
  let rand = philoxFirst(P[8], P[9], row, 0u, P[6], P[7]);
  let drawn = umul32(rand, weight).x;
  var before = 0u;
  pos = 0u;
  for (var u = 0u; u < ${U_LIMIT}u; u = u + 1u) {
    let c = min(counts[base + u], kept - pos);
    let e = expOfU(u);
    if (before + c * e > drawn) {
      state[row * ${STATE_WORDS}u] = 0u;
      state[row * ${STATE_WORDS}u + 1u] = u;
      state[row * ${STATE_WORDS}u + 2u] = (drawn - before) / e;
      state[row * ${STATE_WORDS}u + 3u] = 0u;
      return;
    }
    before = before + c * e;
    pos = pos + c;
  }`,
  EXP_NEG_WGSL + PHILOX_WGSL,
);

/**
 * Byte `digit` of d (0 = most significant) over the drawn bucket's entries whose higher bytes are
 * those chosen so far. Invocation i = row·V + j. P: n, V, M, shift, digit
 */
const COUNT_DIGIT_SRC = shader(
  [...ENTRY_BUFFERS, { name: 'state', type: 'u32' }, { name: 'counts', type: 'atomic<u32>', write: true }],
  `  let row = i / P[1];
  let s = row * ${STATE_WORDS}u;
  if (state[s] != 0u) {
    return;
  }
  let e = entryOf(row, i % P[1]);
  let digit = P[4];
  if (e.u != state[s + 1u] || (digit > 0u && (e.d >> (32u - 8u * digit)) != state[s + 3u])) {
    return;
  }
  let b = (e.d >> (24u - 8u * digit)) & 255u;
  atomicAdd(&counts[row * ${COUNTS_PER_ROW}u + ${U_LIMIT}u + digit * ${RADIX}u + b], 1u);`,
  ENTRY_WGSL,
);

/** One invocation per row: the byte holding the rank, and the rank left inside it. P: n, digit */
const PICK_DIGIT_SRC = shader(
  [{ name: 'counts', type: 'u32' }, { name: 'state', type: 'u32', write: true }],
  `  let s = i * ${STATE_WORDS}u;
  if (state[s] != 0u) {
    return;
  }
  let base = i * ${COUNTS_PER_ROW}u + ${U_LIMIT}u + P[1] * ${RADIX}u;
  var t = state[s + 2u];
  for (var b = 0u; b < ${RADIX}u; b = b + 1u) {
    let c = counts[base + b];
    if (t < c) {
      state[s + 2u] = t;
      state[s + 3u] = (state[s + 3u] << 8u) | b;
      return;
    }
    t = t - c;
  }`,
);

/** How many entries of chunk c have the chosen d (their bucket is then the drawn one). Invocation i = row·chunks + c. P: n, V, M, shift, chunks */
const COUNT_CHUNK_SRC = shader(
  [...ENTRY_BUFFERS, { name: 'state', type: 'u32' }, { name: 'chunkCounts', type: 'u32', write: true }],
  `  let chunks = P[4];
  let row = i / chunks;
  let s = row * ${STATE_WORDS}u;
  var c = 0u;
  if (state[s] == 0u) {
    let j0 = (i % chunks) * ${ROW_CHUNK}u;
    let j1 = min(j0 + ${ROW_CHUNK}u, P[1]);
    for (var j = j0; j < j1; j = j + 1u) {
      let e = entryOf(row, j);
      if (e.u == state[s + 1u] && e.d == state[s + 3u]) {
        c = c + 1u;
      }
    }
  }
  chunkCounts[i] = c;`,
  ENTRY_WGSL,
);

/** One invocation per row: the index of the remaining rank among the entries of the chosen d. P: n, V, M, shift, chunks */
const PICK_INDEX_SRC = shader(
  [...ENTRY_BUFFERS, { name: 'state', type: 'u32' }, { name: 'chunkCounts', type: 'u32' }, { name: 'y', write: true }],
  `  let row = i;
  let s = row * ${STATE_WORDS}u;
  if (state[s] != 0u) {
    return;
  }
  let chunks = P[4];
  var t = state[s + 2u];
  var ch = 0u;
  loop {
    let c = chunkCounts[row * chunks + ch];
    if (t < c || ch + 1u >= chunks) {
      break;
    }
    t = t - c;
    ch = ch + 1u;
  }
  let j1 = min(ch * ${ROW_CHUNK}u + ${ROW_CHUNK}u, P[1]);
  for (var j = ch * ${ROW_CHUNK}u; j < j1; j = j + 1u) {
    let e = entryOf(row, j);
    if (e.u == state[s + 1u] && e.d == state[s + 3u]) {
      if (t == 0u) {
        y[row] = i32(j);
        return;
      }
      t = t - 1u;
    }
  }`,
  ENTRY_WGSL,
);

/**
 * Writes into `y` the sampled index of each of `rows` rows of `v` entries of `x`, given each
 * row's first maximum `best`; `kept` is min(topK, V), or V without top-k.
 */
export function sampleByBuckets(
  g: WebGpuBackend,
  bufs: { x: GPUBuffer; best: GPUBuffer; y: GPUBuffer },
  rows: number,
  v: number,
  kept: number,
  attrs: SampleAttrs,
): void {
  const { x, best, y } = bufs;
  const scale = [attrs.multiplier, attrs.shift];
  const counts = g.createBuffer(rows * COUNTS_PER_ROW);
  const state = g.createBuffer(rows * STATE_WORDS);
  g.run(FILL_SRC, [counts], [0], rows * COUNTS_PER_ROW);
  g.run(COUNT_BUCKETS_SRC, [x, best, counts], [v, ...scale], rows * v);
  const drawParams = [v, ...scale, kept, attrs.topP, attrs.seedLo, attrs.seedHi, attrs.stepLo, attrs.stepHi];
  g.run(DECIDE_SRC, [best, expTable(g), counts, state, y], drawParams, rows);
  for (let digit = 0; digit < DIGITS; digit++) {
    g.run(COUNT_DIGIT_SRC, [x, best, state, counts], [v, ...scale, digit], rows * v);
    g.run(PICK_DIGIT_SRC, [counts, state], [digit], rows);
  }
  const chunks = Math.ceil(v / ROW_CHUNK);
  const chunkCounts = g.createBuffer(rows * chunks);
  g.run(COUNT_CHUNK_SRC, [x, best, state, chunkCounts], [v, ...scale, chunks], rows * chunks);
  g.run(PICK_INDEX_SRC, [x, best, state, chunkCounts, y], [v, ...scale, chunks], rows);
  g.release(counts);
  g.release(state);
  g.release(chunkCounts);
}
