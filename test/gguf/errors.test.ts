/** Every way a GGUF file (or a model to write) is refused: one GgufError kind at a time, with where. */
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../engine/errors.js';
import { decodeGguf, encodeGguf, ggufValue, GgufError, type GgufErrorKind } from '../../engine/format/gguf.js';
import { header } from './helpers.js';

function rejects(f: () => unknown, kind: GgufErrorKind, subject?: string, offset?: number): GgufError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `expected a GgufError '${kind}'`).toBeInstanceOf(GgufError);
  expect(err).toBeInstanceOf(ModelFormatError);
  const g = err as GgufError;
  expect(g.kind, g.message).toBe(kind);
  if (subject !== undefined) expect(g.subject).toBe(subject);
  if (offset !== undefined) expect(g.offset).toBe(offset);
  return g;
}

const dec = (b: { done(): Uint8Array } | Uint8Array) => () => decodeGguf(b instanceof Uint8Array ? b : b.done());
const oneKv = () => header(0, 1).str('k');

describe('GGUF reader errors', () => {
  it('magic, version', () => {
    rejects(dec(Uint8Array.from([0x47, 0x47, 0x55, 0x45, 3, 0, 0, 0])), 'magic', undefined, 3);
    rejects(dec(header(0, 0, 2).pad(32)), 'version', undefined, 4);
    rejects(dec(header(0, 0, 0x03000000).pad(32)), 'version');
  });

  it('truncated: short header, huge counts and lengths fail fast', () => {
    rejects(dec(Uint8Array.from([0x47, 0x47])), 'truncated');
    rejects(dec(header(0, 0).done().subarray(0, 20)), 'truncated');
    const t0 = performance.now();
    rejects(dec(header(0, 2n ** 60n)), 'truncated', undefined, 16);
    rejects(dec(header(2n ** 62n, 0)), 'truncated');
    rejects(dec(header(0, 1).u64(2n ** 63n).raw(new Uint8Array(8))), 'truncated', undefined, 24);
    rejects(dec(oneKv().u32(9).u32(8).u64(2n ** 61n)), 'truncated', 'k');
    rejects(dec(oneKv().u32(9).u32(9).u64(2n ** 40n)), 'truncated', 'k');
    rejects(dec(oneKv().u32(5).u8(1)), 'truncated', 'k');
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('type: unknown value types, array element types and tensor types; a decodable type only for floats()', () => {
    rejects(dec(oneKv().u32(13).u32(0)), 'type', 'k');
    rejects(dec(oneKv().u32(0xffffffff).u32(0)), 'type', 'k');
    rejects(dec(oneKv().u32(9).u32(42).u64(0)), 'type', 'k');
    rejects(dec(header(1, 0).str('t').u32(1).u64(32).u32(4).u64(0).pad(32).raw(new Uint8Array(32))), 'type', 't');
    rejects(dec(header(0, 1).str('general.alignment').u32(10).u64(64).pad(32)), 'type', 'general.alignment');
    const q4 = decodeGguf(header(1, 0).str('t').u32(1).u64(32).u32(2).u64(0).pad(32).raw(new Uint8Array(18)).pad(32).done());
    expect(q4.tensors[0]!.type).toBe('Q4_0');
    rejects(() => q4.tensors[0]!.floats(), 'type', 't');
  });

  it('value, key, utf8, duplicate, depth', () => {
    rejects(dec(oneKv().u32(7).u8(2).pad(32)), 'value', 'k');
    rejects(dec(header(0, 1).str('').u32(0).u8(0).pad(32)), 'key');
    rejects(dec(header(0, 1).str('ké').u32(0).u8(0)), 'key');
    rejects(dec(oneKv().u32(8).u64(2).raw([0xc3, 0x28]).pad(32)), 'utf8', 'k');
    rejects(dec(header(0, 2).str('k').u32(0).u8(1).str('k').u32(0).u8(1).pad(32)), 'duplicate', 'k');
    const deep = oneKv().u32(9);
    for (let i = 0; i < 20; i++) deep.u32(9).u64(1);
    deep.u32(0).u64(0);
    rejects(dec(deep.pad(32)), 'depth', 'k');
  });

  it('tensor infos: name, duplicate, shape, offset, size, padding, alignment', () => {
    const f32 = (name: string, ne: (number | bigint)[], off: number | bigint, type = 0) => {
      const b = header(1, 0).str(name).u32(ne.length);
      ne.forEach((d) => b.u64(d));
      return b.u32(type).u64(off);
    };
    rejects(dec(f32('', [1], 0).pad(32).raw(new Uint8Array(32))), 'name');
    rejects(dec(f32('x'.repeat(64), [1], 0).pad(32).raw(new Uint8Array(32))), 'name');
    rejects(dec(f32('t', [1, 1, 1, 1, 1], 0)), 'shape', 't');
    rejects(dec(f32('t', [33], 0, 8)), 'shape', 't');
    rejects(dec(f32('t', [2n ** 60n, 2n ** 60n], 0)), 'shape', 't');
    rejects(dec(f32('t', [2n ** 40n], 0)), 'size', 't');
    rejects(dec(f32('t', [1], 32).pad(32).raw(new Uint8Array(64))), 'offset', 't');
    rejects(dec(f32('t', [1], 2n ** 62n)), 'offset', 't');
    rejects(dec(f32('t', [8], 0).pad(32).raw(new Uint8Array(16))), 'truncated', 't');
    rejects(dec(f32('t', [1], 0).pad(32).raw(new Uint8Array(64))), 'size');
    const badPad = f32('t', [1], 0).pad(32).raw(new Uint8Array(32)).done();
    badPad[badPad.length - 1] = 7;
    rejects(dec(badPad), 'padding', 't', badPad.length - 1);
    rejects(dec(header(0, 1).str('general.alignment').u32(4).u32(24).pad(32)), 'alignment', 'general.alignment');
    const two = header(2, 0).str('t').u32(1).u64(1).u32(0).u64(0).str('t').u32(1).u64(1).u32(0).u64(32).pad(32).raw(new Uint8Array(64));
    rejects(dec(two), 'duplicate', 't');
  });

  it('non-finite elements and missing keys', () => {
    const nan = decodeGguf(header(1, 0).str('t').u32(1).u64(2).u32(1).u64(0).pad(32).raw([0, 0x7c, 0, 0]).pad(32).done());
    rejects(() => nan.tensors[0]!.floats(), 'non-finite', 't');
    const empty = decodeGguf(header(0, 0).pad(32).done());
    rejects(() => ggufValue(empty, 'llama.block_count', 'u32'), 'missing-key', 'llama.block_count');
    const one = decodeGguf(oneKv().u32(4).u32(5).pad(32).done());
    expect(ggufValue(one, 'k', 'u32', 'u64').value).toBe(5);
    rejects(() => ggufValue(one, 'k', 'string'), 'type', 'k');
  });
});

describe('GGUF writer errors', () => {
  const t = (over: object) => ({ name: 'w', shape: [32], type: 'F32', data: new Float32Array(32), ...over });
  const enc = (metadata: unknown[], tensors: unknown[] = []) => () => encodeGguf({ metadata, tensors } as never);
  it('refuses what it cannot write faithfully', () => {
    rejects(enc([['k', { type: 'u8', value: 256 }]]), 'value', 'k');
    rejects(enc([['k', { type: 'i32', value: 1.5 }]]), 'value', 'k');
    rejects(enc([['k', { type: 'f32', value: 0.1 }]]), 'value', 'k');
    rejects(enc([['k', { type: 'u64', value: 1 }]]), 'value', 'k');
    rejects(enc([['k', { type: 'i64', value: 2n ** 63n }]]), 'value', 'k');
    rejects(enc([['k', { type: 'nope', value: 1 }]]), 'type', 'k');
    rejects(enc([['k', { type: 'array', itemType: 'u8', value: [1, 300] }]]), 'value', 'k');
    rejects(enc([['k', { type: 'string', value: '\ud800' }]]), 'utf8', 'k');
    rejects(enc([['', { type: 'u8', value: 1 }]]), 'key');
    rejects(enc([['k', { type: 'u8', value: 1 }], ['k', { type: 'u8', value: 1 }]]), 'duplicate', 'k');
    rejects(enc([['general.alignment', { type: 'u32', value: 48 }]]), 'alignment');
    rejects(enc([['general.alignment', { type: 'u64', value: 32n }]]), 'type');
    rejects(enc([], [t({}), t({})]), 'duplicate', 'w');
    rejects(enc([], [t({ name: 'x'.repeat(64) })]), 'name');
    rejects(enc([], [t({ shape: [4, 8], data: new Float32Array(31) })]), 'shape', 'w');
    rejects(enc([], [t({ shape: [1, 1, 1, 1, 32] })]), 'shape', 'w');
    rejects(enc([], [t({ type: 'Q8_0', shape: [2, 16] })]), 'shape', 'w');
    rejects(enc([], [t({ type: 'F16' })]), 'type', 'w');
    rejects(enc([], [t({ data: Float32Array.from({ length: 32 }, (_, i) => (i === 5 ? NaN : 0)) })]), 'non-finite', 'w');
    rejects(enc([], [t({ type: 'Q8_0', data: new Float32Array(32).fill(1e7) })]), 'range', 'w');
    expect(() => encodeGguf({ metadata: [], tensors: [t({ type: 'Q8_0', data: new Float32Array(32).fill(8e6) }) as never] })).not.toThrow();
  });
});
