/** add, mul, relu, cast and isqrt (§6) on the module's kernels (assembly/elementwise.ts). */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { Tensor } from '../../engine/tensor.js';
import { addr, width, type WasmBackend } from './backend.js';

const binary =
  (op: number): KernelFunc =>
  ({ backend, inputs, out }) => {
    const be = backend as WasmBackend;
    const [a, b] = inputs as [Tensor, Tensor];
    const y = be.allocate(out.size * width(out.dtype));
    be.wasm.binary(op, addr(a), addr(b), width(a.dtype), y.block.ptr, width(out.dtype), out.size, b.size);
    return y;
  };

const unary =
  (op: number): KernelFunc =>
  ({ backend, inputs, out }) => {
    const be = backend as WasmBackend;
    const x = inputs[0]!;
    const y = be.allocate(out.size * width(out.dtype));
    be.wasm.unary(op, addr(x), width(x.dtype), y.block.ptr, width(out.dtype), out.size);
    return y;
  };

export const addKernel = binary(0);
export const mulKernel = binary(1);
export const reluKernel = unary(0);
export const castKernel = unary(1);
export const isqrtKernel = unary(2);

