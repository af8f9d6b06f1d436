/** gather (§11) as row copies within linear memory, and rope (§12) on the module's kernel (assembly/layout.ts). */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { GatherAttrs, RopeAttrs } from '../../engine/ops/gather.js';
import type { Tensor } from '../../engine/tensor.js';
import { addr, width, type WasmBackend } from './backend.js';

export const gatherKernel: KernelFunc<GatherAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const table = inputs[0]!;
  const row = out.shape[1]! * width(out.dtype);
  const y = be.allocate(out.size * width(out.dtype));
  const mem = new Uint8Array(be.wasm.memory.buffer);
  attrs.ids.forEach((id, i) => mem.copyWithin(y.block.ptr + i * row, addr(table) + id * row, addr(table) + id * row + row));
  return y;
};

export const ropeKernel: KernelFunc<RopeAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const [x, cos, sin] = inputs as [Tensor, Tensor, Tensor];
  const [t, d] = out.shape.slice(-2) as [number, number];
  const y = be.allocate(out.size * width(out.dtype));
  be.wasm.rope(addr(x), width(x.dtype), addr(cos), addr(sin), y.block.ptr, d === 0 ? 0 : out.size / d, t, d, attrs.offset);
  return y;
};
