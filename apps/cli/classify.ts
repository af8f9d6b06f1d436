/** `spml classify`: run the MNIST model on chosen images of the MNIST test set. */
import { classify, loadModel } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { printFields, printJson } from './format_result.js';

/** "0,5,7" or "0:100" (half-open) → indices. */
export function parseImageSelection(spec: string, limit: number): number[] {
  const range = /^(\d+):(\d+)$/.exec(spec);
  const ids = range ? Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1])) }, (_, i) => Number(range[1]) + i) : spec.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((i) => !Number.isInteger(i) || i < 0 || i >= limit)) {
    throw new ParamError('classify', `--images '${spec}' must be indices or a range a:b within [0, ${limit})`);
  }
  return ids;
}

export async function classifyCommand(flags: { model: string; images: string; backend: string; json?: boolean }): Promise<number> {
  const model = await loadModel(flags.model, { backend: flags.backend });
  const test = loadMnist('test');
  const ids = parseImageSelection(flags.images, test.count);
  const size = test.rows * test.cols;
  const pixels = new Uint8Array(ids.length * size);
  ids.forEach((id, i) => pixels.set(test.images.subarray(id * size, (id + 1) * size), i * size));
  const r = await classify(model, pixels, ids.length);
  const correct = ids.filter((id, i) => r.labels[i] === test.labels[id]).length;
  if (flags.json) {
    printJson({ model: model.name, modelHash: r.modelHash, images: ids, predicted: r.labels, truth: ids.map((id) => test.labels[id]), correct, outputHash: r.outputHash, traceRoot: r.traceRoot, ms: r.ms });
    return 0;
  }
  if (ids.length <= 20) for (const [i, id] of ids.entries()) console.log(`image ${id}: predicted ${r.labels[i]}, label ${test.labels[id]}${r.labels[i] === test.labels[id] ? '' : '  ✗'}`);
  printFields({
    accuracy: `${correct}/${ids.length} (${((100 * correct) / ids.length).toFixed(2)}%)`,
    model: `${model.name} (${r.modelHash})`,
    'output hash': r.outputHash,
    'trace root': r.traceRoot,
    time: `${r.ms.toFixed(1)} ms`,
  });
  return 0;
}
