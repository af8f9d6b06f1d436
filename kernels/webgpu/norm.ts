/// <reference types="@webgpu/types" />
/**
 * webgpu LayerNorm / RMSNorm (engine/NUMERICS.md §10), transliterated from kernels/cpu/norm.ts.
 * Q = Σd² + eps < 2^47 is held as a (hi, lo) u32
 * pair (§16.1 W3) and r = isqrt(Q) < 2^24 is found bit by bit with exact 64-bit squares (W2).
 * One invocation per row computes μ and r (≤ 2·16384 loop steps, inside llvmpipe's per-invocation
 * loop budget); one per element computes z, acc and the requantized output. A decode step's few
 * rows take one invocation each for both (≤ 3·16384 steps), one dispatch instead of two.
 */
import { NORM_Z_BITS } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { NormAttrs } from '../../engine/ops/norm.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { memoized, shader } from './wgsl/common.js';
import { DIV_ROUND_HALF_UP_WGSL, REQUANTIZE_WGSL, saturateWgsl } from './wgsl/fixed_point.js';
import type { DType } from '../../engine/dtype.js';

const gpu = asWebGpu;

/** Signed division rounded half away from zero (§3.3), b ≥ 1, |a| < 2^32. */
const DIV_ROUND_HALF_AWAY_WGSL = `
${DIV_ROUND_HALF_UP_WGSL}
fn divRoundHalfAway(a: i32, b: u32) -> i32 {
  let q = i32(divRoundHalfUp(magnitude(a), b));
  return select(q, -q, a < 0);
}
`;

/** μ (0 without subtractMean) and r = isqrt(Σd² + eps) of the row of c entries at `start`: 2·c loop steps. */
const ROW_STATS_WGSL = `
fn rowStats(start: u32, c: u32, widen: i32, subtractMean: bool, eps: u32) -> vec2<i32> {
  var mean = 0;
  if (subtractMean) {
    var sum = 0;
    for (var j = 0u; j < c; j = j + 1u) {
      sum = sum + x[start + j] * widen;
    }
    mean = divRoundHalfAway(sum, c);
  }
  var qhi = 0u;
  var qlo = eps;
  for (var j = 0u; j < c; j = j + 1u) {
    let d = magnitude(x[start + j] * widen - mean);
    let s = qlo + d * d;
    qhi = qhi + select(0u, 1u, s < qlo);
    qlo = s;
  }
  var r = 0u;
  for (var b = 24u; b > 0u; b = b - 1u) {
    let t = r | (1u << (b - 1u));
    let sq = umul32(t, t);
    if (sq.x < qhi || (sq.x == qhi && sq.y <= qlo)) {
      r = t;
    }
  }
  return vec2<i32>(mean, i32(r));
}
`;

/** The output of entry `v` in column `col` of a row with statistics (mean, r). */
function normValueWgsl(hasBeta: boolean): string {
  return `
fn normValue(v: i32, col: u32, mean: i32, r: u32, widen: i32, m: u32, n: u32) -> i32 {
  var z = 0;
  if (r != 0u) {
    z = divRoundHalfAway((v * widen - mean) * ${1 << NORM_Z_BITS}, r);
  }
  let acc = z * gamma[col]${hasBeta ? ' + beta[col]' : ''};
  let q = requantizeScalar(acc, m, n);
  return satSigned(q.neg, q.mag);
}
`;
}

const normInputs = (hasBeta: boolean) => [{ name: 'x' }, { name: 'gamma' }, ...(hasBeta ? [{ name: 'beta' }] : [])];

/**
 * Row statistics: stats[2·row] = μ (0 for RMSNorm), stats[2·row + 1] = r = isqrt(Σd² + eps).
 * P: n (rows), c, widen, subtractMean, eps
 */
const STATS_SRC = shader(
  [{ name: 'x' }, { name: 'stats', write: true }],
  `  let s = rowStats(i * P[1], P[1], i32(P[2]), P[3] != 0u, P[4]);
  stats[2u * i] = s.x;
  stats[2u * i + 1u] = s.y;`,
  REQUANTIZE_WGSL + DIV_ROUND_HALF_AWAY_WGSL + ROW_STATS_WGSL,
);

/** One invocation per element, from the row statistics. P: n, c, widen, multiplier, shift */
const normOutSource = memoized((hasBeta: boolean, dtype: DType): string =>
  shader(
    [...normInputs(hasBeta), { name: 'stats' }, { name: 'y', write: true }],
    `  let c = P[1];
  let row = i / c;
  y[i] = normValue(x[i], i % c, stats[2u * row], u32(stats[2u * row + 1u]), i32(P[2]), P[3], P[4]);`,
    REQUANTIZE_WGSL + DIV_ROUND_HALF_AWAY_WGSL + saturateWgsl(dtype) + normValueWgsl(hasBeta),
  ),
);

/**
 * A whole row by one invocation: its statistics, then its c outputs (3·c loop steps). For a
 * decode step's few rows this is one dispatch instead of two. P: n (rows), c, widen, subtractMean, eps, multiplier, shift
 */
const normRowSource = memoized((hasBeta: boolean, dtype: DType): string =>
  shader(
    [...normInputs(hasBeta), { name: 'y', write: true }],
    `  let c = P[1];
  let widen = i32(P[2]);
  let start = i * c;
  let s = rowStats(start, c, widen, P[3] != 0u, P[4]);
  for (var col = 0u; col < c; col = col + 1u) {
    y[start + col] = normValue(x[start + col], col, s.x, u32(s.y), widen, P[5], P[6]);
  }`,
    REQUANTIZE_WGSL + DIV_ROUND_HALF_AWAY_WGSL + ROW_STATS_WGSL + saturateWgsl(dtype) + normValueWgsl(hasBeta),
  ),
);

/** Rows up to this many go through normRowSource; more rows keep one invocation per element. */
const ROW_KERNEL_MAX_ROWS = 4;

export const normKernel: KernelFunc<NormAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const y = g.createBuffer(out.size);
  if (out.size === 0) return y;
  const c = inputs[1]!.size;
  const rows = out.size / c;
  const widen = inputs[0]!.dtype === 'int8' ? 256 : 1;
  const x = gpuBuffer(inputs[0]!);
  const weights = [gpuBuffer(inputs[1]!), ...(attrs.hasBeta ? [gpuBuffer(inputs[2]!)] : [])];
  const statsParams = [c, widen, attrs.subtractMean ? 1 : 0, attrs.eps];
  if (rows <= ROW_KERNEL_MAX_ROWS) {
    g.run(normRowSource(attrs.hasBeta, out.dtype), [x, ...weights, y], [...statsParams, attrs.multiplier, attrs.shift], rows);
    return y;
  }
  const stats = g.createBuffer(2 * rows);
  g.run(STATS_SRC, [x, stats], statsParams, rows);
  g.run(normOutSource(attrs.hasBeta, out.dtype), [x, ...weights, stats, y], [c, widen, attrs.multiplier, attrs.shift], out.size);
  g.release(stats);
  return y;
};
