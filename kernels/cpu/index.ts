/**
 * The cpu backend: the living definition of engine/NUMERICS.md. Importing this module registers
 * the backend and its KernelTable, one line per kernel of the op table (engine/ops/op_table.ts),
 * after tfjs-core's register_all_kernels.ts.
 */
import { registerBackend } from '../../engine/backend.js';
import { registerKernels } from '../../engine/kernel_registry.js';
import type { KernelTable } from '../../engine/ops/op_table.js';
import { CpuBackend } from './backend.js';
import { addKernel, castKernel, isqrtKernel, mulKernel, reluKernel } from './elementwise.js';
import { gatherKernel, ropeKernel } from './gather.js';
import { concatKernel, sliceKernel, transposeKernel } from './layout.js';
import { lutKernel } from './lut.js';
import { matmulKernel } from './matmul.js';
import { normKernel } from './norm.js';
import { requantizeKernel } from './requantize.js';
import { linearByParts } from '../shared/linear_by_parts.js';
import { argmaxKernel, sampleKernel } from './sample.js';
import { causalMaskKernel, expNegKernel, softmaxKernel } from './softmax.js';

export const CPU_KERNELS: KernelTable = {
  MatMul: matmulKernel,
  Requantize: requantizeKernel,
  Linear: linearByParts(matmulKernel, requantizeKernel, addKernel),
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

registerBackend('cpu', () => new CpuBackend());
registerKernels('cpu', CPU_KERNELS);

export { CpuBackend };
