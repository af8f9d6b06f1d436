/**
 * The tfjs GPT's inference path (tools/train/tf_gpt.ts: TfGptInference, the speed peer of
 * bench/perf.ts) is the training forward pass fed forward-only blocks and a KV cache: its logits,
 * prefilled and then one token at a time, match the training forward over the whole sequence and
 * the engine's float64 reference (engine/arch/gpt/float.ts), and greedy decoding frees what it makes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { GptConfig } from '../../engine/arch/gpt/config.js';
import { floatGptForward } from '../../engine/arch/gpt/float.js';
import { forward, generateGreedy, initParams, initTfBackend, paramsToArrays, TfGptInference } from '../../tools/train/tf_gpt.js';

const cfg: GptConfig = { arch: 'gpt', vocabSize: 13, contextLength: 12, width: 16, layers: 2, heads: 4, mlpWidth: 32, lnEps: 1e-5 };
const ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];

/** Random weights far enough from init that every block matters. Float32 against float64 differs by about 1e-6 here. */
async function weights() {
  await initTfBackend();
  const params = initParams(cfg, 5);
  for (const v of params.values()) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', 11))));
  const arrays = paramsToArrays(cfg, params);
  return { params, arrays };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('TfGptInference', () => {
  it('prefill then single-token passes give the training forward and the float64 reference logits', async () => {
    const { params, arrays } = await weights();
    const train = tf.tidy(() => forward(cfg, params, tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32')).dataSync() as Float32Array);
    const ref = floatGptForward(cfg, arrays, ids);
    expect(maxAbsDiff(train, ref)).toBeLessThan(1e-5);

    const model = new TfGptInference(cfg, arrays);
    const session = model.session();
    const rows: number[] = [];
    for (const chunk of [ids.slice(0, 4), ...ids.slice(4).map((t) => [t])]) {
      const logits = session.forward(chunk);
      expect(logits.shape).toEqual([chunk.length, cfg.vocabSize]);
      rows.push(...logits.dataSync());
      logits.dispose();
    }
    expect(session.position).toBe(ids.length);
    expect(maxAbsDiff(rows, train)).toBeLessThan(1e-5);
    expect(() => session.forward([1, 2, 3])).toThrow(/outside the context of 12/);
    session.dispose();
    model.dispose();
    for (const v of params.values()) v.dispose();
  });

  it('decodes greedily on the reference logits and frees every tensor it makes', async () => {
    const { params, arrays } = await weights();
    const model = new TfGptInference(cfg, arrays);
    const prompt = ids.slice(0, 3);
    generateGreedy(model, prompt, 2); // makes the cached causal mask
    const before = tf.memory().numTensors;
    const g = generateGreedy(model, prompt, 6, true);
    expect(tf.memory().numTensors).toBe(before);
    expect(g.tokens).toHaveLength(6);
    expect(g.logits!.map((l) => l.length / cfg.vocabSize)).toEqual([3, 1, 1, 1, 1, 1]);
    const ref = floatGptForward(cfg, arrays, [...prompt, ...g.tokens.slice(0, -1)]);
    expect(maxAbsDiff(g.logits!.flatMap((l) => [...l]), ref)).toBeLessThan(1e-5);
    // Each token is the argmax of the last row of the pass before it.
    g.tokens.forEach((t, i) => {
      const last = g.logits![i]!.slice(-cfg.vocabSize);
      expect(t).toBe(last.indexOf(Math.max(...last)));
    });
    expect(() => generateGreedy(model, prompt, 0)).toThrow(/positive integer/);
    model.dispose();
    for (const v of params.values()) v.dispose();
  });
});
