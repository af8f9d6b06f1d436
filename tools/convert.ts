/**
 * Converts the committed float checkpoints, and the llama2.c checkpoint of stories260K, into the
 * shipped int8 models:
 *   models/moby-gpt/float.ckpt.json  → models/moby-gpt.spml
 *   models/mnist-mlp/float.ckpt.json → models/mnist-mlp.spml
 *   ../shared/models/stories260K/{stories260K.bin,tok512.bin} → models/stories260k.spml
 * Calibration data comes only from the training splits, or for stories260k from the text the
 * float model writes (importModel, the same conversion as `spml import`). Deterministic: run it
 * twice and the files (and so the model hashes) are identical.
 *
 *   npx tsx tools/convert.ts [moby-gpt] [mnist-mlp] [stories260k]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointFromJson } from '../engine/format/checkpoint.js';
import { encodeModel, modelHash } from '../engine/format/format.js';
import { gptArchitecture } from '../engine/arch/gpt/index.js';
import { mlpArchitecture } from '../engine/arch/mlp/index.js';
import { importModel } from '../engine/import_model.js';
import { calibrationWindows } from './data/calibration.js';
import { readStoriesFile } from './data/stories260k.js';
import { loadMnist } from './data/mnist.js';
import { encode, readMobyDick, splitTokens } from './train/moby_gpt.js';
import type { GptConfig } from '../engine/arch/gpt/config.js';

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');


function str(v: unknown): string {
  return typeof v === 'number' ? v.toPrecision(6) : String(v);
}

/** The shipped moby-gpt file's bytes, rebuilt from the committed checkpoint. */
export function buildMobyGpt(): Uint8Array {
  const ck = checkpointFromJson(readFileSync(join(modelsDir, 'moby-gpt', 'float.ckpt.json'), 'utf8'));
  const cfg = ck.config as GptConfig;
  const tokens = encode(readMobyDick(), [...ck.vocab!]);
  const { train } = splitTokens(tokens);
  const q = gptArchitecture.quantize(ck, { sequences: calibrationWindows(train, cfg.contextLength, 32) });
  const t = ck.training ?? {};
  const file = gptArchitecture.toFile(q, {
    name: 'moby-gpt',
    description: 'Character-level GPT-2-style decoder trained on Moby-Dick (public domain), int8 weights, int16 residual stream',
    dataset: str(t.dataset),
    trainingSteps: str(t.steps),
    floatValidationLoss: str(t.valLoss),
    calibration: '32 evenly spaced 128-character windows of the training split',
  });
  return encodeModel(file);
}

/** The shipped mnist-mlp file's bytes, rebuilt from the committed checkpoint. */
export function buildMnistMlp(): Uint8Array {
  const ck = checkpointFromJson(readFileSync(join(modelsDir, 'mnist-mlp', 'float.ckpt.json'), 'utf8'));
  const train = loadMnist('train');
  const count = 2000;
  const size = train.rows * train.cols;
  const q = mlpArchitecture.quantize(ck, { pixels: train.images.subarray(0, count * size), count });
  const t = ck.training ?? {};
  const file = mlpArchitecture.toFile(q, {
    name: 'mnist-mlp',
    description: 'MLP 784-256-128-10 (ReLU) trained on MNIST, int8 weights and activations',
    dataset: str(t.dataset),
    floatTestAccuracy: str(t.testAccuracy),
    preprocess: 'x = pixel / 255',
    calibration: 'the first 2000 training images',
  });
  return encodeModel(file);
}

/**
 * The shipped stories260k file's bytes: `spml import stories260K.bin --tokenizer tok512.bin
 * --name stories260k`, from the sha256-checked files (Andrej Karpathy's llama2.c project, MIT).
 */
export function buildStories260k(): Uint8Array {
  return importModel(readStoriesFile('stories260K.bin'), { tokenizer: readStoriesFile('tok512.bin'), name: 'stories260k' }).bytes;
}

export const SHIPPED_BUILDS = { 'moby-gpt': buildMobyGpt, 'mnist-mlp': buildMnistMlp, stories260k: buildStories260k } as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv.slice(2);
  for (const [name, build] of Object.entries(SHIPPED_BUILDS)) {
    if (which.length > 0 && !which.includes(name)) continue;
    const bytes = build();
    writeFileSync(join(modelsDir, `${name}.spml`), bytes);
    console.log(`${name}.spml  ${bytes.length} bytes  ${modelHash(bytes)}`);
  }
}
