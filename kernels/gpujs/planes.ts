/**
 * How spml integers travel to and from gpu.js kernels (engine/NUMERICS.md §16.1 G1).
 *
 * Every gpu.js value is a float32, exact only for integers within ±2^24. int8 and int16 values
 * go as one float each. An int32 goes as two "limb planes", v = hi·2^16 + lo with
 * hi ∈ [−2^15, 2^15) and lo ∈ [0, 2^16), so MASKED (−2^31) is (−32768, 0). A kernel with an
 * int32 output returns 2·size floats: the hi limbs of elements 0…size−1, then their lo limbs.
 * Everything that comes back is checked to be an in-range integer, so a GPU that loses
 * precision fails loudly instead of returning wrong bits.
 */
import { BackendError } from '../../engine/errors.js';
import { allocate, type DType, type IntArray } from '../../engine/dtype.js';

const RANGE: Readonly<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** int8/int16 values (or any values already within ±2^24) as one float plane. */
export function valuePlane(x: IntArray): Float32Array {
  return Float32Array.from(x);
}

/** The hi limbs (signed, arithmetic shift) of int32 values. */
export function hiPlane(x: IntArray): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! >> 16;
  return out;
}

/** The lo limbs (unsigned 16 bits) of int32 values. */
export function loPlane(x: IntArray): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! & 0xffff;
  return out;
}

/** A plane in the layout a kernel reads for `dtype`: values, or hi limbs then lo limbs for int32. */
export function packedPlane(x: IntArray, dtype: DType): Float32Array {
  if (dtype !== 'int32') return valuePlane(x);
  const out = new Float32Array(2 * x.length);
  for (let i = 0; i < x.length; i++) {
    out[i] = x[i]! >> 16;
    out[x.length + i] = x[i]! & 0xffff;
  }
  return out;
}

function bad(kernel: string, what: string): never {
  throw new BackendError(kernel, `gpu.js returned ${what}: the device lost float32 integer precision (§16 G7)`);
}

/** One output value per element, checked and narrowed to `dtype`. */
export function fromValues(kernel: string, f: Float32Array, dtype: DType, size: number): IntArray {
  if (f.length < size) bad(kernel, `${f.length} values for ${size} elements`);
  const [lo, hi] = RANGE[dtype];
  const y = allocate(dtype, size);
  for (let i = 0; i < size; i++) {
    const v = f[i]!;
    if (!Number.isInteger(v) || v < lo || v > hi) bad(kernel, `${v} at element ${i}, not a ${dtype}`);
    y[i] = v;
  }
  return y;
}

/** Two limbs per element (all hi, then all lo), checked and joined into int32. */
export function fromLimbs(kernel: string, f: Float32Array, size: number): Int32Array {
  if (f.length < 2 * size) bad(kernel, `${f.length} limbs for ${size} int32 elements`);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const h = f[i]!;
    const l = f[size + i]!;
    if (!Number.isInteger(h) || h < -32768 || h > 32767) bad(kernel, `hi limb ${h} at element ${i}`);
    if (!Number.isInteger(l) || l < 0 || l > 65535) bad(kernel, `lo limb ${l} at element ${i}`);
    y[i] = (h << 16) | l;
  }
  return y;
}

/** Output in `dtype`: int32 as limbs, narrower types as values. */
export function fromPacked(kernel: string, f: Float32Array, dtype: DType, size: number): IntArray {
  return dtype === 'int32' ? fromLimbs(kernel, f, size) : fromValues(kernel, f, dtype, size);
}
