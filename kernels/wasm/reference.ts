/**
 * Ops not yet ported to the module run the cpu reference kernel (kernels/cpu, the definition of
 * engine/NUMERICS.md) directly on views of linear memory: no copy of the inputs, one copy of the
 * output into a new block. WASM_OPS in index.ts says which ops these are.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { Tensor } from '../../engine/tensor.js';
import { type WasmBackend, type WasmStorage } from './backend.js';

export function onViews<A>(cpuKernel: KernelFunc<A>): KernelFunc<A> {
  return ({ backend, inputs, attrs, out }) => {
    const be = backend as WasmBackend;
    const views = inputs.map((t) => ({ shape: t.shape, dtype: t.dtype, size: t.size, storage: be.view(t.storage as WasmStorage, t.dtype, t.size) }) as unknown as Tensor);
    const result = cpuKernel({ backend, inputs: views, attrs, out }) as Int8Array | Int16Array | Int32Array;
    return be.upload(out.dtype, result);
  };
}
