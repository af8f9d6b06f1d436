/**
 * The gpu.js backends (engine/NUMERICS.md §0, §16): float32 kernels that are exact because no
 * intermediate ever leaves ±2^24. Importing this module registers 'gpujs-headlessgl' and
 * 'gpujs-webasm' in Node ('gpujs-webgl2' and 'gpujs-webasm' in a browser) with every kernel.
 * Starting one throws a BackendError when its mode cannot run here; gpu.js's own silent
 * fallback to another mode is turned into that error too.
 */
import { registerBackend } from '../../engine/backend.js';
import { registerKernels } from '../../engine/kernel_registry.js';
import type { KernelTable } from '../../engine/ops/op_table.js';
import { GpujsBackend } from './backend.js';
import { addKernel, castKernel, isqrtKernel, mulKernel, reluKernel } from './elementwise.js';
import { gatherKernel, ropeKernel } from './gather.js';
import { concatKernel, sliceKernel, transposeKernel } from './layout.js';
import { linearKernel } from './linear.js';
import { lutKernel } from './lut.js';
import { matmulKernel } from './matmul.js';
import { normKernel } from './norm.js';
import { requantizeKernel } from './requantize.js';
import { startGpujs, type GpujsMode } from './runtime.js';
import { argmaxKernel, sampleKernel } from './sample.js';
import { causalMaskKernel, expNegKernel, softmaxKernel } from './softmax.js';

export const GPUJS_KERNELS: KernelTable = {
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

const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** The modes this runtime registers: the GL one of its kind, then WebAssembly. */
export const GPUJS_MODES: readonly GpujsMode[] = inNode ? ['headlessgl', 'webasm'] : ['webgl2', 'webasm'];

for (const mode of GPUJS_MODES) {
  const name = `gpujs-${mode}`;
  registerBackend(name, async () => new GpujsBackend(mode, await startGpujs(mode)));
  registerKernels(name, GPUJS_KERNELS);
}

export { GpujsBackend, startGpujs };
export type { GpujsMode };
