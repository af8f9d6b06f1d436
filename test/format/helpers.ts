/**
 * Helpers for the model-file tests (docs/MODEL_FORMAT.md): hand assembly of files (with a
 * valid trailer, so that the structural checks rather than the checksum reject them), seeded
 * random models, a GPT-like model, and a typed-error assertion for ModelFormatError.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { ModelFormatError, SpmlError } from '../../engine/errors.js';
import type { DType, IntArray } from '../../engine/dtype.js';
import { compareCodePoints, type JsonValue, type ModelFile, type ModelTensorEntry } from '../../engine/format/format.js';
import { Rng } from '../../tools/data/rng.js';
import { gptParameterShapes, type GptConfig } from '../../engine/arch/gpt/config.js';

export const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

export const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** Recompute the 32-byte trailer of a (possibly mutated) file in place; returns it. */
export function resign(file: Uint8Array): Uint8Array {
  if (file.length >= 32) file.set(sha256(file.subarray(0, file.length - 32)), file.length - 32);
  return file;
}

export function headerLength(file: Uint8Array): number {
  return new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(8, true);
}

export function headerText(file: Uint8Array): string {
  return new TextDecoder().decode(file.subarray(12, 12 + headerLength(file)));
}

export function dataSection(file: Uint8Array): Uint8Array {
  return file.subarray(align8(12 + headerLength(file)), file.length - 32);
}

export interface CraftOptions {
  /** Header bytes (a string is UTF-8 encoded). */
  header: string | Uint8Array;
  data?: Uint8Array;
  magic?: readonly number[];
  version?: number;
  flags?: number;
  /** Header length field; defaults to the header's byte length. */
  headerLength?: number;
  /** Value of the header padding bytes (default 0). */
  padByte?: number;
  /** Recompute the trailer (default true). */
  sign?: boolean;
}

/** Assemble a file from its parts exactly as given, with a valid trailer unless told otherwise. */
export function craft(o: CraftOptions): Uint8Array {
  const header = typeof o.header === 'string' ? new TextEncoder().encode(o.header) : o.header;
  const data = o.data ?? new Uint8Array(0);
  const dataStart = align8(12 + header.length);
  const out = new Uint8Array(dataStart + data.length + 32);
  const view = new DataView(out.buffer);
  out.set(o.magic ?? [0x53, 0x50, 0x4d, 0x4c], 0);
  view.setUint16(4, o.version ?? 1, true);
  view.setUint16(6, o.flags ?? 0, true);
  view.setUint32(8, o.headerLength ?? header.length, true);
  out.set(header, 12);
  out.fill(o.padByte ?? 0, 12 + header.length, dataStart);
  out.set(data, dataStart);
  return o.sign === false ? out : resign(out);
}

/** Replace the header of a valid file by `text` (H and padding recomputed), keep its data, re-sign. */
export function withHeader(file: Uint8Array, text: string): Uint8Array {
  return craft({ header: text, data: dataSection(file) });
}

