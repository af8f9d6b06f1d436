/// <reference types="@webgpu/types" />
/**
 * webgpu elementwise kernels (engine/NUMERICS.md §6: add, mul, relu, cast, isqrt; WGSL
 * techniques of §16.1), transliterated from kernels/cpu/elementwise.ts; each must give the same
 * bytes.
 */
import type { DType } from '../../engine/dtype.js';
import { DTYPE_MAX, DTYPE_MIN } from '../../engine/dtype.js';
import type { KernelFunc, KernelOutput } from '../../engine/kernel_registry.js';
import { asWebGpu, gpuBuffer } from './backend.js';
import { X, Y, memoized, shader } from './wgsl/common.js';
import { MAGNITUDE_WGSL, UMUL32_WGSL, i32Lit, saturateWgsl } from './wgsl/fixed_point.js';

const gpu = asWebGpu;

/** Run a one-input elementwise shader. */
function unary(body: (dtype: DType) => string, helpers: (dtype: DType) => string = () => ''): KernelFunc {
  const source = memoized((dtype: DType) => shader([X, Y], body(dtype), helpers(dtype)));
  return ({ backend, inputs, out }) => {
    const b = gpu(backend);
    const y = b.createBuffer(out.size);
    b.run(source(out.dtype), [gpuBuffer(inputs[0]!), y], [], out.size);
    return y;
  };
}

export const reluKernel = unary(() => '  y[i] = max(x[i], 0);');

export const castKernel = unary((dtype) => `  y[i] = clamp(x[i], ${i32Lit(DTYPE_MIN[dtype])}, ${i32Lit(DTYPE_MAX[dtype])});`);

/** Binary op with b broadcast over a's leading axes (b's size is the period, P[1]). */
function binary(body: string, helpers: (d: DType) => string): KernelFunc {
  const source = memoized((dtype: DType) => shader([{ name: 'a' }, { name: 'b' }, Y], `  let av = a[i];\n  let bv = b[i % P[1]];\n${body}`, helpers(dtype)));
  return ({ backend, inputs, out }) => {
    const g = gpu(backend);
    const y = g.createBuffer(out.size);
    g.run(source(out.dtype), [gpuBuffer(inputs[0]!), gpuBuffer(inputs[1]!), y], [inputs[1]!.size], out.size);
    return y;
  };
}

// a + b is exact below 2^32 in magnitude: on wrap (same signs in, other sign out) it saturates.
export const addKernel = binary(
  `  let s = av + bv;
  let wrapped = (av < 0) == (bv < 0) && (s < 0) != (av < 0);
  if (wrapped) {
    y[i] = satSigned(av < 0, 0xffffffffu);
  } else {
    y[i] = satSigned(s < 0, magnitude(s));
  }`,
  (d) => MAGNITUDE_WGSL + saturateWgsl(d),
);

// The exact product on magnitudes (W2); any high word saturates.
export const mulKernel = binary(
  `  let p = umul32(magnitude(av), magnitude(bv));
  y[i] = satSigned((av < 0) != (bv < 0), select(p.y, 0xffffffffu, p.x != 0u));`,
  (d) => MAGNITUDE_WGSL + UMUL32_WGSL + saturateWgsl(d),
);

const ISQRT_SRC = shader(
  [X, Y],
  `  let v = x[i];
  if (v <= 0) {
    y[i] = 0;
    return;
  }
  let u = u32(v);
  var r = min(u32(sqrt(f32(u))), 46341u);
  while (r * r > u) {
    r = r - 1u;
  }
  while ((r + 1u) * (r + 1u) <= u) {
    r = r + 1u;
  }
  y[i] = i32(r);`,
);

export const isqrtKernel: KernelFunc = ({ backend, inputs, out }) => {
  const g = gpu(backend);
  const y = g.createBuffer(out.size);
  g.run(ISQRT_SRC, [gpuBuffer(inputs[0]!), y], [], out.size);
  return y;
};
