/// <reference types="@webgpu/types" />
/**
 * webgpu kernels (engine/NUMERICS.md §4 requantize, §5 matmul, §6 elementwise, §7 lut,
 * §11 gather, §15 data movement; WGSL techniques of §16.1). Each is a transliteration of the cpu
 * reference in kernels/cpu and must give the same bytes.
 */
import type { KernelFunc, KernelOutput } from '../../engine/kernel_registry.js';
import type { GatherAttrs } from '../../engine/ops/gather.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from '../../engine/ops/layout.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import type { DType } from '../../engine/dtype.js';
import { DTYPE_MAX, DTYPE_MIN } from '../../engine/dtype.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { shader } from './wgsl/common.js';
import { MAGNITUDE_WGSL, REQUANTIZE_WGSL, UMUL32_WGSL, i32Lit, saturateWgsl } from './wgsl/fixed_point.js';

const gpu = asWebGpu;

const X = { name: 'x' };
const Y = { name: 'y', write: true };

/** Run a one-input elementwise shader. */
function unary(body: (out: KernelOutput) => string, helpers: (out: KernelOutput) => string = () => ''): KernelFunc {
  return ({ backend, inputs, out }) => {
    const b = gpu(backend);
    const y = b.createBuffer(out.size);
    b.run(shader([X, Y], body(out), helpers(out)), [gpuBuffer(inputs[0]!), y], [], out.size);
    return y;
  };
}

export const reluKernel = unary(() => '  y[i] = max(x[i], 0);');

export const castKernel = unary((out) => `  y[i] = clamp(x[i], ${i32Lit(DTYPE_MIN[out.dtype])}, ${i32Lit(DTYPE_MAX[out.dtype])});`);

export const lutKernel: KernelFunc = ({ backend, inputs, out }) => {
  const b = gpu(backend);
  const y = b.createBuffer(out.size);
  const src = shader([X, { name: 't' }, Y], '  y[i] = t[u32(x[i] + 128)];');
  b.run(src, [gpuBuffer(inputs[0]!), gpuBuffer(inputs[1]!), y], [], out.size);
  return y;
};

/** Binary op with b broadcast over a's leading axes (b's size is the period, P[1]). */
function binary(body: string, helpers: (d: DType) => string): KernelFunc {
  return ({ backend, inputs, out }) => {
    const g = gpu(backend);
    const y = g.createBuffer(out.size);
    const src = shader([{ name: 'a' }, { name: 'b' }, Y], `  let av = a[i];\n  let bv = b[i % P[1]];\n${body}`, helpers(out.dtype));
    g.run(src, [gpuBuffer(inputs[0]!), gpuBuffer(inputs[1]!), y], [inputs[1]!.size], out.size);
    return y;
  };
}

// a + b is exact below 2^32 in magnitude: on wrap (same signs in, other sign out) it saturates.
export const addKernel = binary(
  `  let s = av + bv;
  let wrapped = (av < 0) == (bv < 0) && (s < 0) != (av < 0);
  if (wrapped) {
    y[i] = satSigned(av < 0, 0xffffffffu);
  } else {
    y[i] = satSigned(s < 0, magnitude(s));
  }`,
  (d) => MAGNITUDE_WGSL + saturateWgsl(d),
);

// The exact product on magnitudes (W2); any high word saturates.
export const mulKernel = binary(
  `  let p = umul32(magnitude(av), magnitude(bv));
  y[i] = satSigned((av < 0) != (bv < 0), select(p.y, 0xffffffffu, p.x != 0u));`,
  (d) => MAGNITUDE_WGSL + UMUL32_WGSL + saturateWgsl(d),
);

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const channels = attrs.multipliers.length;
  const ms = new Uint32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    ms[2 * c] = attrs.multipliers[c]!;
    ms[2 * c + 1] = attrs.shifts[c]!;
  }
  const msBuf = g.words(ms);
  const y = g.createBuffer(out.size);
  const src = shader(
    [X, { name: 'ms', type: 'u32' }, Y],
    `  let c = i % P[1];
  let r = requantizeScalar(x[i], ms[2u * c], ms[2u * c + 1u]);
  y[i] = satSigned(r.neg, r.mag);`,
    REQUANTIZE_WGSL + saturateWgsl(out.dtype),
  );
  g.run(src, [gpuBuffer(inputs[0]!), msBuf, y], [channels], out.size);
  g.release(msBuf);
  return y;
};

/**
 * Partial dot products: invocation i computes output o = i / chunks over the K range of chunk
 * ch = i % chunks. llvmpipe ends a shader invocation's loops after about 65535 iterations in all,
 * so no invocation runs more than MATMUL_CHUNK steps; a second pass sums the chunks. The i32 sums
 * wrap, which is exactly the spec's wrap32 of the exact sum (§5: wrapping addition is
 * associative, so any split of K gives the same bits).
 * P: n, m, k, cols, bBatchStride, kStride, jStride, chunks, chunkLen
 */
const MATMUL_CHUNK = 8192;

