/// <reference types="@webgpu/types" />
/**
 * webgpu argmax (engine/NUMERICS.md §13) and sampling (§14: top-k / top-p sampling with
 * Philox4x32-10), transliterated from kernels/cpu/sample.ts and kernels/cpu/philox.ts.
 *
 * argmax: the first maximum per chunk of ROW_CHUNK entries (wgsl/row_chunks.ts), then the first
 * maximum over the chunks' candidates.
 *
 * sample: the row's first maximum comes from argmax; it is the first candidate of the order
 * (x desc, j asc) and its value is the m of the weights E(m − x). The sorted positions of the
 * candidates come from one of two paths:
 * - rows of at most RANK_MAX_V entries (every shipped model's vocabulary): only the candidates of
 *   positive weight are placed, each at its rank, the number of entries before it in the order,
 *   counted in chunks of ROW_CHUNK and summed; every other position holds the sentinel V and
 *   weighs 0. That is four dispatches where a bitonic sort of 512 entries takes 45. It is exact:
 *   an entry of weight 0 is never drawn and adds nothing to any running sum, so where it sits in
 *   the order changes no result (§14.2: steps 3 to 8 read the order only through the weights and
 *   the first candidate).
 * - longer rows (llama vocabularies, up to 65,536): no order is built at all; sample_buckets.ts
 *   counts candidates per weight bucket and finds the drawn one by the bytes of m − x, 13
 *   dispatches after argmax whatever the row length.
 * On the rank path, weights are then summed per chunk of ROW_CHUNK sorted positions, and one
 * invocation per row walks the chunk sums and inside one chunk to find the top-p cut and the drawn
 * candidate, staying inside llvmpipe's per-invocation loop budget.
 */
import { MASKED } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { SampleAttrs } from '../../engine/ops/sample.js';
import { TOP_P_ONE } from '../../engine/ops/sample.js';
import { asWebGpu, expTable, gpuBuffer } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';
import { EXP_NEG_WGSL, i32Lit } from './wgsl/fixed_point.js';
import { sampleByBuckets } from './sample_buckets.js';
import { PHILOX_WGSL } from './wgsl/philox.js';
import { CHUNK_HEAD, ROW_CHUNK } from './wgsl/row_chunks.js';

const MASKED_WGSL = i32Lit(MASKED);

const gpu = asWebGpu;

/** Index (within the row) of the chunk's first maximum. */
const ARGMAX_CHUNK_SRC = shader(
  [X, Y],
  `${CHUNK_HEAD}
  var best = j0;
  for (var j = j0 + 1u; j < j1; j = j + 1u) {
    if (x[rowStart + j] > x[rowStart + best]) {
      best = j;
    }
  }
  y[i] = i32(best);`,
);

/** The first maximum over the chunks' candidates, in chunk order. P: n, len, chunks */
const ARGMAX_REDUCE_SRC = shader(
  [X, { name: 'part' }, Y],
  `  let len = P[1];
  let chunks = P[2];
  let rowStart = i * len;
  var best = u32(part[i * chunks]);
  for (var ch = 1u; ch < chunks; ch = ch + 1u) {
    let c = u32(part[i * chunks + ch]);
    if (x[rowStart + c] > x[rowStart + best]) {
      best = c;
    }
  }
  y[i] = i32(best);`,
);

/** Each of `rows` rows' first maximum, as an index into its row of `len` entries. */
function rowArgmax(g: ReturnType<typeof gpu>, x: GPUBuffer, rows: number, len: number): GPUBuffer {
  const chunks = Math.max(1, Math.ceil(len / ROW_CHUNK));
  const y = g.createBuffer(rows);
  if (chunks === 1) {
    g.run(ARGMAX_CHUNK_SRC, [x, y], [len, 1, ROW_CHUNK], rows);
    return y;
  }
  const part = g.createBuffer(rows * chunks);
  g.run(ARGMAX_CHUNK_SRC, [x, part], [len, chunks, ROW_CHUNK], rows * chunks);
  g.run(ARGMAX_REDUCE_SRC, [x, part, y], [len, chunks], rows);
  g.release(part);
  return y;
}

export const argmaxKernel: KernelFunc = ({ backend, inputs, out }) =>
  rowArgmax(gpu(backend), gpuBuffer(inputs[0]!), out.size, inputs[0]!.size / Math.max(out.size, 1));

