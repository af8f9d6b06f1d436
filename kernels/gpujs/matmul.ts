/** gpu.js kernels (engine/NUMERICS.md §16.2). Being written. */
import type { KernelFunc } from '../../engine/kernel_registry.js';

export const MATMUL_KERNELS: Readonly<Record<string, KernelFunc>> = {};