function matmulSource(bias: boolean): string {
  const bufs = [{ name: 'a' }, { name: 'b' }, ...(bias ? [{ name: 'bias' }] : []), Y];
  return shader(
    bufs,
    `  let chunks = P[7];
  let o = i / chunks;
  let ch = i % chunks;
  let j = o % P[3];
  let row = o / P[3];
  let p = row / P[1];
  let q0 = ch * P[8];
  let q1 = min(q0 + P[8], P[2]);
  let aBase = row * P[2];
  var bIdx = p * P[4] + j * P[6] + q0 * P[5];
  let kStep = P[5];
  var acc: i32 = ${bias ? 'bias[j]' : '0'};
  for (var q = q0; q < q1; q = q + 1u) {
    acc = acc + a[aBase + q] * b[bIdx];
    bIdx = bIdx + kStep;
  }
  y[i] = acc;`,
  );
}

/** y[o] = bias[o % cols] + Σ_ch partial[o·chunks + ch]. P: n, chunks, cols */
function matmulReduceSource(bias: boolean): string {
  const bufs = [{ name: 'part' }, ...(bias ? [{ name: 'bias' }] : []), Y];
  return shader(
    bufs,
    `  var acc: i32 = ${bias ? 'bias[i % P[2]]' : '0'};
  for (var ch = 0u; ch < P[1]; ch = ch + 1u) {
    acc = acc + part[i * P[1] + ch];
  }
  y[i] = acc;`,
  );
}

export const matmulKernel: KernelFunc<MatMulAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const { m, k, n, bBatched, transposeB, hasBias } = attrs;
  const y = g.createBuffer(out.size);
  const a = gpuBuffer(inputs[0]!);
  const b = gpuBuffer(inputs[1]!);
  const bias = hasBias ? [gpuBuffer(inputs[2]!)] : [];
  const chunks = Math.max(1, Math.ceil(k / MATMUL_CHUNK));
  const bBatchStride = bBatched ? k * n : 0;
  const [kStride, jStride] = transposeB ? [1, k] : [n, 1];
  const params = [m, k, n, bBatchStride, kStride, jStride, chunks, MATMUL_CHUNK];
  if (chunks === 1) {
    g.run(matmulSource(hasBias), [a, b, ...bias, y], params, out.size);
    return y;
  }
  const part = g.createBuffer(out.size * chunks);
  g.run(matmulSource(false), [a, b, part], params, out.size * chunks);
  g.run(matmulReduceSource(hasBias), [part, ...bias, y], [chunks, n], out.size);
  g.release(part);
  return y;
};

/**
 * Strided copy: for the output (gather) or input (scatter) index i, decomposed over `shape`,
 * the other side's index is base + Σ c[ax]·stride[ax].
 * P: n, rank, base, shape[rank], stride[rank]
 */
const STRIDED_BODY = (scatter: boolean) => `  let rank = P[1];
  var rest = i;
  var other = P[2];
  for (var ax = rank; ax > 0u; ax = ax - 1u) {
    let d = P[2u + ax];
    let c = rest % d;
    rest = rest / d;
    other = other + c * P[2u + rank + ax];
  }
  ${scatter ? 'y[other] = x[i];' : 'y[i] = x[other];'}`;
const GATHER_SRC = shader([X, Y], STRIDED_BODY(false));
const SCATTER_SRC = shader([X, Y], STRIDED_BODY(true));

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let ax = shape.length - 2; ax >= 0; ax--) s[ax] = s[ax + 1]! * shape[ax + 1]!;
  return s;
}

export const transposeKernel: KernelFunc<TransposeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const inStrides = stridesOf(inputs[0]!.shape);
  const y = g.createBuffer(out.size);
  const params = [out.shape.length, 0, ...out.shape, ...attrs.perm.map((p) => inStrides[p]!)];
  g.run(GATHER_SRC, [gpuBuffer(inputs[0]!), y], params, out.size);
  return y;
};

export const sliceKernel: KernelFunc<SliceAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const inStrides = stridesOf(inputs[0]!.shape);
  const base = attrs.begin.reduce((s, b, ax) => s + b * inStrides[ax]!, 0);
  const y = g.createBuffer(out.size);
  g.run(GATHER_SRC, [gpuBuffer(inputs[0]!), y], [out.shape.length, base, ...out.shape, ...inStrides], out.size);
  return y;
};

export const concatKernel: KernelFunc<ConcatAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const outStrides = stridesOf(out.shape);
  const y = g.createBuffer(out.size);
  let offset = 0;
  for (const t of inputs) {
    const base = offset * outStrides[attrs.axis]!;
    g.run(SCATTER_SRC, [gpuBuffer(t), y], [t.shape.length, base, ...t.shape, ...outStrides], t.size);
    offset += t.shape[attrs.axis]!;
  }
  return y;
};

/** P: n, c (row length). */
export const gatherKernel: KernelFunc<GatherAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const ids = g.words(attrs.ids);
  const y = g.createBuffer(out.size);
  const src = shader([{ name: 't' }, { name: 'ids', type: 'u32' }, Y], '  let c = P[1];\n  y[i] = t[ids[i / c] * c + i % c];');
  g.run(src, [gpuBuffer(inputs[0]!), ids, y], [out.shape[1]!], out.size);
  g.release(ids);
  return y;
};
