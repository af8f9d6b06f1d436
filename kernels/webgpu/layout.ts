/// <reference types="@webgpu/types" />
/**
 * webgpu data movement (engine/NUMERICS.md §15): transpose, slice and concat as strided copies,
 * transliterated from kernels/cpu/layout.ts.
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

export const concatKernel: KernelFunc<ConcatAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const outStrides = rowMajorStrides(out.shape);
  const y = g.createBuffer(out.size);
  let offset = 0;
  for (const t of inputs) {
    const base = offset * outStrides[attrs.axis]!;
    g.run(SCATTER_SRC, [gpuBuffer(t), y], [t.shape.length, base, ...t.shape, ...outStrides], t.size);
    offset += t.shape[attrs.axis]!;
  }
  return y;
};
