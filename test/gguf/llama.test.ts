/**
 * Llama models in GGUF (engine/format/gguf_llama.ts) and format detection (engine/format/import.ts):
 * stories260K and a grouped-query random llama with its own classifier survive llama2.c → GGUF →
 * checkpoint with every float bit and the config intact; Q8_0 quantizes exactly the matrices whose
 * rows hold whole blocks; the vocabulary keeps llama.cpp's '▁' and token types; every malformed or
 * foreign file is one typed GgufError naming the key or tensor; 10⁴ seeded mutations give only
 * typed errors.
 */
import { describe, expect, it } from 'vitest';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { decodeGguf, encodeGguf, GgufError, type GgufValue } from '../../engine/format/gguf.js';
import { readGgufLlama, writeGgufLlama } from '../../engine/format/gguf_llama.js';
import { detectModelFormat, readFloatModel } from '../../engine/format/import.js';
import { llamaArchitecture } from '../../engine/arch/llama/index.js';
import { parseLlamaVocabulary } from '../../engine/arch/llama/vocabulary.js';
import { ModelFormatError, ParamError } from '../../engine/errors.js';
import { randomLlamaCheckpoint } from '../../tools/data/random_llama.js';
import { Rng } from '../../tools/data/rng.js';
import { readStoriesFile } from '../llama/stories.js';
import { mutate } from './mutate.js';

const stories = () => readFloatModel(readStoriesFile('stories260K.bin'), { tokenizer: readStoriesFile('tok512.bin') }).checkpoint;
const gqa = () =>
  randomLlamaCheckpoint({ vocabSize: 300, contextLength: 16, width: 64, hiddenWidth: 96, layers: 2, heads: 4, kvHeads: 2, sharedClassifier: false }, 11);

function expectSameWeights(a: FloatCheckpoint, b: FloatCheckpoint) {
  expect(b.config).toEqual(a.config);
  expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  for (const [name, t] of a.tensors) {
    expect(b.tensors.get(name)!.shape, name).toEqual(t.shape);
    expect(new Uint8Array(b.tensors.get(name)!.data.buffer), name).toEqual(new Uint8Array(t.data.slice().buffer));
  }
}

/** Re-encode a GGUF file with metadata and tensors changed (tensors rewritten as F32). */
function rewrite(bytes: Uint8Array, edit: { set?: [string, GgufValue][]; drop?: string[]; shape?: [string, number[]] }): Uint8Array {
  const file = decodeGguf(bytes);
  const metadata = new Map(file.metadata);
  for (const k of edit.drop ?? []) metadata.delete(k);
  for (const [k, v] of edit.set ?? []) metadata.set(k, v);
  const tensors = file.tensors
    .filter((t) => !(edit.drop ?? []).includes(t.name))
    .map((t) => {
      const shape = edit.shape?.[0] === t.name ? edit.shape[1] : [...t.shape];
      return { name: t.name, shape, type: 'F32' as const, data: t.floats() };
    });
  return encodeGguf({ metadata: [...metadata], tensors });
}

function ggufErrorOf(f: () => unknown): GgufError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GgufError);
    return e as GgufError;
  }
  throw new Error('expected a GgufError, got none');
}

