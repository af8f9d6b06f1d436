/**
 * spml's llama against llama.cpp (node-llama-cpp 3.21.1, a devDependency, so this never skips) on
 * the F32 GGUF export of stories260K (engine/format/gguf_llama.ts): the tokenizer gives llama.cpp's
 * ids on every string of the seeded corpus; the float64 reference gives llama.cpp's greedy tokens
 * (128 on each of 6 prompts; a divergence may only be a near-tie, top-2 gap < 1e-4) and its top-1
 * on ≥ 99.9% of 2,048 teacher-forced positions of 4 stories sampled from the model. Exports broken
 * the way converters break them (rotary pairs permuted, another space marker) fail these checks.
 * The numbers: tools/llamacpp_check.ts, docs/ACCURACY.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlamaConfig } from '../../engine/arch/llama/config.js';
import { llamaArchitecture } from '../../engine/arch/llama/index.js';
import { llamaVocabularyText, parseLlamaVocabulary } from '../../engine/arch/llama/vocabulary.js';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { readGgufLlama, writeGgufLlama } from '../../engine/format/gguf_llama.js';
import { readLlama2c } from '../../engine/format/llama2c.js';
import { compareGreedy, compareTeacherForced, compareTokenizers, NEAR_TIE, sampleStory } from '../../tools/llamacpp/compare.js';
import { tokenizerCorpus } from '../../tools/llamacpp/corpus.js';
import { openLlamaCpp, type LlamaCpp } from '../../tools/llamacpp/llamacpp.js';
import { permuteRotaryHalves } from '../../tools/llamacpp/mutations.js';
import { readStoriesFile } from './stories.js';

const PROMPTS = ['Once upon a time', 'One day', 'Tom and his mom', 'The little bird', 'Lily wanted', 'The sun was'];
const GREEDY_STEPS = 128;
const STORY_LENGTH = 512;

const llama2c = (): FloatCheckpoint => readLlama2c(readStoriesFile('stories260K.bin'), readStoriesFile('tok512.bin'));

describe('spml against llama.cpp on the F32 GGUF export of stories260K', () => {
  let ck: FloatCheckpoint;
  let cfg: LlamaConfig;
  let cpp: LlamaCpp;
  let stories: number[][];

  beforeAll(async () => {
    const gguf = writeGgufLlama(llama2c(), { type: 'F32', name: 'stories260K' });
    ck = readGgufLlama(gguf);
    cfg = ck.config as LlamaConfig;
    cpp = await openLlamaCpp(gguf, { vocabSize: cfg.vocabSize, maxTokens: STORY_LENGTH, kvCache: 'F32' });
    const tok = llamaArchitecture.checkpointTokenizer!(ck);
    stories = [];
    for (const [i, p] of PROMPTS.slice(0, 4).entries()) stories.push(await sampleStory(cpp, tok.encode(p), STORY_LENGTH, 2000 + i));
  });
  afterAll(async () => {
    await cpp?.dispose();
  });

  it('the tokenizer gives llama.cpp ids, BOS included, on every one of ≥ 1,000 varied strings', () => {
    const texts = tokenizerCorpus();
    expect(texts.length).toBeGreaterThanOrEqual(1000);
    expect(cpp.addsBos).toBe(true);
    const r = compareTokenizers(llamaArchitecture.checkpointTokenizer!(ck), cpp, texts);
    expect(r.differences).toEqual([]);
  });

  it("llama2.c's vocabulary (run.c's rule) differs from llama.cpp only where the text holds a literal '▁'", () => {
    const texts = tokenizerCorpus();
    const r = compareTokenizers(llamaArchitecture.checkpointTokenizer!(llama2c()), cpp, texts);
    expect(r.differences.length).toBeGreaterThan(0);
    expect(r.differences.filter((d) => !d.text.includes('▁'))).toEqual([]);
  });

  it(`the float reference's greedy tokens are llama.cpp's for ${GREEDY_STEPS} tokens on ${PROMPTS.length} prompts`, async () => {
    const tok = llamaArchitecture.checkpointTokenizer!(ck);
    for (const prompt of PROMPTS) {
      const r = await compareGreedy(cfg, ck.tensors, cpp, tok.encode(prompt), GREEDY_STEPS);
      // A divergence is allowed only at a near-tie, and then it is reported with its gap.
      if (r.divergence) console.log(`near-tie divergence on ${JSON.stringify(prompt)}:`, r.divergence);
      expect(r.divergence === undefined || r.divergence.spmlGap < NEAR_TIE, `${prompt}: ${JSON.stringify(r.divergence)}`).toBe(true);
      expect(r.matched, prompt).toBeGreaterThanOrEqual(r.divergence ? 100 : GREEDY_STEPS);
      // Float32 against float64 on the same weights (measured: below 3e-5).
      expect(r.maxLogitDiff, prompt).toBeLessThan(1e-3);
    }
  });

  it('the float reference has llama.cpp top-1 on ≥ 99.9% of 2,048 teacher-forced positions of sampled stories', async () => {
    const r = await compareTeacherForced(cfg, ck.tensors, cpp, stories);
    expect(r.positions).toBe(4 * STORY_LENGTH);
    expect(r.agreed / r.positions).toBeGreaterThanOrEqual(0.999);
    expect(r.disagreements.filter((d) => d.spmlGap >= NEAR_TIE)).toEqual([]);
    expect(r.maxLogitDiff).toBeLessThan(1e-3);
  });

  it('an export with the rotary pairs permuted (the Hugging Face layout) fails the teacher-forced check', async () => {
    const broken = permuteRotaryHalves(llama2c());
    const gguf = writeGgufLlama(broken, { type: 'F32' });
    const wrong = await openLlamaCpp(gguf, { vocabSize: cfg.vocabSize, maxTokens: STORY_LENGTH, kvCache: 'F32' });
    try {
      const r = await compareTeacherForced(cfg, ck.tensors, wrong, stories.slice(0, 1));
      expect(r.agreed / r.positions).toBeLessThan(0.999);
      expect(r.maxLogitDiff).toBeGreaterThan(1e-3);
    } finally {
      await wrong.dispose();
    }
  });

  it("a vocabulary exported with another space marker than '▁' fails the tokenizer check", async () => {
    const ck2 = llama2c();
    const v = parseLlamaVocabulary('test', ck2.vocab, cfg.vocabSize);
    const gguf = writeGgufLlama({ ...ck2, vocab: llamaVocabularyText({ ...v, spaceMarker: '\u0120' }) }, { type: 'F32' });
    const wrong = await openLlamaCpp(gguf, { vocabSize: cfg.vocabSize, maxTokens: 16, kvCache: 'F32' });
    try {
      const r = compareTokenizers(llamaArchitecture.checkpointTokenizer!(ck), wrong, tokenizerCorpus());
      expect(r.differences.length).toBeGreaterThan(1000);
    } finally {
      await wrong.dispose();
    }
  });
});
