/** Reference table lookup (engine/NUMERICS.md §7). */
import { allocate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { cpuData } from './storage.js';

export const lutKernel: KernelFunc = ({ inputs, out }) => {
  const x = cpuData(inputs[0]!);
  const table = cpuData(inputs[1]!);
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) y[i] = table[x[i]! + 128]!;
  return y;
};
