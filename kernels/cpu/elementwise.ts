/** Reference elementwise kernels: add, mul, relu, cast and isqrt (engine/NUMERICS.md §6). */
import { allocate, saturate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { hostData } from '../shared/host_storage.js';
import { isqrt, umul32 } from './fixed_point.js';

const TWO_31 = 2147483648;

/** Exact a·b saturated to ±2^31 magnitude: a double holds it exactly below 2^53 only. */
function productCapped(a: number, b: number): number {
  const negative = a < 0 !== b < 0;
  const [hi, lo] = umul32(Math.abs(a), Math.abs(b));
  const magnitude = hi !== 0 || lo > TWO_31 ? TWO_31 + 1 : lo; // > 2^31 saturates every dtype
  return negative ? -magnitude : magnitude;
}

function binary(op: (a: number, b: number) => number): KernelFunc {
  return ({ inputs, out }) => {
    const a = hostData(inputs[0]!);
    const b = hostData(inputs[1]!);
    const y = allocate(out.dtype, out.size);
    const period = b.length;
    for (let i = 0; i < a.length; i++) y[i] = saturate(op(a[i]!, b[i % period]!), out.dtype);
    return y;
  };
}

// Sums of two int32 are below 2^32 in magnitude: exact in a double.
export const addKernel = binary((a, b) => a + b);
export const mulKernel = binary(productCapped);

export const reluKernel: KernelFunc = ({ inputs, out }) => {
  const x = hostData(inputs[0]!);
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) y[i] = x[i]! > 0 ? x[i]! : 0;
  return y;
};

export const castKernel: KernelFunc = ({ inputs, out }) => {
  const x = hostData(inputs[0]!);
  const y = allocate(out.dtype, out.size);
  for (let i = 0; i < x.length; i++) y[i] = saturate(x[i]!, out.dtype);
  return y;
};

export const isqrtKernel: KernelFunc = ({ inputs, out }) => {
  const x = hostData(inputs[0]!);
  const y = new Int32Array(out.size);
  for (let i = 0; i < x.length; i++) y[i] = isqrt(x[i]!);
  return y;
};