/** The error `run` throws; fails if it returns. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw, but it returned');
}

/** `run` must throw a ModelFormatError with this op, mentioning each string, at `offset` when given. */
export function expectFormatError(run: () => unknown, mentions: readonly string[], offset?: number | 'none', op = 'decodeModel'): ModelFormatError {
  const e = thrown(run);
  if (!(e instanceof ModelFormatError)) throw new Error(`expected ModelFormatError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  expect(e).toBeInstanceOf(SpmlError);
  expect(e.name).toBe('ModelFormatError');
  expect(e.code).toBe('FORMAT');
  expect(e.op, e.message).toBe(op);
  expect(e.message.startsWith(`${op}: `)).toBe(true);
  for (const m of mentions) expect(e.message).toContain(m);
  if (offset === 'none') expect(e.offset).toBeUndefined();
  else if (offset !== undefined) {
    expect(e.offset, e.message).toBe(offset);
    expect(e.message).toContain(`(at byte ${offset})`);
  }
  return e;
}

export function randomData(rng: Rng, dtype: DType, size: number): IntArray {
  switch (dtype) {
    case 'int8':
      return Int8Array.from({ length: size }, () => rng.int(-128, 127));
    case 'int16':
      return Int16Array.from({ length: size }, () => rng.int(-32768, 32767));
    case 'int32':
      return Int32Array.from({ length: size }, () => rng.int(-2147483648, 2147483647));
  }
}

const NAME_PIECES = ['w', 'b', 'h0.', 'attn', '.', '_', 'é', 'ß', '中文', 'Ω', '😀', '𝔸', '\uFFFD', '\uE000', 'ｚ', 'x', 'Z', '0', '9', '-', ' ', '"', '\\', '\n'];

function randomString(rng: Rng, pieces = NAME_PIECES, max = 5): string {
  let s = '';
  const k = rng.int(1, max);
  for (let i = 0; i < k; i++) s += pieces[rng.int(0, pieces.length - 1)]!;
  return s;
}

/** A random integer-only JSON value. */
export function randomIntJson(rng: Rng, depth = 0): JsonValue {
  const kind = rng.int(0, depth >= 3 ? 2 : 4);
  switch (kind) {
    case 0:
      return rng.int(0, 3) === 0 ? rng.int(-(2 ** 53) + 1, 2 ** 53 - 1) : rng.int(-1000, 1000);
    case 1:
      return randomString(rng);
    case 2:
      return rng.int(0, 1) === 1;
    case 3:
      return Array.from({ length: rng.int(0, 4) }, () => randomIntJson(rng, depth + 1));
    default: {
      const o: Record<string, JsonValue> = {};
      for (let i = rng.int(0, 4); i > 0; i--) o[randomString(rng)] = randomIntJson(rng, depth + 1);
      return o;
    }
  }
}

const DTYPES: DType[] = ['int8', 'int16', 'int32'];

/** A random model: random config, meta, quant and tensors of every dtype, incl. scalars and zero-size. */
export function randomModel(rng: Rng): ModelFile {
  const config: ModelFile['config'] =
    rng.int(0, 1) === 0
      ? { arch: 'mlp', sizes: rng.ints(rng.int(2, 5), 1, 1000) }
      : { arch: 'gpt', vocabSize: rng.int(1, 300), contextLength: rng.int(1, 512), width: 64, layers: rng.int(1, 12), heads: [1, 2, 4, 8][rng.int(0, 3)]!, mlpWidth: rng.int(1, 1024), lnEps: [1e-5, 1e-6, 1e-12, 0.5, 3][rng.int(0, 4)]! };
  const meta: ModelFile['meta'] = { name: randomString(rng) };
  if (rng.int(0, 1)) meta.description = randomString(rng, NAME_PIECES, 20);
  if (rng.int(0, 1)) meta.vocab = randomString(rng, NAME_PIECES, 30);
  for (let i = rng.int(0, 3); i > 0; i--) meta[`k${randomString(rng)}`] = randomIntJson(rng);
  const names = new Set<string>();
  for (let i = rng.int(0, 12); i > 0; i--) names.add(randomString(rng));
  const tensors: ModelTensorEntry[] = [...names].sort(compareCodePoints).map((name) => {
    const dtype = DTYPES[rng.int(0, 2)]!;
    const r = rng.int(0, 9);
    const shape = r === 0 ? [] : r === 1 ? [0] : r === 2 ? [3, 0, 2] : rng.ints(rng.int(1, 4), 1, 7);
    return { name, dtype, shape, data: randomData(rng, dtype, shape.reduce((a, b) => a * b, 1)) };
  });
  return { config, quant: randomIntJson(rng), meta, tensors };
}

/** The shape of the shipped character GPT: about 70 tensors and 250 KB. */
export const GPT_CONFIG: GptConfig = { arch: 'gpt', vocabSize: 65, contextLength: 128, width: 64, layers: 4, heads: 4, mlpWidth: 256, lnEps: 1e-5 };

/** A realistic int8 GPT file: int8 weights, int32 biases, int16 norms/embeddings, a GELU table, per-channel dyadics. */
export function gptLikeModel(seed = 7): ModelFile {
  const rng = new Rng(seed);
  const c = GPT_CONFIG;
  const specs: [string, DType, number[]][] = gptParameterShapes(c).map(([name, shape]) => {
    const dtype: DType = name.startsWith('wte') || name.startsWith('wpe') || /ln.\.g|lnf\.g/.test(name) ? 'int16' : shape.length === 2 ? 'int8' : 'int32';
    return [name, dtype, shape];
  });
  specs.push(['head.wte', 'int8', [c.vocabSize, c.width]]);
  for (let i = 0; i < c.layers; i++) specs.push([`h${i}.mlp.gelu`, 'int8', [256]]);
  specs.sort((a, b) => compareCodePoints(a[0], b[0]));
  const pair = (): JsonValue => [rng.int(1 << 30, 2 ** 31 - 1), rng.int(10, 40)];
  const pairs = (n: number): JsonValue => Array.from({ length: n }, pair);
  const norm = (): JsonValue => ({ eps: rng.int(0, 1000), scale: pair(), out: pair() });
  const quant: JsonValue = {
    residual: pair(),
    layers: Array.from({ length: c.layers }, () => ({ ln1: norm(), q: pairs(c.width), k: pairs(c.width), v: pairs(c.width), softmax: pair(), pv: pair(), o: pairs(c.width), ln2: norm(), up: pairs(c.mlpWidth), down: pairs(c.width) })),
    lnf: norm(),
    head: pairs(c.vocabSize),
    logits: pair(),
  };
  let vocab = '';
  for (let i = 0; i < c.vocabSize; i++) vocab += String.fromCodePoint(i < 60 ? 32 + i : 0x3b1 + i);
  return {
    config: c,
    quant,
    meta: { name: 'fuzz-gpt', description: 'GPT-like test model — 4 layers, width 64', vocab, trainingSteps: 4000 },
    tensors: specs.map(([name, dtype, shape]) => ({ name, dtype, shape, data: randomData(rng, dtype, shape.reduce((a, b) => a * b, 1)) })),
  };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Content equality of two models, typed-array kinds included. */
export function expectSameModel(got: ModelFile, want: ModelFile): void {
  expect(got.config).toStrictEqual(want.config);
  expect(got.meta).toStrictEqual(want.meta);
  expect(got.quant).toStrictEqual(want.quant);
  expect(got.tensors.map((t) => [t.name, t.dtype, t.shape])).toStrictEqual(want.tensors.map((t) => [t.name, t.dtype, t.shape]));
  got.tensors.forEach((t, i) => {
    const w = want.tensors[i]!;
    expect(t.data.constructor).toBe(w.data.constructor);
    expect(Array.from(t.data)).toStrictEqual(Array.from(w.data));
  });
}
