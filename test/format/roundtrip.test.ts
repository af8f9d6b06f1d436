/**
 * Model file codec round trips, the byte layout pinned by hand, the model hash, encoder-side
 * validation, expectTensors and the file helpers (docs/MODEL_FORMAT.md).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ParamError } from '../../engine/errors.js';
import { decodeModel, encodeModel, expectTensors, modelHash, readModelFile, writeModelFile, type ModelFile } from '../../engine/format/format.js';
import { Rng } from '../../tools/data/rng.js';
import { bytesEqual, expectFormatError, expectSameModel, gptLikeModel, randomModel, thrown } from './helpers.js';

const tiny = (): ModelFile => ({
  config: { arch: 'mlp', sizes: [3, 2] },
  quant: { input: [1073741824, 30] },
  meta: { name: 'tiny' },
  tensors: [
    { name: 'b0', dtype: 'int32', shape: [2], data: new Int32Array([1, -2]) },
    { name: 's', dtype: 'int16', shape: [], data: new Int16Array([-300]) },
    { name: 'w0', dtype: 'int8', shape: [3, 2], data: new Int8Array([1, 2, 3, 4, 5, -6]) },
    { name: 'z', dtype: 'int8', shape: [0, 4], data: new Int8Array(0) },
  ],
});

describe('round trip', () => {
  it('random models encode to canonical bytes and decode to the same content', () => {
    const rng = new Rng(20240601);
    let zeroSize = 0;
    let scalars = 0;
    for (let i = 0; i < 300; i++) {
      const m = randomModel(rng);
      const bytes = encodeModel(m);
      expect(bytes.length % 8).toBe(0);
      expect(bytesEqual(encodeModel(m), bytes)).toBe(true); // deterministic
      const back = decodeModel(bytes);
      expectSameModel(back, m);
      expect(bytesEqual(encodeModel(back), bytes)).toBe(true);
      zeroSize += m.tensors.filter((t) => t.data.length === 0).length;
      scalars += m.tensors.filter((t) => t.shape.length === 0).length;
    }
    expect(zeroSize).toBeGreaterThan(20);
    expect(scalars).toBeGreaterThan(20);
  });

  it('the GPT-like model round trips', () => {
    const m = gptLikeModel();
    const bytes = encodeModel(m);
    expect(m.tensors.length).toBeGreaterThanOrEqual(60);
    expect(bytes.length).toBeGreaterThan(200_000);
    expectSameModel(decodeModel(bytes), m);
  });

  it('decodes from a view at a non-zero offset, and decoded tensors do not alias the input', () => {
    const bytes = encodeModel(tiny());
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const view = big.subarray(3);
    const m = decodeModel(view);
    expectSameModel(m, tiny());
    view.fill(0);
    expectSameModel(m, tiny());
  });

  it('pins the byte layout against a hand-assembled file', () => {
    const header =
      '{"config":{"arch":"mlp","sizes":[3,2]},"meta":{"name":"tiny"},"quant":{"input":[1073741824,30]},"tensors":[' +
      '{"dtype":"int32","length":8,"name":"b0","offset":0,"shape":[2]},' +
      '{"dtype":"int16","length":2,"name":"s","offset":8,"shape":[]},' +
      '{"dtype":"int8","length":6,"name":"w0","offset":16,"shape":[3,2]},' +
      '{"dtype":"int8","length":0,"name":"z","offset":24,"shape":[0,4]}]}';
    const h = Buffer.from(header, 'utf8');
    const pad = (8 - ((12 + h.length) % 8)) % 8;
    const pre = Buffer.alloc(12);
    pre.write('SPML', 0, 'latin1');
    pre.writeUInt16LE(1, 4);
    pre.writeUInt16LE(0, 6);
    pre.writeUInt32LE(h.length, 8);
    const data = Buffer.from([1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xd4, 0xfe, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0xfa, 0, 0]);
    const body = Buffer.concat([pre, h, Buffer.alloc(pad), data]);
    const want = Buffer.concat([body, createHash('sha256').update(body).digest()]);
    const got = encodeModel(tiny());
    expect(Buffer.from(got).toString('hex')).toBe(want.toString('hex'));
    expect(modelHash(got)).toBe(createHash('sha256').update(want).digest('hex'));
  });
});

describe('modelHash', () => {
  it('is the SHA-256 of the whole file (node:crypto and @noble agree)', () => {
    const rng = new Rng(5);
    for (const bytes of [encodeModel(tiny()), encodeModel(gptLikeModel()), encodeModel(randomModel(rng)), new Uint8Array(0), new Uint8Array([1, 2, 3])]) {
      const h = modelHash(bytes);
      expect(h).toMatch(/^[0-9a-f]{64}$/);
      expect(h).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(h).toBe(bytesToHex(nobleSha256(bytes)));
    }
  });

  it('changes with any change of the model', () => {
    const a = tiny();
    const b = tiny();
    (b.tensors[2]!.data as Int8Array)[0] = 9;
    const c = tiny();
    c.meta.description = 'x';
    const hashes = new Set([a, b, c].map((m) => modelHash(encodeModel(m))));
    expect(hashes.size).toBe(3);
  });
});

describe('encodeModel rejects models the format cannot hold', () => {
  const cases: [string, (m: ModelFile) => void, string][] = [
    ['tensors out of order', (m) => m.tensors.reverse(), 'not in canonical order'],
    ['UTF-16 order instead of code-point order', (m) => {
      m.tensors = [
        { name: '😀', dtype: 'int8', shape: [1], data: new Int8Array(1) },
        { name: '\uffff', dtype: 'int8', shape: [1], data: new Int8Array(1) },
      ];
    }, 'not in canonical order'],
    ['duplicate names', (m) => (m.tensors[1]!.name = 'b0'), 'duplicate name'],
    ['empty name', (m) => (m.tensors[0]!.name = ''), 'non-empty string'],
    ['lone surrogate in a name', (m) => (m.tensors[0]!.name = '\ud800'), 'lone surrogate'],
    ['unknown dtype', (m) => ((m.tensors[0] as { dtype: string }).dtype = 'float32'), 'unknown dtype'],
    ['data of the wrong type', (m) => ((m.tensors[0] as { data: unknown }).data = new Int16Array(2)), 'dtype says int32'],
    ['float data', (m) => ((m.tensors[0] as { data: unknown }).data = new Float32Array(2)), 'Float32Array'],
    ['data length', (m) => (m.tensors[0]!.data = new Int32Array(3)), 'data has 3 elements'],
    ['negative dimension', (m) => (m.tensors[0]!.shape = [-2]), 'shape'],
    ['fractional dimension', (m) => (m.tensors[0]!.shape = [1.5]), 'shape'],
    ['float in quant', (m) => (m.quant = { a: [1, 0.5] }), 'quant.a[1]: 0.5 is not an integer'],
    ['unsafe integer in quant', (m) => (m.quant = 2 ** 60), 'exact integer range'],
    ['null in quant', (m) => (m.quant = { a: null }), 'quant.a: null'],
    ['NaN in meta', (m) => (m.meta.x = NaN), 'meta.x: NaN is not an integer'],
    ['meta without a name', (m) => delete (m.meta as { name?: string }).name, 'meta.name'],
    ['meta description not a string', (m) => ((m.meta as Record<string, unknown>).description = 5), 'meta.description'],
    ['bad config', (m) => (m.config = { arch: 'mlp', sizes: [3] }), 'config: sizes'],
    ['unknown config key', (m) => ((m.config as unknown as Record<string, unknown>).extra = 1), 'unknown key "extra"'],
    ['tensors not an array', (m) => ((m as { tensors: unknown }).tensors = {}), 'tensors must be an array'],
    ['header over 16 MiB', (m) => (m.meta.description = 'x'.repeat(16 * 1024 * 1024)), 'over the limit of 16777216'],
    ['__proto__ key in meta', (m) => (m.meta = JSON.parse('{"name":"n","__proto__":1}') as ModelFile['meta']), '__proto__'],
  ];
  for (const [what, edit, mention] of cases) {
    it(what, () => {
      const m = tiny();
      edit(m);
      expectFormatError(() => encodeModel(m), [mention], 'none', 'encodeModel');
    });
  }
});

describe('expectTensors', () => {
  it('accepts the exact set and lists every difference', () => {
    const m = tiny();
    expectTensors(m, [
      ['w0', 'int8', [3, 2]],
      ['b0', 'int32', [2]],
      ['s', 'int16', []],
      ['z', 'int8', [0, 4]],
    ]);
    const e = expectFormatError(
      () => expectTensors(m, [['w0', 'int16', [3, 2]], ['b0', 'int32', [2, 1]], ['w1', 'int8', [2, 2]], ['s', 'int16', []]]),
      ['missing (1): w1', 'extra (1): z', 'mismatched (2)', 'w0 is int8 [3, 2], expected int16 [3, 2]', 'b0 is int32 [2], expected int32 [2, 1]'],
      'none',
      'expectTensors',
    );
    expect(e.code).toBe('FORMAT');
  });
});

describe('readModelFile / writeModelFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spml-format-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('write then read gives the same model; the returned hash is the file hash', () => {
    const path = join(dir, 'gpt.spml');
    const m = gptLikeModel();
    const hash = writeModelFile(path, m);
    const bytes = readFileSync(path);
    expect(hash).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytesEqual(bytes, encodeModel(m))).toBe(true);
    expectSameModel(readModelFile(path), m);
  });

  it('a missing path is a ParamError naming it', () => {
    const path = join(dir, 'nope.spml');
    const e = thrown(() => readModelFile(path));
    expect(e).toBeInstanceOf(ParamError);
    expect((e as ParamError).op).toBe('readModelFile');
    expect((e as Error).message).toContain(path);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const e2 = thrown(() => readModelFile(sub));
    expect(e2).toBeInstanceOf(ParamError);
    expect((e2 as Error).message).toContain(sub);
    const e3 = thrown(() => writeModelFile(join(dir, 'missing-dir', 'x.spml'), tiny()));
    expect(e3).toBeInstanceOf(ParamError);
    expect((e3 as ParamError).op).toBe('writeModelFile');
  });

  it('a bad file is a ModelFormatError naming the path and the offset', () => {
    const path = join(dir, 'bad.spml');
    const bytes = encodeModel(tiny());
    bytes[0] = 0x58;
    writeFileSync(path, bytes);
    expectFormatError(() => readModelFile(path), [path, 'bad magic'], 0, 'readModelFile');
  });
});
