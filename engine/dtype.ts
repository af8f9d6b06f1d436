/**
 * Integer dtypes of spml tensors (engine/NUMERICS.md §1).
 *
 * Only signed two's-complement integers exist inside the engine; floats appear only at the
 * edges (quantize, dequantize). The tag values are part of the canonical byte layout that
 * hashes are taken over (NUMERICS.md §2), so they must never change.
 */

export type DType = 'int8' | 'int16' | 'int32';

export type TypedArrayFor<D extends DType> = D extends 'int8'
  ? Int8Array
  : D extends 'int16'
    ? Int16Array
    : Int32Array;

export type IntArray = Int8Array | Int16Array | Int32Array;

export const DTYPES: readonly DType[] = ['int8', 'int16', 'int32'];

/** Canonical one-byte tag of each dtype in serialized tensors. */
export const DTYPE_TAG: Readonly<Record<DType, number>> = { int8: 1, int16: 2, int32: 3 };

export const DTYPE_BYTES: Readonly<Record<DType, number>> = { int8: 1, int16: 2, int32: 4 };

/** Inclusive saturation bounds of each dtype. */
export const DTYPE_MIN: Readonly<Record<DType, number>> = {
  int8: -128,
  int16: -32768,
  int32: -2147483648,
};
export const DTYPE_MAX: Readonly<Record<DType, number>> = {
  int8: 127,
  int16: 32767,
  int32: 2147483647,
};

export function isDType(x: unknown): x is DType {
  return x === 'int8' || x === 'int16' || x === 'int32';
}

export function allocate(dtype: DType, size: number): IntArray {
  switch (dtype) {
    case 'int8':
      return new Int8Array(size);
    case 'int16':
      return new Int16Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}

/** The dtype of an Int8/Int16/Int32Array; undefined for any other array (floats, unsigned). */
export function dtypeOfArray(a: unknown): DType | undefined {
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int32Array) return 'int32';
  return undefined;
}

/** Clamp an exact integer (any JS number) into the range of `dtype`. */
export function saturate(x: number, dtype: DType): number {
  const lo = DTYPE_MIN[dtype];
  const hi = DTYPE_MAX[dtype];
  return x < lo ? lo : x > hi ? hi : x;
}
