/**
 * verify() (engine/verify.ts): recomputation against a claim through the API, for a language
 * model and a classifier, and the first differing leaf of a forged trace.
 */
import { describe, expect, it } from 'vitest';
import { classify, firstDifference, generate, loadModel, verify } from '../../lib/index.js';
import { loadMnist } from '../../tools/data/mnist.js';

describe('verify', () => {
  it('accepts an honest generation and refuses one with a tampered leaf, naming it', async () => {
    const model = await loadModel('moby-gpt');
    const options = { maxTokens: 5, seed: 9n, temperature: 1.1 };
    const honest = await generate(model, 'Ahab', { ...options, keepTrace: true });
    const leaves = honest.traceLeaves!;
    const ok = await verify(model, { prompt: 'Ahab', ...options }, { outputHash: honest.outputHash, traceRoot: honest.traceRoot, traceLeaves: leaves });
    expect(ok).toMatchObject({ match: true, firstDifference: null, traceLength: leaves.length });

    const forged = leaves.map((l, i) => (i === 7 ? { ...l, tensorHash: 'ab'.repeat(32) } : l));
    const bad = await verify(model, { prompt: 'Ahab', ...options }, { outputHash: honest.outputHash, traceLeaves: forged });
    expect(bad.match).toBe(false);
    expect(bad.outputHash.match).toBe(true);
    expect(bad.firstDifference).toMatchObject({ index: 7, label: leaves[7]!.label, claimed: forged[7], computed: leaves[7] });
  });

  it('checks a classifier claim the same way', async () => {
    const model = await loadModel('mnist-mlp');
    const pixels = loadMnist('test').images.subarray(0, 3 * 784);
    const r = await classify(model, pixels, 3);
    expect((await verify(model, { pixels, count: 3 }, { outputHash: r.outputHash, traceRoot: r.traceRoot })).match).toBe(true);
    expect((await verify(model, { pixels: pixels.subarray(0, 2 * 784) }, { outputHash: r.outputHash })).match).toBe(false);
  });

  it('rejects a claim that is not hex, naming the field', async () => {
    const model = await loadModel('moby-gpt');
    await expect(verify(model, { prompt: 'a', maxTokens: 1 }, { outputHash: 'xyz' })).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining('outputHash must be 64 hex digits') });
  });

  it('firstDifference reports a trace that ends early or runs long', () => {
    const a = { label: 'a', tensorHash: '00'.repeat(32) };
    const b = { label: 'b', tensorHash: '11'.repeat(32) };
    expect(firstDifference([a, b], [a, b])).toBeNull();
    expect(firstDifference([a], [a, b])).toMatchObject({ index: 1, label: 'b', computed: b });
    expect(firstDifference([a, b], [a])).toMatchObject({ index: 1, label: '', claimed: b });
  });
});
