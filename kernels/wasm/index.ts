/**
 * The wasm backend: integer kernels in WebAssembly with 128-bit SIMD, built from
 * kernels/wasm/assembly by AssemblyScript (build.ts), exact by the arguments in each kernel's
 * header and engine/NUMERICS.md. Importing this module registers 'wasm'; starting it throws a
 * BackendError where WebAssembly SIMD is unavailable. 'wasm' runs matmul on
 * min(cores, 4) threads (SPML_WASM_THREADS in Node overrides), bit-identical to one thread
 * (threads.ts); where shared memory is unavailable (a browser page that is not cross-origin
 * isolated) it runs on one thread and its description says so.
 */
import { registerBackend } from '../../engine/backend.js';
import { BackendError } from '../../engine/errors.js';
import { registerKernels } from '../../engine/kernel_registry.js';
import type { KernelTable } from '../../engine/ops/op_table.js';
import { WasmBackend } from './backend.js';
import { addKernel, castKernel, isqrtKernel, mulKernel, reluKernel } from './elementwise.js';
import { gatherKernel, ropeKernel } from './gather.js';
import { concatKernel, sliceKernel, transposeKernel } from './layout.js';
import { lutKernel } from './lut.js';
import { matmulKernel } from './matmul.js';
import { compileSpml, SHARED_MEMORY_PAGES, sharedMemoryUnavailable } from './module.js';
import { normKernel } from './norm.js';
import { requantizeKernel } from './requantize.js';
import { linearByParts } from '../shared/linear_by_parts.js';
import { argmaxKernel, sampleKernel } from './sample.js';
import { causalMaskKernel, expNegKernel, softmaxKernel } from './softmax.js';
import { defaultThreadCount, WasmThreadPool } from './threads.js';

export const WASM_KERNELS: KernelTable = {
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

export interface CreateWasmBackendOptions {
  /** Threads for matmul, the calling one included (default: defaultThreadCount()). */
  threads?: number;
  /** The name it is registered under (default 'wasm'); its kernels must be registered for it. */
  name?: string;
}

/**
 * A wasm backend on `threads` threads: one, the module with its own memory; more, the threaded
 * module on a shared memory and threads − 1 workers (all started before this resolves). Where
 * shared memory is unavailable it runs on one thread and says why in its description.
 */
export async function createWasmBackend(options: CreateWasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = options.threads ?? (await defaultThreadCount());
  if (!Number.isInteger(threads) || threads < 1) throw new BackendError('wasm', `threads must be a positive integer, not ${threads}`);
  const name = options.name ?? 'wasm';
  const unavailable = threads > 1 ? sharedMemoryUnavailable() : undefined;
  if (threads === 1 || unavailable) {
    return new WasmBackend((await compileSpml()).exports, { name, singleThreadReason: unavailable && 'shared memory unavailable' });
  }
  const memory = new WebAssembly.Memory({ ...SHARED_MEMORY_PAGES, shared: true });
  const { module, exports } = await compileSpml(memory);
  const pool = await WasmThreadPool.start(module, memory, threads - 1);
  return new WasmBackend(exports, { name, pool });
}

registerBackend('wasm', () => createWasmBackend());
registerKernels('wasm', WASM_KERNELS);

export { WasmBackend };
