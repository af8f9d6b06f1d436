/**
 * The tfjs weights importer (engine/format/tfjs.ts) on genuine TensorFlow.js artifacts:
 * weights made as tfjs variables/tensors and encoded with tf.io.encodeWeights (exactly what tf.io
 * saves), imported bit for bit, fed to the GPT and MLP quantizers, round-tripped through model.json
 * + shard files on disk, and every validation error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParamError } from '../../engine/errors.js';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { quantizeGpt } from '../../engine/arch/gpt/quantize.js';
import { quantizeMlp } from '../../engine/arch/mlp/quantize.js';
import {
  checkpointFromTfjsArtifacts,
  checkpointFromTfjsFiles,
  defaultTfjsNameMap,
  TfjsImportError,
  type TfjsArtifacts,
  type TfjsImportErrorKind,
  type TfjsImportOptions,
  type TfjsWeightSpec,
} from '../../engine/format/tfjs.js';
import { gptParameterShapes, type GptConfig } from '../../engine/arch/gpt/config.js';
import { mlpParameterShapes, type MlpConfig } from '../../engine/arch/mlp/config.js';

const GPT: GptConfig = { arch: 'gpt', vocabSize: 8, contextLength: 8, width: 8, layers: 1, heads: 2, mlpWidth: 16, lnEps: 1e-5 };
const VOCAB = 'abcdefg ';
const MLP: MlpConfig = { arch: 'mlp', sizes: [16, 12, 4] };
const gptOptions: TfjsImportOptions = { config: GPT, vocab: VOCAB };
const mlpOptions: TfjsImportOptions = { config: MLP };

/** Deterministic float32 values for a parameter (gains near 1, biases small), from tfjs's seeded RNG. */
function init(name: string, shape: number[], seed: number): tf.Tensor {
  const gain = name.endsWith('.g') || name.endsWith('/g');
  const bias = /[./]b[a-z0-9]*$/.test(name) && !gain;
  return tf.randomNormal(shape, gain ? 1 : 0, gain ? 0.1 : bias ? 0.05 : 0.3, 'float32', seed);
}

/** The tfjs name a GPT parameter is saved under in these tests: slashes, as tfjs scopes write them. */
const tfjsGptName = (spml: string) => spml.replace(/\./g, '/');

interface Encoded {
  data: ArrayBuffer;
  specs: TfjsWeightSpec[];
  /** tfjs name → the float32 values tfjs holds (the source of truth for bit-exactness). */
  source: Map<string, Float32Array>;
}

async function encode(tensors: tf.NamedTensorMap): Promise<Encoded> {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const source = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(tensors)) if (t.dtype === 'float32') source.set(name, t.dataSync() as Float32Array);
  return { data, specs: specs as TfjsWeightSpec[], source };
}

/** Encode a map of named tensors, disposing them afterwards. */
async function encodeAndDispose(tensors: tf.NamedTensorMap): Promise<Encoded> {
  try {
    return await encode(tensors);
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}

/** Every imported tensor equals its tfjs source bit for bit (compared as uint32 words). */
function expectBitExact(ck: FloatCheckpoint, source: Map<string, Float32Array>, toTfjs: (spml: string) => string) {
  expect(ck.tensors.size).toBe(source.size);
  for (const [name, t] of ck.tensors) {
    const src = source.get(toTfjs(name));
    expect(src, name).toBeDefined();
    expect(t.data.length).toBe(src!.length);
    expect(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)).toEqual(new Uint32Array(src!.buffer, src!.byteOffset, src!.length));
  }
}

/** The checkpoint a caller would build by hand from the same values, to compare quantizer outputs. */
function handBuilt(config: GptConfig | MlpConfig, source: Map<string, Float32Array>, toTfjs: (spml: string) => string, vocab?: string): FloatCheckpoint {
  const shapes = config.arch === 'gpt' ? gptParameterShapes(config) : mlpParameterShapes(config);
  return { config, vocab, tensors: new Map(shapes.map(([n, shape]) => [n, { shape, data: Float32Array.from(source.get(toTfjs(n))!) }])) };
}

