/// <reference types="@webgpu/types" />
/**
 * webgpu LayerNorm / RMSNorm (engine/NUMERICS.md §10) and RoPE (§12), transliterated from
 * kernels/cpu/norm.ts and kernels/cpu/gather.ts. Q = Σd² + eps < 2^47 is held as a (hi, lo) u32
 * pair (§16.1 W3) and r = isqrt(Q) < 2^24 is found bit by bit with exact 64-bit squares (W2).
 * One invocation per row computes μ and r (≤ 2·16384 loop steps, inside llvmpipe's per-invocation
 * loop budget); one per element computes z, acc and the requantized output.
 */
import { NORM_Z_BITS, ROPE_BITS } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RopeAttrs } from '../../engine/ops/gather.js';
import type { NormAttrs } from '../../engine/ops/norm.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { shader } from './wgsl/common.js';
import { DIV_ROUND_HALF_UP_WGSL, REQUANTIZE_WGSL, i32Lit, saturateWgsl } from './wgsl/fixed_point.js';
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

/**
 * round(v / 2^14) half away from zero for v = p0 ± p1 with |p0|, |p1| ≤ 2^30, given v wrapped to
 * i32 as w. Only v = +2^31 wraps (to −2^31); then p0 > 0 tells it from v = −2^31.
 */
const ROUND14_WGSL = `
fn round14(w: i32, p0: i32) -> SignedMag {
  let neg = select(w < 0, p0 < 0, w == ${i32Lit(-2147483648)});
  return SignedMag(mulShiftRound(magnitude(w), 1u, ${ROPE_BITS}u), neg);
}
`;

/** One invocation per pair. P: n (pairs), t, half, offset */
function ropeSource(dtype: DType): string {
  return shader(
    [{ name: 'x' }, { name: 'cosT' }, { name: 'sinT' }, { name: 'y', write: true }],
    `  let half = P[2];
  let row = i / half;
  let k = i % half;
  let pos = P[3] + row % P[1];
  let c = cosT[pos * half + k];
  let s = sinT[pos * half + k];
  let x0 = x[2u * i];
  let x1 = x[2u * i + 1u];
  let a = round14(x0 * c - x1 * s, x0 * c);
  let b = round14(x0 * s + x1 * c, x0 * s);
  y[2u * i] = satSigned(a.neg, a.mag);
  y[2u * i + 1u] = satSigned(b.neg, b.mag);`,
    REQUANTIZE_WGSL + saturateWgsl(dtype) + ROUND14_WGSL,
  );
}

export const ropeKernel: KernelFunc<RopeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const [t, d] = out.shape.slice(-2) as [number, number];
  const y = g.createBuffer(out.size);
  const bufs = [gpuBuffer(inputs[0]!), gpuBuffer(inputs[1]!), gpuBuffer(inputs[2]!), y];
  g.run(ropeSource(out.dtype), bufs, [t, d / 2, attrs.offset], out.size / 2);
  return y;
};
