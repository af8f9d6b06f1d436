/// <reference types="@webgpu/types" />
/**
 * webgpu requantize (engine/NUMERICS.md §4, per-channel {M, n}; sign and magnitude by §16.1 W1,
 * R by W5), transliterated from kernels/cpu/requantize.ts.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';
import { REQUANTIZE_WGSL, saturateWgsl } from './wgsl/fixed_point.js';

const gpu = asWebGpu;

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const channels = attrs.multipliers.length;
  const ms = new Uint32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    ms[2 * c] = attrs.multipliers[c]!;
    ms[2 * c + 1] = attrs.shifts[c]!;
  }
  const msBuf = g.words(ms);
  const y = g.createBuffer(out.size);
  const src = shader(
    [X, { name: 'ms', type: 'u32' }, Y],
    `  let c = i % P[1];
  let r = requantizeScalar(x[i], ms[2u * c], ms[2u * c + 1u]);
  y[i] = satSigned(r.neg, r.mag);`,
    REQUANTIZE_WGSL + saturateWgsl(out.dtype),
  );
  g.run(src, [gpuBuffer(inputs[0]!), msBuf, y], [channels], out.size);
  g.release(msBuf);
  return y;
};