/** E(m − x_j) of entry j of a row (0 when masked), m = x at the row's first maximum `best`. P: n, V, stride, kept, m, shift */
const WEIGHT_OF_WGSL = `
fn weightOf(row: u32, j: u32) -> u32 {
  let v = P[1];
  let top = x[row * v + u32(best[row])];
  let xv = x[row * v + j];
  if (top == ${MASKED_WGSL} || xv == ${MASKED_WGSL}) {
    return 0u;
  }
  return expNegQ15(bitcast<u32>(top - xv), P[4], P[5]);
}
`;

/** The weight at sorted position p; a position holding the sentinel V, or padding, weighs 0. */
const WEIGHT_WGSL = `${WEIGHT_OF_WGSL}
fn weightAt(row: u32, p: u32) -> u32 {
  let j = idx[row * P[2] + p];
  if (j >= P[1]) {
    return 0u;
  }
  return weightOf(row, j);
}
`;

/** idx[i] = V, the sentinel of a position no candidate takes. P: n, V */
const SENTINEL_SRC = shader([{ name: 'idx', type: 'u32', write: true }], '  idx[i] = P[1];');

/**
 * Rank path, part 1: for entry j of positive weight, how many entries of chunk c of its row come
 * before it in the order (x desc, j asc). Invocation i = (row·V + j)·chunks + c.
 * P: n, V, stride (= V), chunks, m, shift
 */
const RANK_PART_SRC = shader(
  [{ name: 'x' }, { name: 'best' }, { name: 'expTable', type: 'u32' }, { name: 'part', type: 'u32', write: true }],
  `  let v = P[1];
  let chunks = P[3];
  let entry = i / chunks;
  let row = entry / v;
  let j = entry % v;
  let c = i % chunks;
  var before = 0u;
  if (weightOf(row, j) > 0u) {
    let xj = x[row * v + j];
    let k1 = min(c * ${ROW_CHUNK}u + ${ROW_CHUNK}u, v);
    for (var k = c * ${ROW_CHUNK}u; k < k1; k = k + 1u) {
      let xk = x[row * v + k];
      if (xk > xj || (xk == xj && k < j)) {
        before = before + 1u;
      }
    }
  }
  part[i] = before;`,
  EXP_NEG_WGSL + WEIGHT_OF_WGSL,
);

/** Rank path, part 2: entry j of positive weight goes to its rank. Invocation i = row·V + j. P: n, V, stride (= V), chunks, m, shift */
const RANK_PLACE_SRC = shader(
  [{ name: 'x' }, { name: 'best' }, { name: 'expTable', type: 'u32' }, { name: 'part', type: 'u32' }, { name: 'idx', type: 'u32', write: true }],
  `  let v = P[1];
  let chunks = P[3];
  let row = i / v;
  let j = i % v;
  if (weightOf(row, j) == 0u) {
    return;
  }
  var rank = 0u;
  for (var c = 0u; c < chunks; c = c + 1u) {
    rank = rank + part[i * chunks + c];
  }
  idx[row * v + rank] = j;`,
  EXP_NEG_WGSL + WEIGHT_OF_WGSL,
);

/** Σ of the weights of sorted positions [ch·C, min((ch+1)·C, kept)). P: n, V, P2, kept, m, shift, chunks */
const CHUNK_SUM_SRC = shader(
  [{ name: 'x' }, { name: 'best' }, { name: 'idx', type: 'u32' }, { name: 'expTable', type: 'u32' }, { name: 'sums', type: 'u32', write: true }],
  `  let chunks = P[6];
  let row = i / chunks;
  let p0 = (i % chunks) * ${ROW_CHUNK}u;
  let p1 = min(p0 + ${ROW_CHUNK}u, P[3]);
  var s = 0u;
  for (var p = p0; p < p1; p = p + 1u) {
    s = s + weightAt(row, p);
  }
  sums[i] = s;`,
  EXP_NEG_WGSL + WEIGHT_WGSL,
);

const GE64_WGSL = `
// (hi, lo) >= (hi2, lo2)
fn ge64(a: vec2<u32>, b: vec2<u32>) -> bool {
  return a.x > b.x || (a.x == b.x && a.y >= b.y);
}
`;

/**
 * One invocation per row. P: n (rows), V, P2, kept, m, shift, chunks, topP, seedLo, seedHi, stepLo, stepHi
 */
