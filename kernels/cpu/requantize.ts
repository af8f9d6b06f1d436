/** Reference requantize (engine/NUMERICS.md §4). */
import { allocate, saturate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { hostData } from '../shared/host_storage.js';
import { requantizeScalar } from './fixed_point.js';

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const { multipliers, shifts } = attrs;
  const channels = multipliers.length;
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) {
    const c = channels === 1 ? 0 : i % channels;
    y[i] = saturate(requantizeScalar(x[i]!, multipliers[c]!, shifts[c]!), out.dtype);
  }
  return y;
};
