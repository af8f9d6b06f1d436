/**
 * The GGUF tensor encodings spml reads and writes (ggml docs/gguf.md; ggml-common.h, ggml-quants.c):
 * IEEE binary16 (F16) and Q8_0, blocks of 32 elements stored as one float16 scale d and 32 int8 q,
 * element = d·q. Quantization is ggml's quantize_row_q8_0_ref, in float32 arithmetic:
 * amax = max |x|, d = amax/127, id = d ? 1/d : 0, q = roundf(x·id) (halves away from zero), and the
 * stored d is d rounded to float16, to nearest with ties to even (ggml's GGML_FP32_TO_FP16; NaN
 * becomes 0x7E00 with its sign).
 */
import { QK8_0 } from './gguf_types.js';

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float16 bit pattern nearest to x as float32 (ties to even); overflow gives ±Infinity. */
export function f32ToF16Bits(x: number): number {
  F32[0] = x;
  const w = U32[0]!;
  const sign = (w >>> 16) & 0x8000;
  const exp = (w >>> 23) & 0xff;
  const mant = w & 0x7fffff;
  if (exp === 0xff) return sign | (mant !== 0 ? 0x7e00 : 0x7c00);
  const e = exp - 127 + 15; // the float16 biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // A float16 subnormal (or zero): units of 2^-24. The value is m·2^(exp-150) = m·2^(e-14) units.
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mant | 0x800000;
    const shift = 14 - e; // 14..24
    let q = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (q & 1) === 1)) q++;
    return sign | q;
  }
  let q = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (q & 1) === 1)) q++; // a carry into the exponent is right, up to Infinity
  return sign | q;
}

/** The value of a float16 bit pattern (exact in float32 and float64). */
export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** C's roundf: to nearest, halves away from zero. */
const roundf = (v: number) => (v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5));

/**
 * Quantize finite float32 values (length a multiple of 32) to Q8_0 blocks, bit for bit as ggml's
 * quantize_row_q8_0_ref. Returns the bytes and, per block, the float16 scale bits.
 */
export function quantizeQ8_0(x: Float32Array): { bytes: Uint8Array; scales: Uint16Array } {
  const blocks = x.length / QK8_0;
  const bytes = new Uint8Array(blocks * (2 + QK8_0));
  const scales = new Uint16Array(blocks);
  for (let b = 0; b < blocks; b++) {
    const base = b * QK8_0;
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) amax = Math.max(amax, Math.abs(x[base + j]!));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const dBits = f32ToF16Bits(d);
    scales[b] = dBits;
    const at = b * (2 + QK8_0);
    bytes[at] = dBits & 0xff;
    bytes[at + 1] = dBits >>> 8;
    for (let j = 0; j < QK8_0; j++) bytes[at + 2 + j] = roundf(Math.fround(x[base + j]! * id)) & 0xff;
  }
  return { bytes, scales };
}

/** Decode Q8_0 blocks: element = float32(float16 d) · q (ggml's dequantize_row_q8_0). */
export function dequantizeQ8_0(bytes: Uint8Array, elements: number): Float32Array {
  const out = new Float32Array(elements);
  for (let b = 0; b < elements / QK8_0; b++) {
    const at = b * (2 + QK8_0);
    const d = f16BitsToF32(bytes[at]! | (bytes[at + 1]! << 8));
    for (let j = 0; j < QK8_0; j++) out[b * QK8_0 + j] = d * ((bytes[at + 2 + j]! << 24) >> 24);
  }
  return out;
}

/** Decode little-endian float16 values. */
export function decodeF16(bytes: Uint8Array, elements: number): Float32Array {
  const out = new Float32Array(elements);
  for (let i = 0; i < elements; i++) out[i] = f16BitsToF32(bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
  return out;
}
