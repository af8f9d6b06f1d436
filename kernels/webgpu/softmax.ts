/// <reference types="@webgpu/types" />
/**
 * webgpu integer exp and softmax (engine/NUMERICS.md §9) and causal mask (§8), transliterated
 * from kernels/cpu/softmax.ts. Softmax rows are reduced in chunks (wgsl/row_chunks.ts, §16.3):
 * chunk maxima, then chunk sums of E(max − x_j) (both by one invocation per row when the row is
 * one chunk), then one invocation per element.
 */
import { MASKED, SOFTMAX_OUT_BITS } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ScaleAttrs } from '../../engine/ops/softmax.js';
import { asWebGpu, expTable, gpuBuffer } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';
import { DIV_ROUND_HALF_UP_WGSL, EXP_NEG_WGSL, MAGNITUDE_WGSL, i32Lit } from './wgsl/fixed_point.js';
import { CHUNK_HEAD, ROW_CHUNK } from './wgsl/row_chunks.js';

const MASKED_WGSL = i32Lit(MASKED);

const gpu = asWebGpu;

const TABLE = { name: 'expTable', type: 'u32' };

const EXP_NEG_SRC = shader(
  [X, TABLE, Y],
  `  let v = x[i];
  y[i] = i32(expNegQ15(select(0u, magnitude(v), v < 0), P[1], P[2]));`,
  MAGNITUDE_WGSL + EXP_NEG_WGSL,
);

export const expNegKernel: KernelFunc<ScaleAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const y = g.createBuffer(out.size);
  g.run(EXP_NEG_SRC, [gpuBuffer(inputs[0]!), expTable(g), y], [attrs.multiplier, attrs.shift], out.size);
  return y;
};

/** P: n, t, s, offset */
const CAUSAL_SRC = shader(
  [X, Y],
  `  let j = i % P[2];
  let row = (i / P[2]) % P[1];
  y[i] = select(x[i], ${MASKED_WGSL}, j > row + P[3]);`,
);

export const causalMaskKernel: KernelFunc<{ offset: number }> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const [t, s] = out.shape.slice(-2) as [number, number];
  const y = g.createBuffer(out.size);
  g.run(CAUSAL_SRC, [gpuBuffer(inputs[0]!), y], [t, s, attrs.offset], out.size);
  return y;
};

/** Chunk maxima, MASKED when the chunk is all masked. */
const MAX_CHUNK_SRC = shader(
  [X, Y],
  `${CHUNK_HEAD}
  var m = ${MASKED_WGSL};
  for (var j = j0; j < j1; j = j + 1u) {
    m = max(m, x[rowStart + j]);
  }
  y[i] = m;`,
);

const ROW_MAX = `
fn rowMax(row: u32, chunks: u32) -> i32 {
  var m = ${MASKED_WGSL};
  for (var ch = 0u; ch < chunks; ch = ch + 1u) {
    m = max(m, maxes[row * chunks + ch]);
  }
  return m;
}
`;

/** Σ E(max − x_j) over the chunk (≤ 2^12·2^15); 0 for masked entries and fully masked rows. */
const SUM_CHUNK_SRC = shader(
  [X, { name: 'maxes' }, TABLE, { name: 'y', type: 'u32', write: true }],
  `${CHUNK_HEAD}
  let m = rowMax(i / chunks, chunks);
  var s = 0u;
  if (m != ${MASKED_WGSL}) {
    for (var j = j0; j < j1; j = j + 1u) {
      let v = x[rowStart + j];
      if (v != ${MASKED_WGSL}) {
        s = s + expNegQ15(bitcast<u32>(m - v), P[4], P[5]);
      }
    }
  }
  y[i] = s;`,
  EXP_NEG_WGSL + ROW_MAX,
);

/** A row's max (MASKED when all masked) and Σ E(max − x_j) over its `len` entries: two loops of len. */
const ROW_MAX_SUM = `
struct MaxSum { m: i32, s: u32 }
fn rowMaxSum(rowStart: u32, len: u32) -> MaxSum {
  var m = ${MASKED_WGSL};
  for (var j = 0u; j < len; j = j + 1u) {
    m = max(m, x[rowStart + j]);
  }
  var s = 0u;
  if (m != ${MASKED_WGSL}) {
    for (var j = 0u; j < len; j = j + 1u) {
      let v = x[rowStart + j];
      if (v != ${MASKED_WGSL}) {
        s = s + expNegQ15(bitcast<u32>(m - v), P[4], P[5]);
      }
    }
  }
  return MaxSum(m, s);
}
`;

