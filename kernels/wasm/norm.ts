/** LayerNorm and RMSNorm (§10) on the module's kernel (assembly/norm.ts). */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { NormAttrs } from '../../engine/ops/norm.js';
import type { Tensor } from '../../engine/tensor.js';
import { addr, width, type WasmBackend } from './backend.js';

export const normKernel: KernelFunc<NormAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const [x, gamma] = inputs as [Tensor, Tensor];
  const beta = attrs.hasBeta ? addr(inputs[2]!) : 0;
  const c = gamma.size;
  const y = be.allocate(out.size * width(out.dtype));
  if (out.size > 0) {
    be.wasm.norm(addr(x), width(x.dtype), addr(gamma), beta, y.block.ptr, width(out.dtype), out.size / c, c, attrs.eps, attrs.multiplier, attrs.shift, attrs.subtractMean ? 1 : 0);
  }
  return y;
};
