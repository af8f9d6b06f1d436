/**
 * The shipped models: each .spml file is exactly what tools/convert.ts builds from the committed
 * float checkpoint (so the model hash is reproducible), it loads, and it runs deterministically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { classify, generate, loadModel } from '../../engine/api.js';
import { modelHash } from '../../engine/format/format.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { SHIPPED_BUILDS } from '../../tools/convert.js';

const path = (name: string) => new URL(`../../models/${name}.spml`, import.meta.url);

describe.each(Object.keys(SHIPPED_BUILDS))('%s', (name) => {
  it('is the byte-exact output of the converter on the committed checkpoint', () => {
    expect(existsSync(path(name)), `models/${name}.spml is committed`).toBe(true);
    const shipped = new Uint8Array(readFileSync(path(name)));
    const rebuilt = SHIPPED_BUILDS[name as keyof typeof SHIPPED_BUILDS]();
    expect(modelHash(rebuilt)).toBe(modelHash(shipped));
  });

  it('loads by name with the file hash as its model hash', async () => {
    const model = await loadModel(name);
    expect(model.hash).toBe(modelHash(new Uint8Array(readFileSync(path(name)))));
  });
});

describe('running the shipped models', () => {
  it('moby-gpt: the same prompt and seed give the same text and hashes twice', async () => {
    const model = await loadModel('moby-gpt');
    const a = await generate(model, 'Call me Ishmael. ', { maxTokens: 40, seed: 42n, temperature: 0.8 });
    const b = await generate(model, 'Call me Ishmael. ', { maxTokens: 40, seed: 42n, temperature: 0.8 });
    expect(a.text).toBe(b.text);
    expect(a.outputHash).toBe(b.outputHash);
    expect(a.traceRoot).toBe(b.traceRoot);
    expect(a.completion.length).toBe(40);
  });

  it('mnist-mlp: classifies the first 200 test images at float accuracy', async () => {
    const model = await loadModel('mnist-mlp');
    const test = loadMnist('test');
    const n = 200;
    const r = await classify(model, test.images.subarray(0, n * 784), n);
    const correct = r.labels.filter((l, i) => l === test.labels[i]).length;
    expect(correct).toBeGreaterThanOrEqual(194);
  });
});

describe('loading errors', () => {
  it('an unknown name or path is a PARAM error listing the shipped names', async () => {
    await expect(loadModel('no-such-model')).rejects.toMatchObject({ code: 'PARAM', message: expect.stringContaining('moby-gpt, mnist-mlp') });
  });

  it('a corrupt file is a FORMAT error', async () => {
    const bytes = new Uint8Array(readFileSync(path('mnist-mlp')));
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0x40;
    await expect(loadModel(bytes)).rejects.toMatchObject({ code: 'FORMAT' });
  });
});
