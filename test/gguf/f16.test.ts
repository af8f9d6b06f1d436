/** Float16 conversions (engine/format/gguf_quant.ts): every bit pattern decoded, and float32 → float16 rounding. */
import { describe, expect, it } from 'vitest';
import { f16BitsToF32, f32ToF16Bits } from '../../engine/format/gguf_quant.js';
import { Rng } from '../../tools/data/rng.js';

/** IEEE 754 binary16 by the textbook formula. */
function reference(h: number): number {
  const s = (h >> 15) & 1, e = (h >> 10) & 31, m = h & 1023;
  const sign = s ? -1 : 1;
  if (e === 31) return m ? NaN : sign * Infinity;
  if (e === 0) return sign * Math.pow(2, -14) * (m / 1024);
  return sign * Math.pow(2, e - 15) * (1 + m / 1024);
}

/** ggml's ggml_compute_fp32_to_fp16 (ggml-impl.h, from the FP16 library): a float-arithmetic trick, independent of the bitwise code under test. */
function ggmlFp32ToFp16(f: number): number {
  const fb = new Float32Array(1), ub = new Uint32Array(fb.buffer);
  const bits = (x: number) => { fb[0] = x; return ub[0]!; };
  const from = (u: number) => { ub[0] = u >>> 0; return fb[0]!; };
  let base = Math.fround(Math.fround(Math.abs(Math.fround(f)) * 2 ** 112) * 2 ** -110);
  const w = bits(f);
  const shl1 = (w + w) >>> 0;
  const sign = w & 0x80000000;
  let bias = (shl1 & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = Math.fround(from(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const b = bits(base);
  const nonsign = ((b >>> 13) & 0x7c00) + (b & 0x0fff);
  return ((sign >>> 16) | (shl1 > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

describe('float16', () => {
  it('decodes all 65,536 bit patterns as the IEEE formula says', () => {
    for (let h = 0; h < 65536; h++) {
      const got = f16BitsToF32(h), want = reference(h);
      if (Number.isNaN(want)) expect(Number.isNaN(got)).toBe(true);
      else expect(Object.is(got, want), `0x${h.toString(16)}`).toBe(true);
    }
  });

  it('round-trips every non-NaN float16 exactly', () => {
    for (let h = 0; h < 65536; h++) if (!Number.isNaN(reference(h))) expect(f32ToF16Bits(reference(h))).toBe(h);
  });

  it('rounds edge values to nearest, ties to even', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
      [Infinity, 0x7c00], [-Infinity, 0xfc00], [NaN, 0x7e00], [2 ** -24, 0x0001], [2 ** -25, 0x0000],
      [Math.fround(2 ** -25 * 1.0000001), 0x0001], [3 * 2 ** -25, 0x0002], [5 * 2 ** -25, 0x0002], [2 ** -14, 0x0400],
      [2 ** -14 - 2 ** -25, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1e-10, 0], [-1e-10, 0x8000],
      [2 ** -149, 0], [-65520, 0xfc00],
    ];
    for (const [x, h] of cases) expect(f32ToF16Bits(x), String(x)).toBe(h);
  });

  it('agrees with ggml\'s float-arithmetic conversion on 10^5 seeded float32 bit patterns and all midpoints', () => {
    const rng = new Rng(16);
    const fb = new Float32Array(1), ub = new Uint32Array(fb.buffer);
    for (let i = 0; i < 100_000; i++) {
      ub[0] = i % 2 ? rng.u32() : (rng.u32() & 0x87ffffff) | 0x30000000; // half near the float16 range
      expect(f32ToF16Bits(fb[0]!)).toBe(ggmlFp32ToFp16(fb[0]!));
    }
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (reference(h) + reference(h + 1)) / 2; // exact in float32
      expect(f32ToF16Bits(mid)).toBe(ggmlFp32ToFp16(mid));
      expect(f32ToF16Bits(-mid)).toBe(ggmlFp32ToFp16(-mid));
    }
  });
});