const PICK_SRC = shader(
  [
    { name: 'x' },
    { name: 'best' },
    { name: 'idx', type: 'u32' },
    { name: 'expTable', type: 'u32' },
    { name: 'sums', type: 'u32' },
    { name: 'y', write: true },
  ],
  `  let row = i;
  let chunks = P[6];
  var kept = P[3];
  var weight = 0u;
  for (var ch = 0u; ch < chunks; ch = ch + 1u) {
    weight = weight + sums[row * chunks + ch];
  }
  if (P[7] < ${TOP_P_ONE}u) {
    // The smallest prefix with cum·2^16 >= topP·W (both < 2^48, as (hi, lo) words).
    let goal = umul32(P[7], weight);
    var before = 0u;
    var ch = 0u;
    loop {
      let end = before + sums[row * chunks + ch];
      if (ch + 1u >= chunks || ge64(vec2<u32>(end >> 16u, end << 16u), goal)) {
        break;
      }
      before = end;
      ch = ch + 1u;
    }
    var cum = before;
    let p1 = min(ch * ${ROW_CHUNK}u + ${ROW_CHUNK}u, kept);
    for (var p = ch * ${ROW_CHUNK}u; p < p1; p = p + 1u) {
      cum = cum + weightAt(row, p);
      if (ge64(vec2<u32>(cum >> 16u, cum << 16u), goal)) {
        kept = p + 1u;
        weight = cum;
        break;
      }
    }
  }
  // The first candidate of the order: the row's first maximum (the whole row when it is all masked).
  let first = u32(best[row]);
  if (weight == 0u) {
    y[row] = i32(first);
    return;
  }
  let rand = philoxFirst(P[10], P[11], row, 0u, P[8], P[9]);
  let u = umul32(rand, weight).x;
  // The first sorted position whose running sum exceeds u.
  var before = 0u;
  var ch = 0u;
  loop {
    let end = before + sums[row * chunks + ch];
    if (ch + 1u >= chunks || end > u) {
      break;
    }
    before = end;
    ch = ch + 1u;
  }
  var cum = before;
  var pick = first;
  let p1 = min(ch * ${ROW_CHUNK}u + ${ROW_CHUNK}u, kept);
  for (var p = ch * ${ROW_CHUNK}u; p < p1; p = p + 1u) {
    cum = cum + weightAt(row, p);
    if (cum > u) {
      pick = idx[row * P[2] + p];
      break;
    }
  }
  y[row] = i32(pick);`,
  EXP_NEG_WGSL + WEIGHT_WGSL + PHILOX_WGSL + GE64_WGSL,
);

/** Rows up to this long take the rank path (their worst case, every weight positive, is V² comparisons). */
export const RANK_MAX_V = 4096;

/** The sorted positions by rank: candidates of positive weight at their rank, the sentinel V elsewhere. */
function placeByRank(g: ReturnType<typeof gpu>, x: GPUBuffer, best: GPUBuffer, rows: number, v: number, m: number, shift: number): GPUBuffer {
  const chunks = Math.max(1, Math.ceil(v / ROW_CHUNK));
  const idx = g.createBuffer(rows * v);
  g.run(SENTINEL_SRC, [idx], [v], rows * v);
  const part = g.createBuffer(rows * v * chunks);
  const table = expTable(g);
  g.run(RANK_PART_SRC, [x, best, table, part], [v, v, chunks, m, shift], rows * v * chunks);
  g.run(RANK_PLACE_SRC, [x, best, table, part, idx], [v, v, chunks, m, shift], rows * v);
  g.release(part);
  return idx;
}

export const sampleKernel: KernelFunc<SampleAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const rows = out.size;
  const y = g.createBuffer(rows);
  if (rows === 0) return y;
  const v = inputs[0]!.size / rows;
  const x = gpuBuffer(inputs[0]!);
  const best = rowArgmax(g, x, rows, v);
  const kept = attrs.topK === 0 ? v : Math.min(attrs.topK, v);
  if (v > RANK_MAX_V) {
    sampleByBuckets(g, { x, best, y }, rows, v, kept, attrs);
    g.release(best);
    return y;
  }
  const stride = v;
  const idx = placeByRank(g, x, best, rows, v, attrs.multiplier, attrs.shift);
  const chunks = Math.max(1, Math.ceil(kept / ROW_CHUNK));
  const table = expTable(g);
  const sums = g.createBuffer(rows * chunks);
  const params = [v, stride, kept, attrs.multiplier, attrs.shift, chunks];
  g.run(CHUNK_SUM_SRC, [x, best, idx, table, sums], params, rows * chunks);
  const pickParams = [...params, attrs.topP, attrs.seedLo, attrs.seedHi, attrs.stepLo, attrs.stepHi];
  g.run(PICK_SRC, [x, best, idx, table, sums, y], pickParams, rows);
  g.release(best);
  g.release(idx);
  g.release(sums);
  return y;
};
