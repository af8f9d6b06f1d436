/**
 * The webgpu backend (engine/NUMERICS.md §0, §16): WGSL kernels on a WebGPU device. Importing
 * this module registers the backend as 'webgpu' and each implemented kernel. Starting it throws a
 * BackendError when no WebGPU adapter is available; there is no fallback to another backend.
 */
import { registerBackend } from '../../engine/backend.js';
import { registerKernels } from '../../engine/kernel_registry.js';
import type { KernelTable } from '../../engine/ops/op_table.js';
import { WebGpuBackend } from './backend.js';
import { createWebGpuDevice } from './device.js';
import {
  addKernel,
  castKernel,
  concatKernel,
  gatherKernel,
  lutKernel,
  matmulKernel,
  mulKernel,
  reluKernel,
  requantizeKernel,
  sliceKernel,
  transposeKernel,
} from './kernels.js';
import { normKernel, ropeKernel } from './norm.js';
import { sampleKernel } from './sample.js';
import { argmaxKernel, causalMaskKernel, expNegKernel, isqrtKernel, softmaxKernel } from './rows.js';

export const WEBGPU_KERNELS: KernelTable = {
  Relu: reluKernel,
  Cast: castKernel,
  Add: addKernel,
  Mul: mulKernel,
  Requantize: requantizeKernel,
  MatMul: matmulKernel,
  Transpose: transposeKernel,
  Slice: sliceKernel,
  Concat: concatKernel,
  Gather: gatherKernel,
  Lut: lutKernel,
  Isqrt: isqrtKernel,
  ExpNeg: expNegKernel,
  CausalMask: causalMaskKernel,
  Argmax: argmaxKernel,
  Softmax: softmaxKernel,
  LayerNorm: normKernel,
  RmsNorm: normKernel,
  Rope: ropeKernel,
  Sample: sampleKernel,
};

registerBackend('webgpu', async () => new WebGpuBackend(await createWebGpuDevice()));
registerKernels('webgpu', WEBGPU_KERNELS);

export { WebGpuBackend, createWebGpuDevice };
