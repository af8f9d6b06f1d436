/**
 * Byte-for-byte comparison of a backend's output with the cpu reference (NUMERICS.md §18).
 *
 * Two outputs agree when their canonical bytes (engine/hash.ts: dtype tag, rank, dimensions,
 * little-endian two's-complement data) are identical, which is exactly when their SHA-256 hashes
 * are. There is no tolerance: one differing bit is a failure. A mismatch names the case, what
 * differs, and for data the first differing element with both values.
 */
import { DTYPE_BYTES, bytesToHex, canonicalBytes, dtypeOfArray, hashData, shapeSize } from '../../lib/index.js';
import type { TensorData } from './cases.js';

export interface Mismatch {
  readonly caseName: string;
  readonly what: 'dtype' | 'shape' | 'container' | 'data';
  /** First differing element (flat, row-major), for `data` mismatches. */
  readonly index?: number;
  readonly actual?: number;
  readonly expected?: number;
  /** Number of differing elements, for `data` mismatches. */
  readonly count?: number;
  readonly message: string;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Compare `actual` (the backend under test) with `expected` (cpu). Returns undefined when the
 * canonical bytes are identical, else what differs first.
 */
export function compareOutputs(caseName: string, actual: TensorData, expected: TensorData): Mismatch | undefined {
  const fail = (m: Omit<Mismatch, 'caseName' | 'message'>, detail: string): Mismatch => ({ caseName, ...m, message: `${caseName}: ${detail}` });
  if (actual.dtype !== expected.dtype) return fail({ what: 'dtype' }, `dtype ${actual.dtype}, cpu gives ${expected.dtype}`);
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return fail({ what: 'shape' }, `shape ${fmt(actual.shape)}, cpu gives ${fmt(expected.shape)}`);
  }
  // The data must be the dtype's own typed array and exactly fill the shape; otherwise its
  // canonical bytes would be read with the wrong width or length.
  for (const [who, t] of [
    ['backend', actual],
    ['cpu', expected],
  ] as const) {
    const held = dtypeOfArray(t.data);
    if (held !== t.dtype || t.data.length !== shapeSize(t.shape)) {
      return fail(
        { what: 'container' },
        `${who} returned ${t.data.length} elements in a ${t.data.constructor.name} for ${t.dtype} ${fmt(t.shape)} (${shapeSize(t.shape)} elements)`,
      );
    }
  }
  const a = canonicalBytes(actual.dtype, actual.shape, actual.data);
  const e = canonicalBytes(expected.dtype, expected.shape, expected.data);
  let firstByte = -1;
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) {
      firstByte = i;
      break;
    }
  }
  if (firstByte < 0 && a.length === e.length) return undefined;
  // The header (dtype, rank, dims) agreed above, so the first differing byte is in the data.
  const header = 2 + 4 * expected.shape.length;
  const index = Math.floor((firstByte - header) / DTYPE_BYTES[expected.dtype]);
  const got = actual.data[index]!;
  const want = expected.data[index]!;
  let count = 0;
  for (let i = 0; i < expected.data.length; i++) if (actual.data[i] !== expected.data[i]) count++;
  const ha = bytesToHex(hashData(actual.dtype, actual.shape, actual.data));
  const he = bytesToHex(hashData(expected.dtype, expected.shape, expected.data));
  return fail(
    { what: 'data', index, actual: got, expected: want, count },
    `${expected.dtype} ${fmt(expected.shape)}: element ${index} is ${got}, cpu gives ${want} ` +
      `(${count} of ${expected.data.length} elements differ; sha256 ${ha.slice(0, 16)}… vs cpu ${he.slice(0, 16)}…)`,
  );
}

/** SHA-256 (hex) of an output's canonical bytes: what golden vectors pin. */
export function outputHash(t: TensorData): string {
  return bytesToHex(hashData(t.dtype, t.shape, t.data));
}
