/**
 * Reference LayerNorm and RMSNorm (engine/NUMERICS.md §10). Σw and Σd² are held in doubles:
 * they stay below 2^29 and 2^47, where a double is exact.
 */
import { NORM_Z_BITS } from '../../engine/constants.js';
import { allocate, saturate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { NormAttrs } from '../../engine/ops/norm.js';
import { hostData } from '../shared/host_storage.js';
import { divRoundHalfAway, isqrt, requantizeScalar } from './fixed_point.js';

export const normKernel: KernelFunc<NormAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const gamma = hostData(inputs[1]!);
  const beta = attrs.hasBeta ? hostData(inputs[2]!) : undefined;
  const widen = inputs[0]!.dtype === 'int8' ? 256 : 1;
  const c = gamma.length;
  const y = allocate(out.dtype, out.size);
  const d = new Float64Array(c);
  for (let start = 0; start < x.length; start += c) {
    let mean = 0;
    if (attrs.subtractMean) {
      let sum = 0;
      for (let i = 0; i < c; i++) sum += x[start + i]! * widen;
      mean = divRoundHalfAway(sum, c);
    }
    let q = attrs.eps;
    for (let i = 0; i < c; i++) {
      d[i] = x[start + i]! * widen - mean;
      q += d[i]! * d[i]!;
    }
    const r = isqrt(q);
    for (let i = 0; i < c; i++) {
      const z = r === 0 ? 0 : divRoundHalfAway(d[i]! * 2 ** NORM_Z_BITS, r);
      const acc = (z * gamma[i]! + (beta ? beta[i]! : 0)) | 0; // wrap32; exact below 2^53 first
      y[start + i] = saturate(requantizeScalar(acc, attrs.multiplier, attrs.shift), out.dtype);
    }
  }
  return y;
};
