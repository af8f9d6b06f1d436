/**
 * protocol/inference.ts: f(x) as servers compute it on the shipped models, and the engine options
 * it relies on (keepTrace, leafLimit, a pass cut short).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { generate } from '../../engine/api.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { merkleRoot } from '../../engine/trace.js';
import { ModelStore, runInference, traceSchedule } from '../../protocol/inference.js';
import { inputHash } from '../../protocol/messages/encode.js';
import type { InferenceInput } from '../../protocol/messages/types.js';

const images = loadMnist('test').images;
const digits = (from: number, count: number): InferenceInput => ({ kind: 'pixels', pixels: bytesToHex(images.subarray(from * 784, (from + count) * 784)), count });
const prompt: InferenceInput = { kind: 'text', prompt: 'Call me Ishmael.' };

describe('honest runs', () => {
  it('mnist-mlp: two independent loads and runs agree on output, hashes, root and leaves', async () => {
    const [a, b] = await Promise.all([new ModelStore().load('mnist-mlp'), new ModelStore().load('mnist-mlp')]);
    expect(a).not.toBe(b);
    const ra = await runInference(a, digits(0, 3), {}, 0n);
    const rb = await runInference(b, digits(0, 3), {}, 0n);
    expect(rb).toEqual(ra);
    expect(ra.output).toEqual([7, 2, 1]);
    expect(ra.leaves.map((l) => l.label)).toEqual(['layer0', 'layer1', 'logits']);
    expect(merkleRoot(ra.leaves)).toBe(ra.traceRoot);
    // The MLP's output hash is the logits' hash, which is also the last leaf.
    expect(ra.outputHash).toBe(ra.leaves[2]!.tensorHash);
    expect(ra.inputHash).toBe(inputHash(digits(0, 3)));
    expect(ra.modelHash).toBe(a.hash);
  });

  it('moby-gpt: two independent loads and runs agree, with 9 leaves per pass', async () => {
    const [a, b] = await Promise.all([new ModelStore().load('moby-gpt'), new ModelStore().load('moby-gpt')]);
    const options = { maxTokens: 4, temperature: 0.8 };
    const ra = await runInference(a, prompt, options, 7n);
    const rb = await runInference(b, prompt, options, 7n);
    expect(rb).toEqual(ra);
    expect(ra.output).toHaveLength(4);
    expect(ra.leaves).toHaveLength(36);
    expect(ra.leaves.map((l) => l.label)).toEqual(traceSchedule(a, prompt, options).map((s) => s.label));
    expect(merkleRoot(ra.leaves)).toBe(ra.traceRoot);
    // The same root as the engine's own run without keepTrace: keeping leaves changes no hash.
    const plain = await generate(a, prompt.kind === 'text' ? prompt.prompt : '', { ...options, seed: 7n });
    expect(plain.traceRoot).toBe(ra.traceRoot);
    expect(plain.outputHash).toBe(ra.outputHash);
    expect(plain.traceLeaves).toBeUndefined();
  });

  it('a different seed under sampling changes the output hash', async () => {
    const gpt = await new ModelStore().load('moby-gpt');
    const options = { maxTokens: 8, temperature: 0.8 };
    const a = await runInference(gpt, prompt, options, 1n);
    const b = await runInference(gpt, prompt, options, 2n);
    expect(b.outputHash).not.toBe(a.outputHash);
  });
});

describe('traceSchedule', () => {
  it('gives every leaf label and its exact multiply-accumulates', async () => {
    const store = new ModelStore();
    const mlp = await store.load('mnist-mlp');
    expect(traceSchedule(mlp, digits(0, 1), {})).toEqual([
      { label: 'layer0', macs: 784 * 256 },
      { label: 'layer1', macs: 256 * 128 },
      { label: 'logits', macs: 128 * 10 },
    ]);
    const gpt = await store.load('moby-gpt');
    const s = traceSchedule(gpt, prompt, { maxTokens: 2 });
    const pass = (label: string) => [0, 1, 2, 3].flatMap((l) => [`${label}.kv${l}`, `${label}.h${l}`]).concat(`${label}.logits`);
    expect(s.map((x) => x.label)).toEqual([...pass('prefill'), ...pass('step0')]);
    // 16 prompt tokens, C = 64, M = 256, V = 83: a prefill block's cache rows cost 16·2·64² (the k
    // and v projections), its output 16·(2·64² + 2·64·256 + 2·16·64); together the block's 819200.
    expect(s[0]!.macs).toBe(16 * 2 * 64 * 64);
    expect(s[1]!.macs).toBe(16 * (2 * 64 * 64 + 2 * 64 * 256 + 2 * 16 * 64));
    expect(s[0]!.macs + s[1]!.macs).toBe(819200);
    expect(s[8]!.macs).toBe(16 * 83 * 64);
    expect(s[9]!.macs).toBe(2 * 64 * 64);
    expect(s[10]!.macs).toBe(2 * 64 * 64 + 2 * 64 * 256 + 2 * 17 * 64);
    expect(s[17]!.macs).toBe(83 * 64);
  });
});

describe('engine options the protocol relies on', () => {
  it('leafLimit stops generation at that leaf, with the full run\'s leaves up to it', async () => {
    const gpt = await new ModelStore().load('moby-gpt');
    if (gpt.kind !== 'gpt') throw new Error('moby-gpt is a GPT');
    const full = await generate(gpt, 'Call me', { maxTokens: 4, keepTrace: true });
    const cut = await generate(gpt, 'Call me', { maxTokens: 4, keepTrace: true, leafLimit: 13 });
    expect(cut.traceLeaves).toEqual(full.traceLeaves!.slice(0, 13));
    expect(cut.traceLeaves!.at(-1)!.label).toBe('step0.h1');
    // The prefill's logits chose the first token; step0 stopped after its second block.
    expect(cut.tokens).toEqual(full.tokens.slice(0, 1));
    await expect(generate(gpt, 'Call me', { leafLimit: 0 })).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining('leafLimit') });
  });

  it('a pass cut short returns its last leaf, a block\'s cache rows or its output, and ends the session', async () => {
    const gpt = await new ModelStore().load('moby-gpt');
    if (gpt.task !== 'generate') throw new Error('moby-gpt is a language model');
    const lm = gpt.runtime;
    const session = lm.session();
    const residual = session.forward([1, 2, 3], 4);
    expect([residual.dtype, residual.shape]).toEqual(['int16', [3, 64]]);
    expect(() => session.forward([4])).toThrow(/partial pass/);
    // 2 planes (keys, values) of 4 heads, 3 positions, 16 dimensions.
    const rows = lm.session().forward([1, 2, 3], 3);
    expect([rows.dtype, rows.shape]).toEqual(['int8', [2, 4, 3, 16]]);
    expect(() => lm.session().forward([1], 10)).toThrow(/outside \[1, 9\]/);
  });
});

describe('ModelStore and input checks', () => {
  it('loads a model once per hash, by name or by bytes', async () => {
    const store = new ModelStore();
    const a = await store.load('mnist-mlp');
    expect(await store.load('mnist-mlp')).toBe(a);
    const { readFileSync } = await import('node:fs');
    const bytes = new Uint8Array(readFileSync(new URL('../../models/mnist-mlp.spml', import.meta.url)));
    expect(await store.load(bytes)).toBe(a);
    expect(store.get(a.hash)).toBe(a);
    expect(() => store.get('00'.repeat(32))).toThrow(/no model with hash/);
  });

  it('rejects an input that does not suit the model, naming both', async () => {
    const store = new ModelStore();
    const mlp = await store.load('mnist-mlp');
    await expect(runInference(mlp, prompt, {}, 0n)).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining('text input does not suit a classifier (mlp)') });
    await expect(runInference(mlp, { kind: 'pixels', pixels: 'ff', count: 1 }, {}, 0n)).rejects.toThrow(/holds 1 pixels, not 1 images of 784/);
    const gpt = await store.load('moby-gpt');
    await expect(runInference(gpt, { kind: 'pixels', pixels: 'ff', count: 1 }, {}, 0n)).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining('pixels input does not suit a language model (gpt)') });
  });
});
