/**
 * `spml convert` as a model builder uses it: a float checkpoint or TensorFlow.js weights in, a
 * .spml file out that loads and runs, the same bytes every time, and bad input as one line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../tools/data/rng.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { classify, generate, loadModel } from '../../lib/index.js';
import { modelHash } from '../../lib/models.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function spml(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('spml convert', () => {
  let dir: string;
  let text: string;
  let pixels: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spml-convert-'));
    text = join(dir, 'calibration.txt');
    writeFileSync(text, 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse. '.repeat(8));
    pixels = join(dir, 'pixels.bin');
    writeFileSync(pixels, loadMnist('train').images.subarray(0, 64 * 784));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a float checkpoint into a model that loads and generates, the same bytes twice', async () => {
    const out = (n: number) => join(dir, `moby-${n}.spml`);
    for (const n of [1, 2]) {
      const r = spml('convert', 'models/moby-gpt/float.ckpt.json', '--out', out(n), '--name', 'moby-test', '--calibration', text, '--json');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ name: 'moby-test', architecture: 'gpt', modelHash: modelHash(new Uint8Array(readFileSync(out(n)))) });
    }
    expect(readFileSync(out(1)).equals(readFileSync(out(2)))).toBe(true);
    const model = await loadModel(out(1));
    expect((await generate(model, 'Call me', { maxTokens: 8 })).tokens).toHaveLength(8);
  });

  it('turns TensorFlow.js weights (model.json and a shard) into a classifier', async () => {
    const rng = new Rng(5);
    const specs = [
      { name: 'w0', shape: [784, 10], dtype: 'float32' },
      { name: 'b0', shape: [10], dtype: 'float32' },
    ];
    const values = Float32Array.from({ length: 784 * 10 + 10 }, () => rng.int(-1000, 1000) / 20000);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(values.buffer));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: specs }] }));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ arch: 'mlp', sizes: [784, 10] }));
    const out = join(dir, 'tfjs.spml');
    const r = spml('convert', join(dir, 'model.json'), '--config', join(dir, 'config.json'), '--out', out, '--calibration', pixels);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('mlp, 7850 parameters');
    const model = await loadModel(out);
    const images = loadMnist('test').images.subarray(0, 4 * 784);
    expect((await classify(model, images, 4)).labels).toHaveLength(4);
  });

  it('says in one line what is wrong with an input it cannot convert', () => {
    const notJson = spml('convert', 'README.md', '--out', join(dir, 'x.spml'), '--calibration', text);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr.trim().split('\n')).toHaveLength(1);
    expect(notJson.stderr).toContain('is not JSON');
    writeFileSync(join(dir, 'other.json'), '{"hello": 1}');
    const other = spml('convert', join(dir, 'other.json'), '--out', join(dir, 'x.spml'), '--calibration', text);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain('neither a spml float checkpoint');
    const noConfig = spml('convert', join(dir, 'model.json'), '--out', join(dir, 'x.spml'), '--calibration', pixels);
    expect(noConfig.status).toBe(2);
    expect(noConfig.stderr).toContain('--config <file.json> must give the architecture config');
    const badRows = spml('convert', 'models/mnist-mlp/float.ckpt.json', '--out', join(dir, 'x.spml'), '--calibration', text);
    expect(badRows.status).toBe(2);
    expect(badRows.stderr).toContain('not rows of 784');
  });
});