/**
 * A row of one chunk (len ≤ ROW_CHUNK): its max and Σ E(max − x_j) by one invocation, the work
 * of MAX_CHUNK_SRC and SUM_CHUNK_SRC in one dispatch (inside llvmpipe's loop budget). P as below.
 */
const MAX_SUM_ROW_SRC = shader(
  [X, TABLE, { name: 'maxes', write: true }, { name: 'sums', type: 'u32', write: true }],
  `  let r = rowMaxSum(i * P[1], P[1]);
  maxes[i] = r.m;
  sums[i] = r.s;`,
  EXP_NEG_WGSL + ROW_MAX_SUM,
);

/** Rows up to this long (every attention row of a context up to 1024) are done whole by one invocation each. */
const WHOLE_ROW_MAX = 1024;

/**
 * A whole short row by one invocation: max, sum and the outputs, one dispatch for the softmax
 * instead of two (three loops of at most WHOLE_ROW_MAX). P as below.
 */
const SOFTMAX_ROW_SRC = shader(
  [X, TABLE, Y],
  `  let len = P[1];
  let rowStart = i * len;
  let r = rowMaxSum(rowStart, len);
  for (var j = 0u; j < len; j = j + 1u) {
    let v = x[rowStart + j];
    if (r.m == ${MASKED_WGSL} || v == ${MASKED_WGSL}) {
      y[rowStart + j] = 0;
    } else {
      y[rowStart + j] = i32(divRoundHalfUp(expNegQ15(bitcast<u32>(r.m - v), P[4], P[5]) << ${SOFTMAX_OUT_BITS}u, r.s));
    }
  }`,
  EXP_NEG_WGSL + ROW_MAX_SUM + DIV_ROUND_HALF_UP_WGSL,
);

/** y_j = divRoundHalfUp(E_j · 2^14, Σ), 0 on fully masked rows. P: n, len, chunks, chunkLen, m, shift */
const SOFTMAX_SRC = shader(
  [X, { name: 'maxes' }, { name: 'sums', type: 'u32' }, TABLE, Y],
  `  let chunks = P[2];
  let row = i / P[1];
  let m = rowMax(row, chunks);
  var total = 0u;
  for (var ch = 0u; ch < chunks; ch = ch + 1u) {
    total = total + sums[row * chunks + ch];
  }
  let v = x[i];
  if (m == ${MASKED_WGSL} || v == ${MASKED_WGSL} || total == 0u) {
    y[i] = 0;
    return;
  }
  let e = expNegQ15(bitcast<u32>(m - v), P[4], P[5]);
  y[i] = i32(divRoundHalfUp(e << ${SOFTMAX_OUT_BITS}u, total));`,
  EXP_NEG_WGSL + ROW_MAX + DIV_ROUND_HALF_UP_WGSL,
);

export const softmaxKernel: KernelFunc<ScaleAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const y = g.createBuffer(out.size);
  const len = out.shape[out.shape.length - 1]!;
  if (out.size === 0) return y;
  const rows = out.size / len;
  const chunks = Math.max(1, Math.ceil(len / ROW_CHUNK));
  const x = gpuBuffer(inputs[0]!);
  const table = expTable(g);
  const params = [len, chunks, ROW_CHUNK, attrs.multiplier, attrs.shift];
  if (len <= WHOLE_ROW_MAX) {
    g.run(SOFTMAX_ROW_SRC, [x, table, y], params, rows);
    return y;
  }
  const maxes = g.createBuffer(rows * chunks);
  const sums = g.createBuffer(rows * chunks);
  if (chunks === 1) g.run(MAX_SUM_ROW_SRC, [x, table, maxes, sums], params, rows);
  else {
    g.run(MAX_CHUNK_SRC, [x, maxes], params, rows * chunks);
    g.run(SUM_CHUNK_SRC, [x, maxes, table, sums], params, rows * chunks);
  }
  g.run(SOFTMAX_SRC, [x, maxes, sums, table, y], params, out.size);
  g.release(maxes);
  g.release(sums);
  return y;
};
