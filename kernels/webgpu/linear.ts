/// <reference types="@webgpu/types" />
/**
 * webgpu Linear (engine/NUMERICS.md §5.1): the matmul kernels of matmul.ts with requantize (§4)
 * as their epilogue, so each output is rescaled and saturated as it is stored. One dispatch per
 * projection instead of two, and the int32 product never reaches memory.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { LinearAttrs } from '../../engine/ops/linear.js';
import { asWebGpu } from './backend.js';
import { runMatmul } from './matmul.js';
import { scaleBuffer } from './requantize.js';

export const linearKernel: KernelFunc<LinearAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = asWebGpu(backend);
  const scales = scaleBuffer(g, attrs.requantize);
  const y = runMatmul(g, inputs, attrs.matmul, out.size, { dtype: out.dtype, scales: scales.buffer, channels: attrs.requantize.multipliers.length });
  scales.done();
  return y;
};
