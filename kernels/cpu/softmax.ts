/** Reference integer exp, softmax and causal mask (engine/NUMERICS.md §8, §9). */
import { MASKED, SOFTMAX_OUT_BITS } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ScaleAttrs } from '../../engine/ops/softmax.js';
import { hostData } from '../shared/host_storage.js';
import { divRoundHalfUp, expNegQ15 } from './fixed_point.js';

export const expNegKernel: KernelFunc<ScaleAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const y = new Int32Array(out.size);
  for (let i = 0; i < x.length; i++) y[i] = expNegQ15(x[i]! < 0 ? -x[i]! : 0, attrs.multiplier, attrs.shift);
  return y;
};

/**
 * Unnormalized exp weights of one row into `e`: E(max - x_i), 0 for masked entries.
 * Returns their sum (at most len·2^15), or 0 when every entry is masked.
 */
export function expRow(x: ArrayLike<number>, start: number, len: number, m: number, n: number, e: Float64Array | Int32Array): number {
  let max = MASKED;
  for (let j = 0; j < len; j++) if (x[start + j]! > max) max = x[start + j]!;
  if (max === MASKED) {
    e.fill(0, 0, len);
    return 0;
  }
  let sum = 0;
  for (let j = 0; j < len; j++) {
    const v = x[start + j]!;
    // max - v < 2^32: exact, and mulShiftRound takes any unsigned 32-bit difference.
    e[j] = v === MASKED ? 0 : expNegQ15(max - v, m, n);
    sum += e[j]!;
  }
  return sum;
}

export const softmaxKernel: KernelFunc<ScaleAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const len = out.shape[out.shape.length - 1]!;
  const y = new Int16Array(out.size);
  const e = new Int32Array(len);
  for (let start = 0; start < x.length; start += len) {
    const sum = expRow(x, start, len, attrs.multiplier, attrs.shift, e);
    if (sum === 0) continue;
    for (let j = 0; j < len; j++) y[start + j] = divRoundHalfUp(e[j]! << SOFTMAX_OUT_BITS, sum);
  }
  return y;
};

export const causalMaskKernel: KernelFunc<{ offset: number }> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const [t, s] = out.shape.slice(-2) as [number, number];
  const y = Int32Array.from(x);
  for (let base = 0; base < y.length; base += t * s) {
    for (let i = 0; i < t; i++) {
      for (let j = i + attrs.offset + 1; j < s; j++) y[base + i * s + j] = MASKED;
    }
  }
  return y;
};
