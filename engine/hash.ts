/**
 * Canonical serialization and SHA-256 hashing of tensors (engine/NUMERICS.md §2).
 *
 * Layout, all integers little-endian:
 *   u8  dtype tag (int8 = 1, int16 = 2, int32 = 3)
 *   u8  rank r (at most 255)
 *   u32 × r  dimensions, outermost first
 *   data, row-major, each element in two's complement of its dtype's width
 * The quantization scale is metadata and not hashed: two tensors with the same integers are
 * the same computation result.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { DTYPE_BYTES, DTYPE_TAG, type DType, type IntArray } from './dtype.js';
import { ShapeError } from './errors.js';
import { sha256 } from './sha256.js';
import type { Tensor } from './tensor.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function canonicalBytes(dtype: DType, shape: readonly number[], data: IntArray): Uint8Array {
  if (shape.length > 255) throw new ShapeError('canonicalBytes', `rank ${shape.length} exceeds 255`);
  const header = 2 + 4 * shape.length;
  const width = DTYPE_BYTES[dtype];
  const out = new Uint8Array(header + width * data.length);
  const view = new DataView(out.buffer);
  out[0] = DTYPE_TAG[dtype];
  out[1] = shape.length;
  shape.forEach((d, i) => view.setUint32(2 + 4 * i, d, true));
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), header);
  } else {
    for (let i = 0; i < data.length; i++) {
      const at = header + width * i;
      if (width === 1) view.setInt8(at, data[i]!);
      else if (width === 2) view.setInt16(at, data[i]!, true);
      else view.setInt32(at, data[i]!, true);
    }
  }
  return out;
}

export function hashData(dtype: DType, shape: readonly number[], data: IntArray): Uint8Array {
  return sha256(canonicalBytes(dtype, shape, data));
}

/** SHA-256 of the tensor's canonical bytes, as 64 lowercase hex digits. */
export async function hashTensor(t: Tensor): Promise<string> {
  return bytesToHex(hashData(t.dtype, t.shape, await t.data()));
}

export { bytesToHex };
