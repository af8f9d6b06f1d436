/// <reference types="@webgpu/types" />
/**
 * webgpu table lookup (engine/NUMERICS.md §7): y[i] = t[x[i] + 128], transliterated from
 * kernels/cpu/lut.ts.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';

const gpu = asWebGpu;

const LUT_SRC = shader([X, { name: 't' }, Y], '  y[i] = t[u32(x[i] + 128)];');

export const lutKernel: KernelFunc = ({ backend, inputs, out }) => {
  const b = gpu(backend);
  const y = b.createBuffer(out.size);
  b.run(LUT_SRC, [gpuBuffer(inputs[0]!), gpuBuffer(inputs[1]!), y], [], out.size);
  return y;
};
