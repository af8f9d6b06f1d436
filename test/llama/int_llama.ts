/**
 * The stories260K checkpoint with its tok512 vocabulary (engine/format/llama2c.ts), calibration
 * text made by the float reference itself (stories sampled at temperature 1 with fixed seeds, by
 * engine/arch/llama/calibration.ts, from five story openings), and the int8 model quantized from
 * them, memoized per process.
 */
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { readLlama2c } from '../../engine/format/llama2c.js';
import { sampleFloatSequence } from '../../engine/arch/llama/calibration.js';
import { LlamaModel } from '../../engine/arch/llama/model.js';
import type { IntLlama } from '../../engine/arch/llama/quant.js';
import { quantizeLlama } from '../../engine/arch/llama/quantize.js';
import { BOS, readStoriesFile, Tok512 } from './stories.js';

let checkpoint: FloatCheckpoint | undefined;
let tokenizer: Tok512 | undefined;
let intModel: IntLlama | undefined;

export function storiesTokenizer(): Tok512 {
  return (tokenizer ??= new Tok512(readStoriesFile('tok512.bin')));
}

export function storiesCheckpoint(): FloatCheckpoint {
  if (checkpoint) return checkpoint;
  return (checkpoint = readLlama2c(readStoriesFile('stories260K.bin'), readStoriesFile('tok512.bin')));
}

/** A story sampled from the float model at temperature 1 (seeded), BOS first: the engine's calibration sampler. */
export function floatStory(ck: FloatCheckpoint, prompt: string, length: number, seed: number): number[] {
  return sampleFloatSequence(ck, [BOS, ...storiesTokenizer().encode(prompt)], length, seed);
}

export const CALIBRATION_PROMPTS = ['Once upon a time', 'One day', 'Tom and his mom', 'The little bird', 'Lily wanted'];

export function storiesIntModel(): IntLlama {
  if (intModel) return intModel;
  const ck = storiesCheckpoint();
  const sequences = CALIBRATION_PROMPTS.map((p, i) => floatStory(ck, p, 64, 1000 + i));
  return (intModel = quantizeLlama(ck, { sequences }));
}

export async function storiesModel(): Promise<LlamaModel> {
  return new LlamaModel(await getBackend('cpu'), storiesIntModel());
}
