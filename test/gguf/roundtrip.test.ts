/** GGUF write → read round trips, a hand-built file read against the spec, and Q8_0 against a reference. */
import { describe, expect, it } from 'vitest';
import { decodeGguf, encodeGguf, ggufValue, type GgufValue } from '../../engine/format/gguf.js';
import { Rng } from '../../tools/data/rng.js';
import { header } from './helpers.js';

const METADATA: [string, GgufValue][] = [
  ['general.architecture', { type: 'string', value: 'llama' }],
  ['general.alignment', { type: 'u32', value: 64 }],
  ['t.u8', { type: 'u8', value: 255 }],
  ['t.i8', { type: 'i8', value: -128 }],
  ['t.u16', { type: 'u16', value: 65535 }],
  ['t.i16', { type: 'i16', value: -32768 }],
  ['t.u32', { type: 'u32', value: 4294967295 }],
  ['t.i32', { type: 'i32', value: -2147483648 }],
  ['t.f32', { type: 'f32', value: Math.fround(1e-5) }],
  ['t.bool', { type: 'bool', value: true }],
  ['t.string', { type: 'string', value: 'héllo ✓ 𝄞' }],
  ['t.u64', { type: 'u64', value: 2n ** 64n - 1n }],
  ['t.i64', { type: 'i64', value: -(2n ** 63n) }],
  ['t.f64', { type: 'f64', value: 0.1 }],
  ['t.empty', { type: 'string', value: '' }],
  ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['<s>', '</s>', 'a', ''] }],
  ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: [0, -1.5, Math.fround(0.3)] }],
  ['t.arr.bool', { type: 'array', itemType: 'bool', value: [true, false] }],
  ['t.arr.i64', { type: 'array', itemType: 'i64', value: [1n, -2n] }],
  ['t.arr.empty', { type: 'array', itemType: 'u8', value: [] }],
  ['t.arr.nested', { type: 'array', itemType: 'array', value: [
    { type: 'array', itemType: 'string', value: ['x', 'y'] },
    { type: 'array', itemType: 'array', value: [{ type: 'array', itemType: 'i16', value: [-3] }] },
  ] }],
];

/** ggml's quantize_row_q8_0_ref written out plainly in float32 steps, then dequantized: the values a reader must give. */
function referenceQ8_0(x: Float32Array): { q: Int8Array; d: Float32Array; values: Float32Array } {
  const n = x.length / 32, q = new Int8Array(x.length), d = new Float32Array(n), values = new Float32Array(x.length);
  const f16 = new Float32Array(1);
  for (let b = 0; b < n; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) if (Math.abs(x[32 * b + j]!) > amax) amax = Math.abs(x[32 * b + j]!);
    const dd = Math.fround(amax / 127);
    const id = dd === 0 ? 0 : Math.fround(1 / dd);
    // float16 rounding of dd: the two neighbouring float16 values (spacing 2^(e-10), or 2^-24 among subnormals), ties to even
    const ulp = dd === 0 ? 1 : 2 ** Math.max(Math.floor(Math.log2(dd)) - 10, -24);
    const lo = Math.floor(dd / ulp) * ulp, hi = lo + ulp;
    f16[0] = dd - lo < hi - dd ? lo : dd - lo > hi - dd ? hi : (lo / ulp) % 2 === 0 ? lo : hi;
    d[b] = f16[0];
    for (let j = 0; j < 32; j++) {
      const v = Math.fround(x[32 * b + j]! * id);
      q[32 * b + j] = Math.sign(v) * Math.round(Math.abs(v));
      values[32 * b + j] = Math.fround(d[b]! * q[32 * b + j]!);
    }
  }
  return { q, d, values };
}

function seeded(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => (r.float() * 2 - 1) * scale * (r.float() < 0.1 ? 10 : 1));
}

