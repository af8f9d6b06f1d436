/** gpu.js kernels (engine/NUMERICS.md §16.2). Being written. */
import type { KernelFunc } from '../../engine/kernel_registry.js';

export const LUT_KERNELS: Readonly<Record<string, KernelFunc>> = {};
