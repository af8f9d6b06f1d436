/**
 * The stories260K checkpoint with its tok512 vocabulary (engine/format/llama2c.ts), calibration text made by the float reference itself (stories sampled at
 * temperature 1 with fixed seeds), and the int8 model quantized from them, memoized per process.
 */
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { readLlama2c } from '../../engine/format/llama2c.js';
import type { LlamaConfig } from '../../engine/arch/llama/config.js';
import { floatLlamaForward } from '../../engine/arch/llama/float.js';
import { LlamaModel } from '../../engine/arch/llama/model.js';
import type { IntLlama } from '../../engine/arch/llama/quant.js';
import { quantizeLlama } from '../../engine/arch/llama/quantize.js';
import { Rng } from '../../tools/data/rng.js';
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

/** A story sampled from the float model at temperature 1 (seeded), BOS first. */
export function floatStory(ck: FloatCheckpoint, prompt: string, length: number, seed: number): number[] {
  const cfg = ck.config as LlamaConfig;
  const rng = new Rng(seed);
  const tokens = [BOS, ...storiesTokenizer().encode(prompt)];
  while (tokens.length < length) {
    const logits = floatLlamaForward(cfg, ck.tensors, tokens);
    const row = logits.subarray(logits.length - cfg.vocabSize);
    const max = Math.max(...row);
    const p = Array.from(row, (v) => Math.exp(v - max));
    let u = rng.float() * p.reduce((a, b) => a + b, 0);
    let id = 0;
    while (id < p.length - 1 && (u -= p[id]!) > 0) id++;
    tokens.push(id);
  }
  return tokens;
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
