/// <reference types="@webgpu/types" />
/**
 * webgpu requantize (engine/NUMERICS.md §4, per-channel {M, n}; sign and magnitude by §16.1 W1,
 * R by W5), transliterated from kernels/cpu/requantize.ts.
 *
 * A model's scale lists come back as the same attrs on every pass (`reused`, set by the op
 * layer): their GPU copy is uploaded once and kept with the attrs, instead of a buffer created,
 * written and destroyed per call. One-off scales still get a buffer of their own.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { DType } from '../../engine/dtype.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { asWebGpu, gpuBuffer, type WebGpuBackend } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';
import { REQUANTIZE_WGSL, saturateWgsl } from './wgsl/fixed_point.js';

const gpu = asWebGpu;

/** The kernel per output dtype, built once. */
const sources = new Map<DType, string>();
function source(dtype: DType): string {
  let src = sources.get(dtype);
  if (src === undefined) {
    src = shader(
      [X, { name: 'ms', type: 'u32' }, Y],
      `  let c = i % P[1];
  let r = requantizeScalar(x[i], ms[2u * c], ms[2u * c + 1u]);
  y[i] = satSigned(r.neg, r.mag);`,
      REQUANTIZE_WGSL + saturateWgsl(dtype),
    );
    sources.set(dtype, src);
  }
  return src;
}

/** (M, n) pairs as u32 words, as the kernel reads them. */
function scaleWords(attrs: RequantizeAttrs): Uint32Array {
  const channels = attrs.multipliers.length;
  const ms = new Uint32Array(2 * channels);
  for (let c = 0; c < channels; c++) {
    ms[2 * c] = attrs.multipliers[c]!;
    ms[2 * c + 1] = attrs.shifts[c]!;
  }
  return ms;
}

/** Per backend, the GPU copy of each reused scale list; it lives as long as the list (the model). */
const kept = new WeakMap<WebGpuBackend, WeakMap<RequantizeAttrs, GPUBuffer>>();

/**
 * The GPU copy of `attrs`' (M, n) pairs: kept for reused lists, else a buffer the caller passes
 * to `done` once its kernel is recorded.
 */
export function scaleBuffer(g: WebGpuBackend, attrs: RequantizeAttrs): { buffer: GPUBuffer; done(): void } {
  let perBackend = kept.get(g);
  if (!perBackend) kept.set(g, (perBackend = new WeakMap()));
  const hit = attrs.reused ? perBackend.get(attrs) : undefined;
  if (hit) return { buffer: hit, done: () => undefined };
  const buffer = g.words(scaleWords(attrs));
  if (attrs.reused) {
    perBackend.set(attrs, buffer);
    return { buffer, done: () => undefined };
  }
  return { buffer, done: () => g.release(buffer) };
}

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpu(backend);
  const scales = scaleBuffer(g, attrs);
  const y = g.createBuffer(out.size);
  g.run(source(out.dtype), [gpuBuffer(inputs[0]!), scales.buffer, y], [attrs.multipliers.length], out.size);
  scales.done();
  return y;
};
