/** Reference embedding gather and rotary embedding (engine/NUMERICS.md §11, §12). */
import { ROPE_BITS } from '../../engine/constants.js';
import { allocate, saturate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { GatherAttrs, RopeAttrs } from '../../engine/ops/gather.js';
import { hostData } from '../shared/host_storage.js';
import { requantizeScalar } from './fixed_point.js';

export const gatherKernel: KernelFunc<GatherAttrs> = ({ inputs, attrs, out }) => {
  const table = hostData(inputs[0]!);
  const c = out.shape[1]!;
  const y = allocate(out.dtype, out.size);
  attrs.ids.forEach((id, i) => y.set(table.subarray(id * c, id * c + c), i * c));
  return y;
};

export const ropeKernel: KernelFunc<RopeAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const cos = hostData(inputs[1]!);
  const sin = hostData(inputs[2]!);
  const [t, d] = out.shape.slice(-2) as [number, number];
  const half = d / 2;
  const y = allocate(out.dtype, out.size);
  // Rounding by 2^-14 is requantization with M = 1, n = 14: half away from zero.
  const round14 = (v: number) => saturate(requantizeScalar(v, 1, ROPE_BITS), out.dtype);
  for (let row = 0; row * d < x.length; row++) {
    const pos = attrs.offset + (row % t);
    for (let i = 0; i < half; i++) {
      const at = row * d + 2 * i;
      const c = cos[pos * half + i]!;
      const s = sin[pos * half + i]!;
      const x0 = x[at]!;
      const x1 = x[at + 1]!;
      y[at] = round14(x0 * c - x1 * s);
      y[at + 1] = round14(x0 * s + x1 * c);
    }
  }
  return y;
};
