/// <reference types="@webgpu/types" />
/**
 * webgpu data movement (engine/NUMERICS.md §15): transpose, slice and concat as strided copies,
 * transliterated from kernels/cpu/layout.ts; a concat of up to 8 tensors is one pass over the
 * output, and one of two rank-3 tensors along axis 1 (a cache plane and its new rows) grows the
 * plane in place (kv_rows.ts).
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from '../../engine/ops/layout.js';
import { rowMajorStrides } from '../../engine/tensor.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { appendRows } from './kv_rows.js';
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
 * Concat of up to `count` tensors in one pass over the output (a decoder's key/value cache and
 * the rows it appends, every step; a trace leaf's stacked planes). Every input has the output's
 * shape except along the axis, so output element i = (outer, c, inner), with `inner` the size of
 * the axes after the axis and c < L the axis coordinate, reads input k, the last whose start is
 * ≤ c, at (outer·L_k + c − start_k)·inner + inner. (An empty input shares its start with the next
 * one, which then wins.) P: n, inner, L, then start_k and L_k for each input.
 */
function concatSource(count: number): string {
  const reads = Array.from({ length: count }, (_, k) => `${k === 0 ? '' : ' else '}if (k == ${k}u) {
    y[i] = x${k}[off];
  }`).join('');
  return shader(
    [...Array.from({ length: count }, (_, k) => ({ name: `x${k}` })), Y],
    `  let inner = P[1];
  let len = P[2];
  let c = (i / inner) % len;
  let outer = i / (inner * len);
  var k = 0u;
  for (var j = 1u; j < ${count}u; j = j + 1u) {
    if (c >= P[3u + 2u * j]) {
      k = j;
    }
  }
  let off = (outer * P[4u + 2u * k] + c - P[3u + 2u * k]) * inner + i % inner;
  ${reads}`,
  );
}
const concatSources = new Map<number, string>();

/** Inputs one concat pass takes: the device's storage bindings, less the params and the output, at most 8. */
function concatWidth(g: ReturnType<typeof gpu>): number {
  return Math.max(1, Math.min(8, g.device.limits.maxStorageBuffersPerShaderStage - 2));
}

export const concatKernel: KernelFunc<ConcatAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  // A cache plane and the rows appended to it: grown in place (kv_rows.ts).
  if (inputs.length === 2 && attrs.axis === 1 && out.shape.length === 3) return appendRows(g, inputs[0]!, inputs[1]!, gpuBuffer);
  const y = g.createBuffer(out.size);
  if (inputs.length <= concatWidth(g)) {
    const inner = out.shape.slice(attrs.axis + 1).reduce((p, d) => p * d, 1);
    const params = [inner, out.shape[attrs.axis]!];
    let start = 0;
    for (const t of inputs) {
      params.push(start, t.shape[attrs.axis]!);
      start += t.shape[attrs.axis]!;
    }
    let src = concatSources.get(inputs.length);
    if (src === undefined) concatSources.set(inputs.length, (src = concatSource(inputs.length)));
    g.run(src, [...inputs.map(gpuBuffer), y], params, out.size);
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
