/**
 * Kernel registry: one table of kernels keyed by backend and op name (after tfjs-core's
 * kernel_registry.ts). Registering the same (backend, op) twice throws, so two folders can
 * never silently fight over an op.
 */
import type { Backend } from './backend.js';
import type { DType } from './dtype.js';
import { BackendError, NoKernelError } from './errors.js';
import type { KernelName, KernelTable } from './ops/op_table.js';
import type { Tensor } from './tensor.js';

/** What the op layer has already worked out and checked before it calls a kernel. */
export interface KernelOutput {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
}

/**
 * A kernel computes one op on validated inputs and returns the storage of its output. Shapes,
 * dtypes and parameters were checked by the op (engine/ops), so kernels only compute.
 */
export type KernelFunc<A = unknown> = (args: {
  backend: Backend;
  inputs: readonly Tensor[];
  attrs: A;
  out: KernelOutput;
}) => unknown;

export interface KernelConfig<A = unknown> {
  kernelName: string;
  backendName: string;
  kernelFunc: KernelFunc<A>;
}

// backend name → kernel name → config. Nested maps, so no pair of names can collide.
const kernels = new Map<string, Map<string, KernelConfig>>();

export function registerKernel<A>(config: KernelConfig<A>): void {
  let table = kernels.get(config.backendName);
  if (!table) kernels.set(config.backendName, (table = new Map()));
  if (table.has(config.kernelName)) {
    throw new BackendError('registerKernel', `kernel '${config.kernelName}' is already registered for backend '${config.backendName}'`);
  }
  table.set(config.kernelName, config as KernelConfig);
}

/** Register a backend's whole table (engine/ops/op_table.ts): the one way backends register. */
export function registerKernels(backendName: string, table: KernelTable): void {
  for (const kernelName of Object.keys(table) as KernelName[]) {
    registerKernel({ kernelName, backendName, kernelFunc: table[kernelName] as KernelFunc });
  }
}

export function getKernel(backendName: string, kernelName: string): KernelConfig {
  const config = kernels.get(backendName)?.get(kernelName);
  if (!config) throw new NoKernelError(kernelName, backendName);
  return config;
}

/** Op names registered for a backend, sorted. */
export function listKernels(backendName: string): string[] {
  return [...(kernels.get(backendName)?.keys() ?? [])].sort();
}
