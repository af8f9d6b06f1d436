/** lut (§7) on the module's kernel (assembly/elementwise.ts): one load per element. */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { Tensor } from '../../engine/tensor.js';
import { addr, width, type WasmBackend } from './backend.js';

export const lutKernel: KernelFunc = ({ backend, inputs, out }) => {
  const be = backend as WasmBackend;
  const [x, table] = inputs as [Tensor, Tensor];
  const y = be.allocate(out.size * width(out.dtype));
  be.wasm.lut(addr(x), addr(table), y.block.ptr, width(out.dtype), out.size);
  return y;
};
