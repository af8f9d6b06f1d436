/**
 * argmax (§13) and sample (§14) on the module's kernels (assembly/sample.ts). sample reads the
 * table EXP2_NEG_Q15 (engine/constants.ts), uploaded once per backend as 256 int32 (1 KiB), and
 * works in a scratch block of 8 bytes per vocabulary entry, freed when the call returns.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { SampleAttrs } from '../../engine/ops/sample.js';
import { addr, width, type WasmBackend } from './backend.js';
import { expTable } from './softmax.js';

export const argmaxKernel: KernelFunc = ({ backend, inputs, out }) => {
  const be = backend as WasmBackend;
  const x = inputs[0]!;
  const y = be.allocate(out.size * width(out.dtype));
  if (out.size > 0) be.wasm.argmax(addr(x), width(x.dtype), y.block.ptr, out.size, x.size / out.size);
  return y;
};

export const sampleKernel: KernelFunc<SampleAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const x = inputs[0]!;
  const table = expTable(be);
  const y = be.allocate(out.size * width(out.dtype));
  if (out.size === 0) return y;
  const v = x.size / out.size;
  const scratch = be.allocate(8 * v);
  try {
    be.wasm.sample(addr(x), y.block.ptr, out.size, v, attrs.multiplier, attrs.shift, attrs.seedLo, attrs.seedHi, attrs.stepLo, attrs.stepHi, attrs.topK, attrs.topP, table, scratch.block.ptr);
  } finally {
    be.dispose(scratch);
  }
  return y;
};
