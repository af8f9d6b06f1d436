/**
 * A small seeded random-weight GPT, quantized with the real quantizer, for model tests that must
 * not depend on the shipped checkpoint.
 */
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { GptModel } from '../../engine/arch/gpt/model.js';
import { quantizeGpt } from '../../engine/arch/gpt/quantize.js';
import { Rng } from '../../tools/data/rng.js';
import { gptParameterShapes, type GptConfig } from '../../engine/arch/gpt/config.js';
import type { IntGpt } from '../../engine/arch/gpt/quant.js';

export const TINY: GptConfig = { arch: 'gpt', vocabSize: 32, contextLength: 48, width: 32, layers: 2, heads: 4, mlpWidth: 64, lnEps: 1e-5 };
export const TINY_VOCAB = 'abcdefghijklmnopqrstuvwxyz .,;!?';

export function tinyCheckpoint(seed = 7, cfg: GptConfig = TINY): FloatCheckpoint {
  const rng = new Rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng.float() + 1e-12)) * Math.cos(2 * Math.PI * rng.float());
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of gptParameterShapes(cfg)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const gain = name.endsWith('.g');
    const bias = /\.b[a-z0-9]*$/.test(name) && !gain;
    for (let i = 0; i < data.length; i++) data[i] = gain ? 1 + 0.1 * normal() : bias ? 0.05 * normal() : 0.3 * normal();
    tensors.set(name, { shape, data });
  }
  return { config: cfg, vocab: TINY_VOCAB.slice(0, cfg.vocabSize), tensors };
}

export function tinyIntGpt(seed = 7): IntGpt {
  const rng = new Rng(seed + 1);
  const sequences = Array.from({ length: 6 }, () => rng.ints(TINY.contextLength, 0, TINY.vocabSize - 1));
  return quantizeGpt(tinyCheckpoint(seed), { sequences });
}

export async function tinyModel(seed = 7): Promise<GptModel> {
  return new GptModel(await getBackend('cpu'), tinyIntGpt(seed));
}
