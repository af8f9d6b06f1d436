/** transpose, slice and concat (§15) as one strided copy in the module (assembly/layout.ts). */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from '../../engine/ops/layout.js';
import { rowMajorStrides } from '../../engine/tensor.js';
import { addr, width, withWords, type WasmBackend } from './backend.js';

/** Copy a block of `shape` from src (element strides `from`) to dst (strides `to`). */
function copyBlock(be: WasmBackend, src: number, dst: number, bytes: number, shape: readonly number[], from: readonly number[], to: readonly number[]): void {
  if (shape.length === 0) {
    new Uint8Array(be.wasm.memory.buffer).copyWithin(dst, src, src + bytes);
    return;
  }
  withWords(be, Int32Array.from([...shape, ...from, ...to]), (dims) => be.wasm.stridedCopy(src, dst, bytes, shape.length, dims));
}

export const transposeKernel: KernelFunc<TransposeAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const x = inputs[0]!;
  const bytes = width(x.dtype);
  const y = be.allocate(out.size * bytes);
  const inStrides = rowMajorStrides(x.shape);
  copyBlock(be, addr(x), y.block.ptr, bytes, out.shape, attrs.perm.map((p) => inStrides[p]!), rowMajorStrides(out.shape));
  return y;
};

export const sliceKernel: KernelFunc<SliceAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const x = inputs[0]!;
  const bytes = width(x.dtype);
  const y = be.allocate(out.size * bytes);
  const inStrides = rowMajorStrides(x.shape);
  const start = attrs.begin.reduce((s, b, ax) => s + b * inStrides[ax]!, 0);
  copyBlock(be, addr(x) + start * bytes, y.block.ptr, bytes, out.shape, inStrides, rowMajorStrides(out.shape));
  return y;
};

export const concatKernel: KernelFunc<ConcatAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const bytes = width(out.dtype);
  const y = be.allocate(out.size * bytes);
  const outStrides = rowMajorStrides(out.shape);
  let offset = 0;
  for (const t of inputs) {
    if (t.size > 0) copyBlock(be, addr(t), y.block.ptr + offset * outStrides[attrs.axis]! * bytes, bytes, t.shape, rowMajorStrides(t.shape), outStrides);
    offset += t.shape[attrs.axis]!;
  }
  return y;
};

