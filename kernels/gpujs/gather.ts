/**
 * gpu.js embedding gather (engine/NUMERICS.md §11, §16.2 "gather") and rotary position
 * embeddings (§12, §16.2 "rope").
 *
 * gather: y[t, c] = table[ids[t], c], an exact copy. The ids (host integers below V) travel as a
 * float plane. A table whose packed plane reaches 2^23 floats (GPT-2's 50257·768 embedding) is
 * cut into blocks of whole rows so that every flat index stays exact (§16.1 G6): one run per
 * block fills the rows whose ids fall in it and copies the rest from the previous run's output.
 * Table planes are kept with the table (uploaded once), since tensors are immutable and an
 * embedding is gathered from at every step.
 *
 * rope: one thread per output element, with the int16 product split into bytes so that every
 * float32 intermediate stays an exact integer within ±2^24 (§16.1 G2). The output coordinate is
 * v = x0·a + x1·b with (a, b) = (cos, −sin) for y[2i] and (sin, cos) for y[2i+1], rounded as
 * ⌊v / 2^14⌉ (requantize with M = 1, n = 14) and saturated to x's dtype.
 */
import { BackendError } from '../../engine/errors.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { GatherAttrs, RopeAttrs } from '../../engine/ops/gather.js';
import type { Tensor } from '../../engine/tensor.js';
import { gpujs, type KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import { packedPlane, valuePlane } from './planes.js';
import type { Plane } from './storage.js';

/** floorDiv needs its dividend below 2^23; so does every index of one block. */
const INDEX_LIMIT = 2 ** 23;

// Thread t ≥ size copies a lo limb (int32): lo limbs follow the hi limbs in both planes.
// Bound: indices < 2^23.
const GATHER: KernelSource = {
  name: 'gather',
  source: `function (table, ids, prev, width, size, firstRow, blockRows) {
  const t = this.thread.x;
  let e = t;
  let half = 0;
  if (t >= size) {
    e = t - size;
    half = blockRows * width;
  }
  const row = floorDiv(e, width);
  const id = ids[row] - firstRow;
  if (id >= 0 && id < blockRows) {
    return table[id * width + e - row * width + half];
  }
  return prev[t];
}`,
  functions: [FLOOR_DIV],
};

export const gatherKernel: KernelFunc<GatherAttrs> = ({ backend, inputs, attrs, out }) => {
  const [v, c] = inputs[0]!.shape as [number, number];
  const g = gpujs(backend);
  const limbs = out.dtype === 'int32' ? 2 : 1;
  if (out.size === 0) return g.result('gather', new Float32Array(0), out.dtype, 0);
  if (limbs * out.size >= INDEX_LIMIT || limbs * c >= INDEX_LIMIT) {
    throw new BackendError('gather', `output of ${out.size} ${out.dtype} elements exceeds gpu.js's exact index range (§16 G6)`);
  }
  const ids = Float32Array.from(attrs.ids);
  // Row blocks of the table, each a packed plane of fewer than 2^23 floats, kept with the table
  // (keyed by row width too: reshape shares storage, so one table may come back as [V', C']).
  const perBlock = Math.floor((INDEX_LIMIT - 1) / (limbs * c));
  let y: Plane = g.unused();
  for (let first = 0; first < v; first += perBlock) {
    const rows = Math.min(perBlock, v - first);
    const block = g.derived(inputs[0]!, `gather:${c}:${first}:${rows}`, (table) => packedPlane(table.subarray(first * c, (first + rows) * c), out.dtype));
    const prev = y;
    y = g.dispatch(GATHER, limbs * out.size, [block, ids, prev, c, out.size, first, rows]);
    g.free(prev);
  }
  return g.result('gather', y, out.dtype, out.size);
};

/**
 * x = 256·x_h + x_l (x_h = floor(x / 256) signed, x_l ∈ [0, 255]; int8 x has x_h ∈ {−1, 0}), so
 * v = 256·h + l with h = x0_h·a + x1_h·b and l = x0_l·a + x1_l·b. Then v = vHi·2^14 + vLo with
 * vLo ∈ [0, 2^14) is regathered from h's low 6 bits and l, and v ≥ 0 exactly when vHi ≥ 0:
 * ⌊v / 2^14⌉ = vHi + 1 when vLo > 2^13, or vLo = 2^13 and v ≥ 0; otherwise vHi.
 * Bound: |a|, |b| ≤ 2^15; |h| ≤ 2·2^7·2^15 = 2^23; |l| ≤ 2·255·2^15 < 2^24 − 2^16;
 * |l + 256·(h mod 64)| < 2^24 − 2^16 + 2^14; |vHi| ≤ 2^17. Indices: e < 2^22 per run (ELEMENTS_PER_RUN).
 */
const ROPE: KernelSource = {
  name: 'rope',
  source: `function (x, cs, sn, d, half, t, t0, lo, hi) {
  const e = this.thread.x;
  const row = floorDiv(e, d);
  const col = e - row * d;
  const k = Math.floor(col * 0.5);
  const odd = col - 2 * k;
  const rr = t0 + row;
  const p = rr - floorDiv(rr, t) * t;
  const c = cs[p * half + k];
  const s = sn[p * half + k];
  let a = c;
  let b = 0 - s;
  if (odd > 0.5) { a = s; b = c; }
  const x0 = x[e - odd];
  const x1 = x[e - odd + 1];
  const x0h = Math.floor(x0 * 0.00390625);
  const x1h = Math.floor(x1 * 0.00390625);
  const h = x0h * a + x1h * b;
  const l = (x0 - 256 * x0h) * a + (x1 - 256 * x1h) * b;
  const hTop = Math.floor(h * 0.015625);
  const sum = l + (h - hTop * 64) * 256;
  const sTop = Math.floor(sum * 0.00006103515625);
  const vLo = sum - sTop * 16384;
  const vHi = hTop + sTop;
  let y = vHi;
  if (vLo > 8192.5 || (vLo > 8191.5 && vHi > -0.5)) { y = vHi + 1; }
  return Math.min(Math.max(y, lo), hi);
}`,
  functions: [FLOOR_DIV],
};

// Rows per run, so that every thread index stays below 2^22 (floorDiv needs < 2^23).
const ELEMENTS_PER_RUN = 2 ** 22;

export const ropeKernel: KernelFunc = ({ backend, inputs, attrs, out }) => {
  const g = gpujs(backend);
  if (out.size === 0) return g.result('rope', new Float32Array(0), out.dtype, 0);
  const { offset } = attrs as RopeAttrs;
  const [t, d] = out.shape.slice(-2) as [number, number];
  const half = d / 2;
  // Only the T table rows this op reads, so table indices stay below T·D/2 (§16.1 G6).
  const rowsOf = (table: Tensor): Plane => g.derived(table, `rope:${offset}:${t}:${half}`, (v) => valuePlane(v.subarray(offset * half, (offset + t) * half)));
  const cs = rowsOf(inputs[1]!);
  const sn = rowsOf(inputs[2]!);
  const [lo, hi] = out.dtype === 'int8' ? [-128, 127] : [-32768, 32767];
  const rows = out.size / d;
  const perRun = Math.max(1, Math.floor(ELEMENTS_PER_RUN / d));
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += perRun) ranges.push([start * d, Math.min(rows, start + perRun) * d]);
  return g.pieces('rope', out.dtype, out.size, ranges, (e0, e1) =>
    g.dispatch(ROPE, e1 - e0, [g.plane(inputs[0]!, e0, e1), cs, sn, d, half, t, (e0 / d) % t, lo, hi]),
  );
};