/** Run fn, expecting a TfjsImportError of this kind; returns it. */
function expectImportError(fn: () => unknown, kind: TfjsImportErrorKind): TfjsImportError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TfjsImportError);
  expect(err).toBeInstanceOf(ParamError);
  const e = err as TfjsImportError;
  expect(e.code).toBe('PARAM');
  expect(e.op).toBe('importTfjs');
  expect(e.kind).toBe(kind);
  return e;
}

let gpt: Encoded;
let mlp: Encoded;
let gptVars: tf.Variable[] = [];
let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  // The GPT as tfjs variables, named the way a tfjs training script would scope them.
  gptVars = gptParameterShapes(GPT).map(([name, shape], i) => tf.variable(init(name, shape, 100 + i), true, tfjsGptName(name)));
  // A -0 and a subnormal, to make bit-exactness mean something.
  const wte = gptVars[0]!;
  const v = wte.dataSync().slice() as Float32Array;
  v[0] = -0;
  v[1] = 1.4e-45;
  wte.assign(tf.tensor(v, wte.shape, 'float32'));
  gpt = await encode(Object.fromEntries(gptVars.map((x) => [x.name, x])));
  mlp = await encodeAndDispose(Object.fromEntries(mlpParameterShapes(MLP).map(([n, shape], i) => [n, init(n, shape, 200 + i)])));
  dir = mkdtempSync(join(tmpdir(), 'spml-tfjs-'));
});

