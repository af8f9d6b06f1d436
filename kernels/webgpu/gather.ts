/// <reference types="@webgpu/types" />
/**
 * webgpu embedding gather (engine/NUMERICS.md §11) and RoPE (§12), transliterated from
 * kernels/cpu/gather.ts. RoPE rounds each rotated coordinate by R with M = 1, n = 14 (§16.1 W5).
 */
import { ROPE_BITS } from '../../engine/constants.js';
import type { DType } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { GatherAttrs, RopeAttrs } from '../../engine/ops/gather.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { Y, memoized, shader } from './wgsl/common.js';
import { REQUANTIZE_WGSL, i32Lit, saturateWgsl } from './wgsl/fixed_point.js';

const gpu = asWebGpu;

/** P: n, c (row length). */
const GATHER_SRC = shader([{ name: 't' }, { name: 'ids', type: 'u32' }, Y], '  let c = P[1];\n  y[i] = t[ids[i / c] * c + i % c];');

export const gatherKernel: KernelFunc<GatherAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const ids = g.words(attrs.ids);
  const y = g.createBuffer(out.size);
  g.run(GATHER_SRC, [gpuBuffer(inputs[0]!), ids, y], [out.shape[1]!], out.size);
  g.release(ids);
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
const ropeSource = memoized((dtype: DType): string =>
  shader(
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
  ),
);

export const ropeKernel: KernelFunc<RopeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const [t, d] = out.shape.slice(-2) as [number, number];
  const y = g.createBuffer(out.size);
  const bufs = [gpuBuffer(inputs[0]!), gpuBuffer(inputs[1]!), gpuBuffer(inputs[2]!), y];
  g.run(ropeSource(out.dtype), bufs, [t, d / 2, attrs.offset], out.size / 2);
  return y;
};
