/** gpu.js kernels (engine/NUMERICS.md §16.2). Being written. */
import type { KernelFunc } from '../../engine/kernel_registry.js';

export const LAYOUT_KERNELS: Readonly<Record<string, KernelFunc>> = {};
