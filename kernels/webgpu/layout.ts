/// <reference types="@webgpu/types" />
/**
 * webgpu data movement (engine/NUMERICS.md §15): transpose, slice and concat as strided copies,
 * transliterated from kernels/cpu/layout.ts; a concat of two tensors is one pass over the output.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from '../../engine/ops/layout.js';
import { rowMajorStrides } from '../../engine/tensor.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';

const gpu = asWebGpu;

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

export const transposeKernel: KernelFunc<TransposeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const inStrides = rowMajorStrides(inputs[0]!.shape);
  const y = g.createBuffer(out.size);
  const params = [out.shape.length, 0, ...out.shape, ...attrs.perm.map((p) => inStrides[p]!)];
  g.run(GATHER_SRC, [gpuBuffer(inputs[0]!), y], params, out.size);
  return y;
};

export const sliceKernel: KernelFunc<SliceAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const inStrides = rowMajorStrides(inputs[0]!.shape);
  const base = attrs.begin.reduce((s, b, ax) => s + b * inStrides[ax]!, 0);
  const y = g.createBuffer(out.size);
  g.run(GATHER_SRC, [gpuBuffer(inputs[0]!), y], [out.shape.length, base, ...out.shape, ...inStrides], out.size);
  return y;
};

/**
 * Concat of two tensors in one pass (a decoder's key/value cache and the rows it appends, every
 * step): output element i reads the first input below `split` along the axis, the second from
 * there. P: n, rank, axis, split, shape[rank] (the output's), strides0[rank], strides1[rank]
 */
const CONCAT2_SRC = shader(
  [{ name: 'x0' }, { name: 'x1' }, Y],
  `  let rank = P[1];
  var rest = i;
  var second = false;
  var o0 = 0u;
  var o1 = 0u;
  for (var ax = rank; ax > 0u; ax = ax - 1u) {
    let a = ax - 1u;
    let d = P[4u + a];
    var c = rest % d;
    rest = rest / d;
    if (a == P[2] && c >= P[3]) {
      second = true;
      c = c - P[3];
    }
    o0 = o0 + c * P[4u + rank + a];
    o1 = o1 + c * P[4u + 2u * rank + a];
  }
  if (second) {
    y[i] = x1[o1];
  } else {
    y[i] = x0[o0];
  }`,
);

export const concatKernel: KernelFunc<ConcatAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const y = g.createBuffer(out.size);
  if (inputs.length === 2) {
    const [a, b] = inputs as [(typeof inputs)[0], (typeof inputs)[0]];
    const params = [out.shape.length, attrs.axis, a.shape[attrs.axis]!, ...out.shape, ...rowMajorStrides(a.shape), ...rowMajorStrides(b.shape)];
    g.run(CONCAT2_SRC, [gpuBuffer(a), gpuBuffer(b), y], params, out.size);
    return y;
  }
  const outStrides = rowMajorStrides(out.shape);
  let offset = 0;
  for (const t of inputs) {
    const base = offset * outStrides[attrs.axis]!;
    g.run(SCATTER_SRC, [gpuBuffer(t), y], [t.shape.length, base, ...t.shape, ...outStrides], t.size);
    offset += t.shape[attrs.axis]!;
  }
  return y;
};
