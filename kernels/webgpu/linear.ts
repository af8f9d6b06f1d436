/// <reference types="@webgpu/types" />
/**
 * webgpu Linear (engine/NUMERICS.md §5.1): the matmul kernels of matmul.ts with requantize (§4)
 * and the residual add (§6.1) as their epilogue, so each output is rescaled, saturated and added
 * as it is stored. One dispatch per projection instead of two or three, and the int32 product
 * never reaches memory.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { LinearAttrs } from '../../engine/ops/linear.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { runMatmul } from './matmul.js';
import { scaleBuffer } from './requantize.js';

export const linearKernel: KernelFunc<LinearAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = asWebGpu(backend);
  const scales = scaleBuffer(g, attrs.requantize);
  const residual = attrs.hasResidual ? gpuBuffer(inputs[inputs.length - 1]!) : undefined;
  const epilogue = { dtype: out.dtype, scales: scales.buffer, channels: attrs.requantize.multipliers.length, residual };
  const y = runMatmul(g, inputs, attrs.matmul, out.size, epilogue);
  scales.done();
  return y;
};
