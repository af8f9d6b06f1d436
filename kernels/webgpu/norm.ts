/// <reference types="@webgpu/types" />
/**
 * webgpu LayerNorm / RMSNorm (engine/NUMERICS.md §10), transliterated from kernels/cpu/norm.ts.
 * Q = Σd² + eps < 2^47 is held as a (hi, lo) u32
 * pair (§16.1 W3) and r = isqrt(Q) < 2^24 is found bit by bit with exact 64-bit squares (W2).
 * One invocation per row computes μ and r (≤ 2·16384 loop steps, inside llvmpipe's per-invocation
 * loop budget); one per element computes z, acc and the requantized output.
 */
import { NORM_Z_BITS } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { NormAttrs } from '../../engine/ops/norm.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { shader } from './wgsl/common.js';
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

/**
 * Row statistics: stats[2·row] = μ (0 for RMSNorm), stats[2·row + 1] = r = isqrt(Σd² + eps).
 * P: n (rows), c, widen, subtractMean, eps
 */
const STATS_SRC = shader(
  [{ name: 'x' }, { name: 'stats', write: true }],
  `  let c = P[1];
  let widen = i32(P[2]);
  let start = i * c;
  var mean = 0;
  if (P[3] != 0u) {
    var sum = 0;
    for (var j = 0u; j < c; j = j + 1u) {
      sum = sum + x[start + j] * widen;
    }
    mean = divRoundHalfAway(sum, c);
  }
  var qhi = 0u;
  var qlo = P[4];
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
  stats[2u * i] = mean;
  stats[2u * i + 1u] = i32(r);`,
  REQUANTIZE_WGSL + DIV_ROUND_HALF_AWAY_WGSL,
);

/** P: n, c, widen, multiplier, shift */
function normOutSource(hasBeta: boolean, dtype: DType): string {
  return shader(
    [{ name: 'x' }, { name: 'stats' }, { name: 'gamma' }, ...(hasBeta ? [{ name: 'beta' }] : []), { name: 'y', write: true }],
    `  let c = P[1];
  let row = i / c;
  let col = i % c;
  let mean = stats[2u * row];
  let r = u32(stats[2u * row + 1u]);
  var z = 0;
  if (r != 0u) {
    z = divRoundHalfAway((x[i] * i32(P[2]) - mean) * ${1 << NORM_Z_BITS}, r);
  }
  let acc = z * gamma[col]${hasBeta ? ' + beta[col]' : ''};
  let q = requantizeScalar(acc, P[3], P[4]);
  y[i] = satSigned(q.neg, q.mag);`,
    REQUANTIZE_WGSL + DIV_ROUND_HALF_AWAY_WGSL + saturateWgsl(dtype),
  );
}

export const normKernel: KernelFunc<NormAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const y = g.createBuffer(out.size);
  if (out.size === 0) return y;
  const c = inputs[1]!.size;
  const rows = out.size / c;
  const widen = inputs[0]!.dtype === 'int8' ? 256 : 1;
  const x = gpuBuffer(inputs[0]!);
  const stats = g.createBuffer(2 * rows);
  g.run(STATS_SRC, [x, stats], [c, widen, attrs.subtractMean ? 1 : 0, attrs.eps], rows);
  const beta = attrs.hasBeta ? [gpuBuffer(inputs[2]!)] : [];
  g.run(normOutSource(attrs.hasBeta, out.dtype), [x, stats, gpuBuffer(inputs[1]!), ...beta, y], [c, widen, attrs.multiplier, attrs.shift], out.size);
  g.release(stats);
  return y;
};
