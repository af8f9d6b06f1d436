/** Reference table lookup (engine/NUMERICS.md §7). */
import { allocate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { hostData } from '../shared/host_storage.js';

export const lutKernel: KernelFunc = ({ inputs, out }) => {
  const x = hostData(inputs[0]!);
  const table = hostData(inputs[1]!);
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) y[i] = table[x[i]! + 128]!;
  return y;
};
