/**
 * Model-level golden vectors (engine/NUMERICS.md §20.6): the library still produces, for each
 * pinned run of a shipped model, the tokens or labels, output hash, trace root and trace leaves
 * of test/golden/models.json; the leaves carry the labels §20 defines, in its order, and fold
 * into the pinned root.
 */
import { describe, expect, it } from 'vitest';
import { merkleRoot } from '../../lib/index.js';
import { REGENERATE, numericsVersion } from './vectors.js';
import { CLASSIFY_RUNS, GENERATE_RUNS, readModelVectors, runClassify, runGenerate } from './model_vectors.js';

const file = readModelVectors();

describe('models.json', () => {
  it('was generated under the numerics version of engine/NUMERICS.md, for the pinned runs', () => {
    expect(file.numericsVersion).toBe(numericsVersion());
    expect(file.generate.map((v) => ({ model: v.model, prompt: v.prompt, options: v.options }))).toEqual(GENERATE_RUNS);
    expect(file.classify.map((v) => ({ model: v.model, count: v.count, pixels: v.pixels }))).toEqual(CLASSIFY_RUNS);
  });

  it('labels GPT leaves prefill.kv0, prefill.h0 … prefill.logits, then step0.kv0 … for each further pass (§20.4)', () => {
    for (const v of file.generate) {
      const layers = v.traceLeaves.findIndex((l) => l.label === 'prefill.logits') / 2;
      const passes = Math.max(1, v.options.maxTokens);
      const want = Array.from({ length: passes }, (_, p) => {
        const label = p === 0 ? 'prefill' : `step${p - 1}`;
        return [...Array.from({ length: layers }, (_, l) => [`${label}.kv${l}`, `${label}.h${l}`]).flat(), `${label}.logits`];
      }).flat();
      expect(layers).toBeGreaterThan(0);
      expect(v.traceLeaves.map((l) => l.label)).toEqual(want);
      expect(merkleRoot(v.traceLeaves)).toBe(v.traceRoot);
    }
  });

  it('labels MLP leaves layer0 … logits (§20.5)', () => {
    for (const v of file.classify) {
      const n = v.traceLeaves.length;
      expect(v.traceLeaves.map((l) => l.label)).toEqual([...Array.from({ length: n - 1 }, (_, i) => `layer${i}`), 'logits']);
      expect(merkleRoot(v.traceLeaves)).toBe(v.traceRoot);
    }
  });
});

describe('the library reproduces every pinned model run', () => {
  it.each(file.generate.map((v, i) => [`${v.model} ${JSON.stringify(v.prompt)} ${JSON.stringify(v.options)}`, i] as const))('generate %s', async (_name, i) => {
    const want = file.generate[i]!;
    const got = await runGenerate(GENERATE_RUNS[i]!);
    expect(got.modelHash, `models/${want.model}.spml is not the file models.json was made from. ${REGENERATE}`).toBe(want.modelHash);
    expect(got).toEqual(want);
  });

  it.each(file.classify.map((v, i) => [`${v.model} ×${v.count}`, i] as const))('classify %s', async (_name, i) => {
    const want = file.classify[i]!;
    const got = await runClassify(CLASSIFY_RUNS[i]!);
    expect(got.modelHash, `models/${want.model}.spml is not the file models.json was made from. ${REGENERATE}`).toBe(want.modelHash);
    expect(got).toEqual(want);
  });
});
