/**
 * Importing stories260K (engine/import_model.ts): the llama2.c checkpoint and its tokenizer become
 * exactly the shipped models/stories260k.spml, whether converted first or given to loadModel as a
 * path or as bytes; the conversion reports its progress; the calibration text is the float
 * model's own, seeded; and every bad input is one typed error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { loadModel } from '../../engine/api.js';
import { calibrationSequences, plannedSampling, sampleFloatSequence } from '../../engine/arch/llama/calibration.js';
import { ModelFormatError, ParamError } from '../../engine/errors.js';
import { modelHash } from '../../engine/format/format.js';
import { importModel, type ImportProgress } from '../../engine/import_model.js';
import { storiesCheckpoint } from './int_llama.js';
import { BOS, readStoriesFile, STORIES_DIR } from './stories.js';

const SHIPPED = new Uint8Array(readFileSync(new URL('../../models/stories260k.spml', import.meta.url)));
const BIN = join(STORIES_DIR, 'stories260K.bin');
const TOK = join(STORIES_DIR, 'tok512.bin');
// A conversion samples 8 × 64 tokens through the float model: about 15 s on one free core.
const CONVERSION_TIMEOUT = 240_000;

describe('importing stories260K', () => {
  it(
    'gives the shipped file byte for byte, reporting its progress up to the total',
    () => {
      const seen: ImportProgress[] = [];
      const r = importModel(readStoriesFile('stories260K.bin'), { tokenizer: readStoriesFile('tok512.bin'), name: 'stories260k', onProgress: (p) => seen.push(p) });
      expect(r.format).toBe('llama2c');
      expect(r.hash).toBe(modelHash(SHIPPED));
      expect(Buffer.from(r.bytes).equals(Buffer.from(SHIPPED))).toBe(true);
      expect(r.file.meta).toMatchObject({ name: 'stories260k', source: 'llama2.c checkpoint', sourceSha256: 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696' });
      expect(seen.length).toBeGreaterThan(8);
      const total = seen[0]!.total;
      expect(seen.every((p) => p.total === total)).toBe(true);
      expect(seen.every((p, i) => i === 0 || p.done >= seen[i - 1]!.done)).toBe(true);
      expect(seen.at(-1)).toEqual({ stage: 'done', done: total, total });
      expect(seen.map((p) => p.stage)).toContain('quantize');
    },
    CONVERSION_TIMEOUT,
  );

  it(
    'loadModel converts a llama2.c path (with its tokenizer path) to the same model hash as the shipped file',
    async () => {
      const model = await loadModel(BIN, { tokenizer: TOK, name: 'stories260k' });
      expect(model.hash).toBe(modelHash(SHIPPED));
      expect(model.kind).toBe('llama');
    },
    CONVERSION_TIMEOUT,
  );

  it(
    'loadModel converts llama2.c bytes (with tokenizer bytes) to the same model hash as the shipped file',
    async () => {
      const model = await loadModel(readStoriesFile('stories260K.bin'), { tokenizer: readStoriesFile('tok512.bin'), name: 'stories260k' });
      expect(model.hash).toBe(modelHash(SHIPPED));
      expect((await loadModel('stories260k')).hash).toBe(model.hash);
    },
    CONVERSION_TIMEOUT,
  );
});

describe('calibration text sampled from the float model', () => {
  it('starts at BOS, fills the recipe, and depends only on the seed', () => {
    const ck = storiesCheckpoint();
    const recipe = { sequences: 2, length: 12, seed: 5 };
    const a = calibrationSequences(ck, recipe);
    expect(a.map((s) => s.length)).toEqual([12, 12]);
    expect(a.every((s) => s[0] === BOS && s.every((id) => Number.isInteger(id) && id >= 0 && id < 512))).toBe(true);
    expect(calibrationSequences(ck, recipe)).toEqual(a);
    expect(a[1]).toEqual(sampleFloatSequence(ck, [BOS], 12, 6));
    expect(a[0]).not.toEqual(a[1]);
    expect(plannedSampling(ck, recipe).work).toBe(2 * ((12 * 11) / 2));
  });

  it('refuses an empty recipe', () => {
    expect(() => calibrationSequences(storiesCheckpoint(), { sequences: 0, length: 12, seed: 1 })).toThrow(ParamError);
    expect(() => calibrationSequences(storiesCheckpoint(), { sequences: 1, length: 1, seed: 1 })).toThrow(ParamError);
  });
});

describe('bad input is one typed error', () => {
  const bin = readStoriesFile('stories260K.bin');
  const tok = readStoriesFile('tok512.bin');

  it('a llama2.c checkpoint without its tokenizer', async () => {
    expect(() => importModel(bin)).toThrow(ParamError);
    await expect(loadModel(bin)).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining('tokenizer') });
  });

  it('a truncated checkpoint', async () => {
    expect(() => importModel(bin.subarray(0, 100_000), { tokenizer: tok })).toThrow(/truncated/);
    await expect(loadModel(bin.subarray(0, 100_000), { tokenizer: tok })).rejects.toBeInstanceOf(ModelFormatError);
  });

  it('bytes of no known format, and a .spml file given for import', async () => {
    const text = new TextEncoder().encode('hello, this is not a model at all');
    expect(() => importModel(text, { tokenizer: tok })).toThrow(ModelFormatError);
    await expect(loadModel(text, { tokenizer: tok })).rejects.toBeInstanceOf(ModelFormatError);
    expect(() => importModel(SHIPPED)).toThrow(ModelFormatError);
  });

  it('a tokenizer given with a .spml model, or of the wrong type', async () => {
    await expect(loadModel(SHIPPED, { tokenizer: tok })).rejects.toBeInstanceOf(ParamError);
    await expect(loadModel(bin, { tokenizer: 42 as unknown as Uint8Array })).rejects.toBeInstanceOf(ParamError);
    await expect(loadModel(BIN, { tokenizer: '/no/such/tok.bin' })).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining("cannot read tokenizer '/no/such/tok.bin'") });
  });
});
