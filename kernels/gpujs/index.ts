/**
 * The gpu.js backends (engine/NUMERICS.md §0, §16): float32 kernels that are exact because no
 * intermediate ever leaves ±2^24. Importing this module registers 'gpujs-headlessgl' and
 * 'gpujs-webasm' in Node ('gpujs-webgl2' and 'gpujs-webasm' in a browser) with every kernel.
 * Starting one throws a BackendError when its mode cannot run here; gpu.js's own silent
 * fallback to another mode is turned into that error too.
 */
import { registerBackend } from '../../engine/backend.js';
import { registerKernel, type KernelFunc } from '../../engine/kernel_registry.js';
import { GpujsBackend } from './backend.js';
import { ELEMENTWISE_KERNELS } from './elementwise.js';
import { GATHER_KERNELS } from './gather.js';
import { LAYOUT_KERNELS } from './layout.js';
import { LUT_KERNELS } from './lut.js';
import { MATMUL_KERNELS } from './matmul.js';
import { NORM_KERNELS } from './norm.js';
import { REQUANTIZE_KERNELS } from './requantize.js';
import { ROPE_KERNELS } from './rope.js';
import { ROWS_KERNELS } from './rows.js';
import { SAMPLE_KERNELS } from './sample.js';
import { startGpujs, type GpujsMode } from './runtime.js';

// One map per kernel file, so each file owns the kernels it registers.
export const GPUJS_KERNELS: Readonly<Record<string, KernelFunc>> = {
  ...ELEMENTWISE_KERNELS,
  ...REQUANTIZE_KERNELS,
  ...MATMUL_KERNELS,
  ...LAYOUT_KERNELS,
  ...GATHER_KERNELS,
  ...LUT_KERNELS,
  ...ROWS_KERNELS,
  ...SAMPLE_KERNELS,
  ...NORM_KERNELS,
  ...ROPE_KERNELS,
};

const inNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/** The modes this runtime registers: the GL one of its kind, then WebAssembly. */
export const GPUJS_MODES: readonly GpujsMode[] = inNode ? ['headlessgl', 'webasm'] : ['webgl2', 'webasm'];

for (const mode of GPUJS_MODES) {
  const name = `gpujs-${mode}`;
  registerBackend(name, async () => new GpujsBackend(mode, await startGpujs(mode)));
  for (const [kernelName, kernelFunc] of Object.entries(GPUJS_KERNELS)) {
    registerKernel({ kernelName, backendName: name, kernelFunc });
  }
}

export { GpujsBackend, startGpujs };
export type { GpujsMode };
