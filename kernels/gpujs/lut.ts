/**
 * gpu.js table lookup (engine/NUMERICS.md §7, §16.2 "lut"): y[i] = table[x[i] + 128].
 *
 * The 256-entry table travels as one float plane next to x; every value (index and entry) is an
 * int16 or smaller, so the kernel is exact on any float32 mode.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { gpujs, type KernelSource } from './backend.js';

// Bound: indices in [0, 255], values within ±2^15.
const LUT: KernelSource = {
  name: 'lut',
  source: `function (x, table) {
  return table[x[this.thread.x] + 128];
}`,
};

export const lutKernel: KernelFunc = ({ backend, inputs, out }) => {
  const g = gpujs(backend);
  const y = g.dispatch(LUT, out.size, [g.plane(inputs[0]!), g.plane(inputs[1]!)]);
  return g.result('lut', y, out.dtype, out.size);
};

