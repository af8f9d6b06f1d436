/** Reference requantize (engine/NUMERICS.md §4) and cast (§6.3). */
import { allocate, saturate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { requantizeScalar } from './fixed_point.js';
import { cpuData } from './storage.js';

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ inputs, attrs, out }) => {
  const x = cpuData(inputs[0]!);
  const { multipliers, shifts } = attrs;
  const channels = multipliers.length;
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) {
    const c = channels === 1 ? 0 : i % channels;
    y[i] = saturate(requantizeScalar(x[i]!, multipliers[c]!, shifts[c]!), out.dtype);
  }
  return y;
};

export const castKernel: KernelFunc = ({ inputs, out }) => {
  const x = cpuData(inputs[0]!);
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) y[i] = saturate(x[i]!, out.dtype);
  return y;
};