describe('GGUF round trip', () => {
  it('reads back every metadata type, F32 tensors exactly and Q8_0 as ggml quantizes', () => {
    const w = seeded(64 * 32, 1);
    const f = seeded(3 * 5, 2);
    const bytes = encodeGguf({ metadata: METADATA, tensors: [
      { name: 'blk.0.attn_q.weight', shape: [32, 64], type: 'Q8_0', data: w },
      { name: 'output_norm.weight', shape: [3, 5], type: 'F32', data: f },
      { name: 'empty', shape: [0, 32], type: 'Q8_0', data: new Float32Array(0) },
    ] });
    const file = decodeGguf(bytes);
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(64);
    expect(file.dataOffset % 64).toBe(0);
    expect([...file.metadata]).toEqual(METADATA);
    expect(ggufValue(file, 'general.architecture', 'string').value).toBe('llama');
    const q = file.tensor('blk.0.attn_q.weight')!;
    expect(q.type).toBe('Q8_0');
    expect(q.shape).toEqual([32, 64]);
    expect(q.ne).toEqual([64, 32]);
    expect(q.byteLength).toBe(64 * 34);
    const ref = referenceQ8_0(w);
    const got = q.floats();
    expect(Buffer.from(got.buffer).equals(Buffer.from(ref.values.buffer))).toBe(true);
    const raw = q.bytes();
    for (let b = 0; b < 64; b++) expect(Int8Array.from(raw.subarray(34 * b + 2, 34 * b + 34), (v) => (v << 24) >> 24)).toEqual(ref.q.subarray(32 * b, 32 * b + 32));
    const o = file.tensor('output_norm.weight')!;
    expect(o.shape).toEqual([3, 5]);
    expect(Buffer.from(o.floats().buffer).equals(Buffer.from(f.buffer))).toBe(true);
    expect(file.tensor('empty')!.floats().length).toBe(0);
    expect(encodeGguf({ metadata: METADATA, tensors: [
      { name: 'blk.0.attn_q.weight', shape: [32, 64], type: 'Q8_0', data: w },
      { name: 'output_norm.weight', shape: [3, 5], type: 'F32', data: f },
      { name: 'empty', shape: [0, 32], type: 'Q8_0', data: new Float32Array(0) },
    ] })).toEqual(bytes);
  });

  it('Q8_0 matches the reference on 200 seeded blocks of several scales, zero blocks included', () => {
    for (const [seed, scale] of [[3, 1], [4, 1e-3], [5, 1e4], [6, 0]] as const) {
      const x = seeded(50 * 32, seed, scale);
      const got = decodeGguf(encodeGguf({ metadata: [], tensors: [{ name: 'x', shape: [50 * 32], type: 'Q8_0', data: x }] })).tensors[0]!.floats();
      expect(Buffer.from(got.buffer).equals(Buffer.from(referenceQ8_0(x).values.buffer))).toBe(true);
    }
  });

  it('reads a file built by hand from the spec, F16 tensor and default alignment included', () => {
    const b = header(2, 1).str('general.name').u32(8).str('tiny')
      .str('a').u32(2).u64(2).u64(3).u32(1).u64(0) // F16, ne = [2, 3]
      .str('b').u32(1).u64(32).u32(8).u64(32); // Q8_0, after a's 12 bytes padded to 32
    b.pad(32);
    const halves = [0x3c00, 0xc000, 0x0001, 0x7bff, 0x3555, 0x8000];
    halves.forEach((h) => b.u8(h & 0xff).u8(h >> 8));
    b.pad(32);
    b.u8(0x00).u8(0x38); // d = 0.5
    for (let j = 0; j < 32; j++) b.u8(j - 16);
    b.pad(32);
    const file = decodeGguf(b.done());
    expect(file.alignment).toBe(32);
    expect(file.metadata.get('general.name')).toEqual({ type: 'string', value: 'tiny' });
    const a = file.tensor('a')!;
    expect(a.shape).toEqual([3, 2]);
    expect([...a.floats()]).toEqual([1, -2, 2 ** -24, 65504, Math.fround(0.333251953125), -0]);
    expect([...file.tensor('b')!.floats()]).toEqual(Array.from({ length: 32 }, (_, j) => 0.5 * (j - 16)));
  });
});