afterAll(() => {
  gptVars.forEach((x) => x.dispose());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('checkpointFromTfjsArtifacts', () => {
  it('imports a tfjs GPT bit for bit and feeds quantizeGpt', () => {
    expect(gpt.specs.map((s) => s.name)).toContain('h0/attn/wq');
    const ck = checkpointFromTfjsArtifacts({ weightSpecs: gpt.specs, weightData: gpt.data }, gptOptions);
    expect(ck.config).toEqual(GPT);
    expect(ck.vocab).toBe(VOCAB);
    expect([...ck.tensors.keys()]).toEqual(gptParameterShapes(GPT).map(([n]) => n));
    expectBitExact(ck, gpt.source, tfjsGptName);
    expect(Object.is(ck.tensors.get('wte')!.data[0], -0)).toBe(true);

    const cal = { sequences: [[0, 1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3]] };
    const q = quantizeGpt(ck, cal);
    expect(q.tensors.get('h0.attn.wq')!.dtype).toBe('int8');
    expect(q.tensors.get('embed.tok')!.shape).toEqual([GPT.vocabSize, GPT.width]);
    // The same as quantizing a checkpoint built by hand from the tfjs values.
    expect(q).toEqual(quantizeGpt(handBuilt(GPT, gpt.source, tfjsGptName, VOCAB), cal));
  });

  it('imports a tfjs MLP bit for bit and feeds quantizeMlp', () => {
    const ck = checkpointFromTfjsArtifacts({ weightSpecs: mlp.specs, weightData: mlp.data }, mlpOptions);
    expectBitExact(ck, mlp.source, (n) => n);
    const pixels = Uint8Array.from({ length: 5 * 16 }, (_, i) => (i * 37) % 256);
    const q = quantizeMlp(ck, { pixels, count: 5 });
    expect(q.tensors.get('w0')!.dtype).toBe('int8');
    expect(q.tensors.get('b1')!.shape).toEqual([4]);
    expect(q).toEqual(quantizeMlp(handBuilt(MLP, mlp.source, (n) => n), { pixels, count: 5 }));
  });

  it('accepts weightData as an unaligned Uint8Array, as a list of buffers, and a weightsManifest', () => {
    const bytes = new Uint8Array(mlp.data);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 1);
    const unaligned = checkpointFromTfjsArtifacts({ weightSpecs: mlp.specs, weightData: padded.subarray(1, 1 + bytes.length) }, mlpOptions);
    expectBitExact(unaligned, mlp.source, (n) => n);
    const parts = [bytes.slice(0, 7).buffer, bytes.slice(7, 301).buffer, bytes.slice(301).buffer];
    expectBitExact(checkpointFromTfjsArtifacts({ weightSpecs: mlp.specs, weightData: parts }, mlpOptions), mlp.source, (n) => n);
    const manifest = [
      { paths: ['a.bin'], weights: mlp.specs.slice(0, 1) },
      { paths: ['b.bin'], weights: mlp.specs.slice(1) },
    ];
    expectBitExact(checkpointFromTfjsArtifacts({ weightsManifest: manifest, weightData: mlp.data }, mlpOptions), mlp.source, (n) => n);
  });

  it('maps names: default h0/attn/wq, h0.attn.wq, :0 suffixes; a custom nameMap for Keras-style names', () => {
    expect(defaultTfjsNameMap('h0/attn/wq')).toBe('h0.attn.wq');
    expect(defaultTfjsNameMap('h0.attn.wq')).toBe('h0.attn.wq');
    expect(defaultTfjsNameMap('h0/mlp/b1:0')).toBe('h0.mlp.b1');
    const dotted = gpt.specs.map((s, i) => ({ ...s, name: i % 2 ? s.name.replace(/\//g, '.') : `${s.name}:0` }));
    expectBitExact(checkpointFromTfjsArtifacts({ weightSpecs: dotted, weightData: gpt.data }, gptOptions), gpt.source, tfjsGptName);

    const keras = mlp.specs.map((s) => ({ ...s, name: `dense_Dense${Number(s.name.slice(1)) + 1}/${s.name[0] === 'w' ? 'kernel' : 'bias'}` }));
    const nameMap = (n: string) => {
      const m = /^dense_Dense(\d+)\/(kernel|bias)$/.exec(n);
      return m ? `${m[2] === 'kernel' ? 'w' : 'b'}${Number(m[1]) - 1}` : undefined;
    };
    const ck = checkpointFromTfjsArtifacts({ weightSpecs: keras, weightData: mlp.data }, { config: MLP, nameMap });
    expectBitExact(ck, mlp.source, (n) => n);
  });

  it('skips extra weights of any measurable dtype with allowExtra, and rejects them without', async () => {
    const withExtras = await encodeAndDispose({
      'optimizer/iter': tf.scalar(12, 'int32'),
      ...Object.fromEntries(mlpParameterShapes(MLP).map(([n]) => [n, tf.tensor(mlp.source.get(n)!, mlpParameterShapes(MLP).find(([m]) => m === n)![1], 'float32')])),
      'meta/labels': tf.tensor(['zero', 'one', 'twö'], [3], 'string'),
      'meta/mask': tf.tensor([1, 0, 1], [3], 'bool'),
      'optimizer/m_w0': tf.zeros([16, 12]),
    });
    const art = { weightSpecs: withExtras.specs, weightData: withExtras.data };
    const e = expectImportError(() => checkpointFromTfjsArtifacts(art, mlpOptions), 'extra');
    expect(e.names).toEqual(['optimizer/iter', 'meta/labels', 'meta/mask', 'optimizer/m_w0']);
    expect(e.message).toContain('optimizer/iter, meta/labels, meta/mask, optimizer/m_w0');
    const ck = checkpointFromTfjsArtifacts(art, { ...mlpOptions, allowExtra: true });
    expectBitExact(ck, mlp.source, (n) => n);
    // A nameMap returning undefined marks a weight as not a parameter.
    const dropIter = { ...mlpOptions, allowExtra: true, nameMap: (n: string) => (n.startsWith('optimizer/') ? undefined : n) };
    expectBitExact(checkpointFromTfjsArtifacts(art, dropIter), mlp.source, (n) => n);
  });
});

describe('checkpointFromTfjsFiles', () => {
  it('reads model.json + weights.bin in the standard layout', async () => {
    const d = join(dir, 'single');
    mkdirSync(d);
    const modelJson = { format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-core v4.22.0', modelTopology: null, weightsManifest: [{ paths: ['weights.bin'], weights: gpt.specs }] };
    writeFileSync(join(d, 'model.json'), JSON.stringify(modelJson));
    writeFileSync(join(d, 'weights.bin'), new Uint8Array(gpt.data));
    const ck = await checkpointFromTfjsFiles(join(d, 'model.json'), gptOptions);
    expectBitExact(ck, gpt.source, tfjsGptName);
    expect(quantizeGpt(ck, { sequences: [[1, 2, 3]] }).config).toEqual(GPT);
  });

  it('reads several groups, each cut into shards at odd byte boundaries', async () => {
    const d = join(dir, 'sharded');
    mkdirSync(d);
    const bytes = new Uint8Array(gpt.data);
    const split = 10; // specs 0..9 in group 1, the rest in group 2
    const g1Bytes = gpt.specs.slice(0, split).reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    const pieces = (from: number, to: number, cuts: number[]) => [from, ...cuts.map((c) => from + c), to].slice(1).map((end, i, ends) => bytes.subarray(i ? ends[i - 1]! : from, end));
    const g1 = pieces(0, g1Bytes, [5, 101]); // mid-float cuts
    const g2 = pieces(g1Bytes, bytes.length, [333]);
    const names1 = g1.map((_, i) => `group1-shard${i + 1}of3.bin`);
    const names2 = g2.map((_, i) => `./group2-shard${i + 1}of2.bin`);
    [...g1, ...g2].forEach((s, i) => writeFileSync(join(d, [...names1, ...names2][i]!), s));
    const manifest = [
      { paths: names1, weights: gpt.specs.slice(0, split) },
      { paths: names2, weights: gpt.specs.slice(split) },
    ];
    writeFileSync(join(d, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: manifest }));
    expectBitExact(await checkpointFromTfjsFiles(join(d, 'model.json'), gptOptions), gpt.source, tfjsGptName);
  });

  it('rejects a missing shard, a shard path outside the directory, and a model.json that is not one', async () => {
    const d = join(dir, 'bad');
    mkdirSync(d);
    const write = (doc: unknown) => writeFileSync(join(d, 'model.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
    const kindOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof TfjsImportError ? e.kind : String(e)));
    write({ weightsManifest: [{ paths: ['nope.bin'], weights: mlp.specs }] });
    expect(await kindOf(checkpointFromTfjsFiles(join(d, 'model.json'), mlpOptions))).toBe('io');
    write({ weightsManifest: [{ paths: ['../single/weights.bin'], weights: mlp.specs }] });
    expect(await kindOf(checkpointFromTfjsFiles(join(d, 'model.json'), mlpOptions))).toBe('format');
    write('{ not json');
    expect(await kindOf(checkpointFromTfjsFiles(join(d, 'model.json'), mlpOptions))).toBe('format');
    write({ modelTopology: {} });
    expect(await kindOf(checkpointFromTfjsFiles(join(d, 'model.json'), mlpOptions))).toBe('format');
    expect(await kindOf(checkpointFromTfjsFiles(join(d, 'absent.json'), mlpOptions))).toBe('io');
  });
});

describe('validation errors', () => {
  const art = (specs: TfjsWeightSpec[], data: ArrayBuffer | Uint8Array = mlp.data): TfjsArtifacts => ({ weightSpecs: specs, weightData: data });
  const importMlp = (a: TfjsArtifacts, o: Partial<TfjsImportOptions> = {}) => () => checkpointFromTfjsArtifacts(a, { ...mlpOptions, ...o });
  /** The bytes of the MLP with float `index` of weight `name` replaced by v. */
  const patched = (name: string, index: number, v: number) => {
    const bytes = new Uint8Array(mlp.data.slice(0));
    let at = 0;
    for (const s of mlp.specs) {
      if (s.name === name) break;
      at += 4 * s.shape.reduce((a, b) => a * b, 1);
    }
    new DataView(bytes.buffer).setFloat32(at + 4 * index, v, true);
    return bytes;
  };

  it('missing weights, listed', () => {
    const specs = mlp.specs.filter((s) => s.name !== 'b0' && s.name !== 'w1');
    const e = expectImportError(importMlp(art(specs)), 'missing');
    expect(e.names).toEqual(['b0', 'w1']);
    expect(e.message).toContain('b0, w1');
  });

  it('missing weights point at the unmatched tfjs names', () => {
    const specs = mlp.specs.map((s) => ({ ...s, name: `model_${s.name}` }));
    const e = expectImportError(importMlp(art(specs)), 'missing');
    expect(e.message).toContain('unmatched tfjs weights: model_w0, model_b0, model_w1, model_b1');
  });

  it('duplicate names and two weights mapping to one parameter', () => {
    const specs = [...mlp.specs, { ...mlp.specs[1]! }];
    expectImportError(importMlp(art(specs)), 'duplicate');
    const gptSpecs = [...gpt.specs, { ...gpt.specs[4]!, name: gpt.specs[4]!.name.replace(/\//g, '.') }];
    const e = expectImportError(() => checkpointFromTfjsArtifacts({ weightSpecs: gptSpecs, weightData: gpt.data }, gptOptions), 'duplicate');
    expect(e.names).toEqual(['h0/attn/wq', 'h0.attn.wq']);
  });

  it('shape mismatch, with the name and both shapes', () => {
    const specs = mlp.specs.map((s) => (s.name === 'w0' ? { ...s, shape: [12, 16] } : s));
    const e = expectImportError(importMlp(art(specs)), 'shape');
    expect(e.message).toContain('w0');
    expect(e.message).toContain('[12, 16]');
    expect(e.message).toContain('[16, 12]');
    const flat = mlp.specs.map((s) => (s.name === 'b1' ? { ...s, shape: [4, 1] } : s));
    expect(expectImportError(importMlp(art(flat)), 'shape').message).toContain('b1: shape [4, 1], expected [4]');
  });

  it('shape mismatch names the tfjs weight and the parameter it maps to', () => {
    const specs = gpt.specs.map((s) => (s.name === 'h0/mlp/w1' ? { ...s, shape: [16, 8] } : s));
    const e = expectImportError(() => checkpointFromTfjsArtifacts({ weightSpecs: specs, weightData: gpt.data }, gptOptions), 'shape');
    expect(e.message).toBe('importTfjs: weight h0/mlp/w1 (parameter h0.mlp.w1): shape [16, 8], expected [8, 16]');
  });

  it('weightData byte length not matching the specs', () => {
    const bytes = new Uint8Array(mlp.data);
    const short = expectImportError(importMlp(art(mlp.specs, bytes.subarray(0, bytes.length - 4))), 'byteLength');
    expect(short.message).toContain(`${bytes.length - 4} bytes`);
    expect(short.message).toContain(`describe ${bytes.length}`);
    const long = new Uint8Array(bytes.length + 1);
    long.set(bytes);
    expectImportError(importMlp(art(mlp.specs, long)), 'byteLength');
    expectImportError(importMlp(art(mlp.specs, new Uint8Array(0))), 'byteLength');
  });

  it('non-finite values, with the name and index', () => {
    for (const v of [NaN, Infinity, -Infinity]) {
      const e = expectImportError(importMlp(art(mlp.specs, patched('b0', 3, v))), 'nonFinite');
      expect(e.names).toEqual(['b0']);
      expect(e.message).toBe(`importTfjs: weight b0: element 3 (flat index) is ${v}`);
    }
    // The largest finite float32 is fine.
    expect(() => importMlp(art(mlp.specs, patched('w1', 0, 3.4028234663852886e38)))()).not.toThrow();
  });

  it('unsupported dtypes', async () => {
    const ints = await encodeAndDispose(
      Object.fromEntries(mlpParameterShapes(MLP).map(([n, shape]) => [n, n === 'b0' ? tf.zeros(shape, 'int32') : tf.tensor(mlp.source.get(n)!, shape)])),
    );
    const e = expectImportError(importMlp(art(ints.specs, ints.data)), 'dtype');
    expect(e.message).toBe('importTfjs: weight b0 has dtype int32; only float32 weights can be imported');
    for (const dtype of ['float16', 'bool', 'complex64', 'string', 'float64']) {
      const specs = mlp.specs.map((s) => (s.name === 'w1' ? { ...s, dtype } : s));
      expect(expectImportError(importMlp(art(specs)), 'dtype').names).toEqual(['w1']);
    }
    // An extra weight of unknown dtype cannot be skipped: its size is unknown.
    const odd = [...mlp.specs, { name: 'x', shape: [1], dtype: 'float64' }];
    expect(expectImportError(importMlp(art(odd), { allowExtra: true }), 'dtype').message).toContain('cannot tell how many bytes');
  });

  it('tfjs-quantized weights', () => {
    // What tfjs-converter's --quantize_uint8 writes: uint8 codes with min and scale.
    const specs = mlp.specs.map((s) => (s.name === 'w0' ? { ...s, quantization: { dtype: 'uint8', min: -1, scale: 2 / 255 } } : s));
    const bytes = new Uint8Array(mlp.data.byteLength - 16 * 12 * 3);
    const e = expectImportError(importMlp(art(specs, bytes)), 'quantized');
    expect(e.names).toEqual(['w0']);
    expect(e.message).toContain('quantized');
    expect(e.message).toContain('float32');
    // A quantized extra weight is skipped by its quantized size.
    const extra = [...mlp.specs, { name: 'emb/q', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } }];
    const padded = new Uint8Array(mlp.data.byteLength + 10);
    padded.set(new Uint8Array(mlp.data));
    expectBitExact(checkpointFromTfjsArtifacts(art(extra, padded), { ...mlpOptions, allowExtra: true }), mlp.source, (n) => n);
  });

  it('malformed artifacts and specs', () => {
    expectImportError(() => checkpointFromTfjsArtifacts({ weightData: mlp.data } as TfjsArtifacts, mlpOptions), 'format');
    expectImportError(() => checkpointFromTfjsArtifacts({ weightSpecs: mlp.specs } as unknown as TfjsArtifacts, mlpOptions), 'format');
    expectImportError(() => checkpointFromTfjsArtifacts({ weightSpecs: mlp.specs, weightData: [1, 2] } as unknown as TfjsArtifacts, mlpOptions), 'format');
    const badShape = mlp.specs.map((s) => (s.name === 'b0' ? { ...s, shape: [-12] } : s));
    expectImportError(importMlp(art(badShape)), 'format');
    const noName = mlp.specs.map((s) => (s.name === 'b0' ? { ...s, name: '' } : s));
    expectImportError(importMlp(art(noName)), 'format');
  });

  it('checkpoint checks: a bad config, a gpt without its vocab', () => {
    const bad = () => checkpointFromTfjsArtifacts(art(mlp.specs), { config: { arch: 'mlp', sizes: [16] } });
    expect(bad).toThrow(ParamError);
    expect(bad).toThrow(/importTfjs: invalid model config/);
    const noVocab = () => checkpointFromTfjsArtifacts({ weightSpecs: gpt.specs, weightData: gpt.data }, { config: GPT });
    expect(noVocab).toThrow(ParamError);
    expect(noVocab).toThrow('importTfjs: a gpt checkpoint needs a vocab of 8 characters');
    expect(() => checkpointFromTfjsArtifacts({ weightSpecs: gpt.specs, weightData: gpt.data }, { config: GPT, vocab: 'abc' })).toThrow(/vocab of 8/);
    // The gpt weights under an mlp config: all four mlp parameters missing, every gpt weight unmatched.
    expectImportError(() => checkpointFromTfjsArtifacts({ weightSpecs: gpt.specs, weightData: gpt.data }, mlpOptions), 'missing');
  });
});