describe('GGUF llama import and export', () => {
  it('round-trips stories260K through F32 with every bit, the config and the tokenizer intact', () => {
    const ck = stories();
    const gguf = writeGgufLlama(ck, { type: 'F32', name: 'stories260K' });
    expect(detectModelFormat(gguf)).toBe('gguf');
    const back = readFloatModel(gguf);
    expect(back.format).toBe('gguf');
    expectSameWeights(ck, back.checkpoint);
    // The GGUF vocabulary says spaces with '▁', as llama.cpp's files do, and encodes text the same.
    const file = decodeGguf(gguf);
    const tokens = file.metadata.get('tokenizer.ggml.tokens') as unknown as { value: string[] };
    expect(tokens.value).toContain('\u2581the');
    expect(tokens.value.some((t) => t.includes(' '))).toBe(false);
    const v = parseLlamaVocabulary('test', back.checkpoint.vocab, 512);
    expect(v.spaceMarker).toBe('\u2581');
    expect(v.types!.slice(0, 4)).toEqual([2, 3, 3, 6]);
    const a = llamaArchitecture.checkpointTokenizer!(ck);
    const b = llamaArchitecture.checkpointTokenizer!(back.checkpoint);
    for (const text of ['Once upon a time', ' two  spaces', 'Lily\nand Tom', 'émoji 🙂', '']) {
      expect(b.encode(text), text).toEqual(a.encode(text));
      expect(b.decode(a.encode(text)), text).toBe(a.decode(a.encode(text)));
    }
    // Writing the imported checkpoint again gives the same file: nothing drifts on a second trip.
    expect(writeGgufLlama(back.checkpoint, { type: 'F32', name: 'stories260K' })).toEqual(gguf);
  });

  it('writes Q8_0 for matrices with whole 32-element rows and keeps the rest F32', () => {
    const ck = stories();
    const file = decodeGguf(writeGgufLlama(ck, { type: 'Q8_0' }));
    const typeOf = (name: string) => file.tensor(name)!.type;
    expect(typeOf('token_embd.weight')).toBe('Q8_0'); // rows of dim 64
    expect(typeOf('blk.0.attn_q.weight')).toBe('Q8_0');
    expect(typeOf('blk.0.ffn_gate.weight')).toBe('Q8_0'); // [172, 64]: rows of 64
    expect(typeOf('blk.0.ffn_down.weight')).toBe('F32'); // [64, 172]: 172 is not a multiple of 32
    expect(typeOf('blk.0.attn_norm.weight')).toBe('F32');
    expect((file.metadata.get('general.file_type') as { value: number }).value).toBe(7);
    // Read back: dequantized weights within one Q8_0 step of the originals.
    const back = readGgufLlama(writeGgufLlama(ck, { type: 'Q8_0' }));
    const a = ck.tensors.get('h0.attn.wq')!.data;
    const b = back.tensors.get('h0.attn.wq')!.data;
    const max = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(b.some((x, i) => x !== a[i])).toBe(true);
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i]! - a[i]!)).toBeLessThanOrEqual(max / 127);
  });

  it('round-trips a grouped-query llama with a separate classifier', () => {
    const ck = gqa();
    const gguf = writeGgufLlama(ck, { type: 'F32' });
    expect(decodeGguf(gguf).tensor('output.weight')!.shape).toEqual([300, 64]);
    expect(decodeGguf(gguf).tensor('blk.1.attn_k.weight')!.shape).toEqual([32, 64]);
    expectSameWeights(ck, readGgufLlama(gguf));
  });

  it('refuses foreign and malformed files with a typed error naming the key or tensor', () => {
    const good = writeGgufLlama(gqa(), { type: 'F32' });
    const cases: [string, () => unknown, GgufError['kind'], string | undefined][] = [
      ['another architecture', () => readGgufLlama(rewrite(good, { set: [['general.architecture', { type: 'string', value: 'gpt2' }]] })), 'unsupported', 'general.architecture'],
      ['a BPE (gpt2) tokenizer', () => readGgufLlama(rewrite(good, { set: [['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }]] })), 'unsupported', 'tokenizer.ggml.model'],
      ['no dummy prefix', () => readGgufLlama(rewrite(good, { set: [['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }]] })), 'unsupported', 'tokenizer.ggml.add_space_prefix'],
      ['partial rotary', () => readGgufLlama(rewrite(good, { set: [['llama.rope.dimension_count', { type: 'u32', value: 8 }]] })), 'unsupported', 'llama.rope.dimension_count'],
      ['a missing hyperparameter', () => readGgufLlama(rewrite(good, { drop: ['llama.feed_forward_length'] })), 'missing-key', 'llama.feed_forward_length'],
      ['a hyperparameter of the wrong type', () => readGgufLlama(rewrite(good, { set: [['llama.block_count', { type: 'string', value: '2' }]] })), 'type', 'llama.block_count'],
      ['a missing tensor', () => readGgufLlama(rewrite(good, { drop: ['blk.1.ffn_up.weight'] })), 'missing-key', 'blk.1.ffn_up.weight'],
      ['a tensor of the wrong shape', () => readGgufLlama(rewrite(good, { shape: ['blk.0.attn_v.weight', [64, 32]] })), 'inconsistent', 'blk.0.attn_v.weight'],
      ['heads that do not divide the width', () => readGgufLlama(rewrite(good, { set: [['llama.attention.head_count', { type: 'u32', value: 5 }]] })), 'inconsistent', undefined],
      ['too few token texts', () => readGgufLlama(rewrite(good, { set: [['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: ['a', 'b'] }]] })), 'inconsistent', 'tokenizer.ggml.tokens'],
      ['a BOS id past the vocabulary', () => readGgufLlama(rewrite(good, { set: [['tokenizer.ggml.bos_token_id', { type: 'u32', value: 300 }]] })), 'inconsistent', 'tokenizer.ggml.bos_token_id'],
      ['bad magic', () => readGgufLlama(new Uint8Array([0x47, 0x47, 0x55, 0x47, ...good.subarray(4)])), 'magic', undefined],
      ['a truncated file', () => readFloatModel(good.subarray(0, good.length - 9)), 'truncated', 'output.weight'],
    ];
    for (const [what, f, kind, subject] of cases) {
      const e = ggufErrorOf(f);
      expect(e.kind, `${what}: ${e.message}`).toBe(kind);
      if (subject) expect(e.subject, what).toBe(subject);
    }
  });

  it('detects the format from the first bytes and says what a file lacks', () => {
    const bin = readStoriesFile('stories260K.bin');
    expect(detectModelFormat(bin)).toBe('llama2c');
    expect(() => readFloatModel(bin)).toThrow(/needs its tokenizer file/);
    expect(() => readFloatModel(writeGgufLlama(gqa(), { type: 'F32' }), { tokenizer: readStoriesFile('tok512.bin') })).toThrow(ParamError);
    expect(() => readFloatModel(new Uint8Array([0x53, 0x50, 0x4d, 0x4c, 1, 0]))).toThrow(/a .spml model already/);
    expect(detectModelFormat(new TextEncoder().encode('PK\x03\x04 a zip file, not a model'))).toBe('unknown');
    expect(() => readFloatModel(new TextEncoder().encode('PK\x03\x04 a zip file'))).toThrow(ModelFormatError);
    expect(() => readFloatModel(new Uint8Array(3))).toThrow(/neither "SPML", "GGUF" nor a llama2.c header/);
    expect(() => writeGgufLlama(gqa(), { type: 'Q4_0' as never })).toThrow(ParamError);
  });

  it('10⁴ seeded mutations of a llama GGUF: only typed errors, no hangs', () => {
    const src = writeGgufLlama(randomLlamaCheckpoint({ vocabSize: 260, contextLength: 8, width: 32, hiddenWidth: 32, layers: 1, heads: 2, kvHeads: 1 }, 3), { type: 'Q8_0' });
    readGgufLlama(src);
    const rng = new Rng(13);
    const untyped: string[] = [];
    const outcomes = new Map<string, number>();
    let maxMs = 0;
    for (let i = 0; i < 10_000; i++) {
      const { kind, bytes } = mutate(src, rng);
      const t = performance.now();
      let outcome = 'accepted';
      try {
        readFloatModel(bytes);
      } catch (e) {
        if (e instanceof GgufError) outcome = e.kind;
        else if (e instanceof ModelFormatError) outcome = 'not a model file';
        else untyped.push(`case ${i} (${kind}): ${String(e)}`);
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      maxMs = Math.max(maxMs, performance.now() - t);
    }
    console.log(`llama GGUF fuzz: ${src.length} bytes, outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}, max ${maxMs.toFixed(1)} ms per file`);
    expect(untyped.slice(0, 5)).toEqual([]);
    expect(maxMs).toBeLessThan(1000);
  }, 120_000);
});
