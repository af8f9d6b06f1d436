/**
 * expNeg, softmax (§9) and causalMask (§8) on the module's kernels (assembly/softmax.ts). The
 * table EXP2_NEG_Q15 (engine/constants.ts) is uploaded once per backend, as 256 int32 that stay
 * in linear memory for the backend's life (1 KiB).
 */
import { EXP2_NEG_Q15 } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { CausalMaskAttrs, ScaleAttrs } from '../../engine/ops/softmax.js';
import { addr, width, type WasmBackend, type WasmStorage } from './backend.js';

const tables = new WeakMap<WasmBackend, WasmStorage>();

/** The address of the backend's copy of EXP2_NEG_Q15 (also sample.ts's). */
export function expTable(be: WasmBackend): number {
  let t = tables.get(be);
  if (t === undefined) {
    t = be.upload('int32', Int32Array.from(EXP2_NEG_Q15));
    tables.set(be, t);
  }
  return t.block.ptr;
}

export const expNegKernel: KernelFunc<ScaleAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const table = expTable(be);
  const y = be.allocate(out.size * width(out.dtype));
  be.wasm.expNeg(addr(inputs[0]!), y.block.ptr, out.size, attrs.multiplier, attrs.shift, table);
  return y;
};

export const softmaxKernel: KernelFunc<ScaleAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const table = expTable(be);
  const y = be.allocate(out.size * width(out.dtype));
  const len = out.shape[out.shape.length - 1]!;
  if (out.size > 0) be.wasm.softmax(addr(inputs[0]!), y.block.ptr, out.size / len, len, attrs.multiplier, attrs.shift, table);
  return y;
};

export const causalMaskKernel: KernelFunc<CausalMaskAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const y = be.allocate(out.size * width(out.dtype));
  const [t, s] = out.shape.slice(-2) as [number, number];
  if (out.size > 0) be.wasm.causalMask(addr(inputs[0]!), y.block.ptr, out.size / (t * s), t, s, attrs.offset);
  return y;
};
