/**
 * The wasm backend: integer kernels in WebAssembly with 128-bit SIMD, built from
 * kernels/wasm/assembly by AssemblyScript (build.ts), exact by the arguments in each kernel's
 * header and engine/NUMERICS.md. Importing this module registers 'wasm'; starting it throws a
 * BackendError where WebAssembly SIMD is unavailable.
 */
import { registerBackend } from '../../engine/backend.js';
import { registerKernels } from '../../engine/kernel_registry.js';
import type { KernelTable } from '../../engine/ops/op_table.js';
import { WasmBackend } from './backend.js';
import { addKernel, castKernel, isqrtKernel, lutKernel, mulKernel, reluKernel, requantizeKernel } from './elementwise.js';
import { concatKernel, gatherKernel, ropeKernel, sliceKernel, transposeKernel } from './layout.js';
import { matmulKernel } from './matmul.js';
import { instantiateSpml } from './module.js';
import { normKernel } from './norm.js';
import { argmaxKernel, sampleKernel } from './sample.js';
import { causalMaskKernel, expNegKernel, softmaxKernel } from './softmax.js';

export const WASM_KERNELS: KernelTable = {
  MatMul: matmulKernel,
  Requantize: requantizeKernel,
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

registerBackend('wasm', async () => new WasmBackend(await instantiateSpml()));
registerKernels('wasm', WASM_KERNELS);

export { WasmBackend };
