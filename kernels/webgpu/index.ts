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
import { addKernel, castKernel, isqrtKernel, mulKernel, reluKernel } from './elementwise.js';
import { gatherKernel, ropeKernel } from './gather.js';
import { concatKernel, sliceKernel, transposeKernel } from './layout.js';
import { lutKernel } from './lut.js';
import { linearKernel } from './linear.js';
import { matmulKernel } from './matmul.js';
import { normKernel } from './norm.js';
import { requantizeKernel } from './requantize.js';
import { argmaxKernel, sampleKernel } from './sample.js';
import { causalMaskKernel, expNegKernel, softmaxKernel } from './softmax.js';

export const WEBGPU_KERNELS: KernelTable = {
  MatMul: matmulKernel,
  Requantize: requantizeKernel,
  Linear: linearKernel,
  Cast: castKernel,
  Add: addKernel,
  Mul: mulKernel,
  Relu: reluKernel,
  Isqrt: isqrtKernel,
  Lut: lutKernel,
  ExpNeg: expNegKernel,
  Softmax: softmaxKernel,
  CausalMask: causalMaskKernel,
  LayerNorm: normKernel,
  RmsNorm: normKernel,
  Gather: gatherKernel,
  Rope: ropeKernel,
  Argmax: argmaxKernel,
  Sample: sampleKernel,
  Transpose: transposeKernel,
  Slice: sliceKernel,
  Concat: concatKernel,
};

registerBackend('webgpu', async () => new WebGpuBackend(await createWebGpuDevice()));
registerKernels('webgpu', WEBGPU_KERNELS);

export { WebGpuBackend, createWebGpuDevice };
