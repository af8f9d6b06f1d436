/**
 * Seeded random-weight llamas as `.spml` bytes, for the determinism checks (engine/NUMERICS.md
 * §0, §18: the model suite, the browser test and bench:determinism). Shapes the real checkpoint
 * does not have: odd head counts, grouped-query attention (kvHeads < heads), a separate
 * classifier, a vocabulary barely past the 259 special and byte tokens, head sizes that are not
 * powers of two. Weights come from random_llama.ts; calibration text is sampled from each float
 * model at temperature 1 with fixed seeds (engine/arch/llama/calibration.ts, as `spml import`
 * does), since these models have no text of their own. The same spec gives the same bytes, hence the same model hash, in every process.
 */
import { calibrationSequences } from '../../engine/arch/llama/calibration.js';
import { llamaArchitecture } from '../../engine/arch/llama/index.js';
import { encodeModel } from '../../engine/format/format.js';
import { randomLlamaCheckpoint, type LlamaShape } from './random_llama.js';

export interface RandomLlamaSpec {
  readonly name: string;
  readonly seed: number;
  readonly shape: LlamaShape;
}

export const RANDOM_LLAMAS: readonly RandomLlamaSpec[] = [
  // Three query heads of size 10 sharing one kv head.
  { name: 'rand-llama-gqa3to1', seed: 611, shape: { vocabSize: 300, contextLength: 32, width: 30, hiddenWidth: 44, layers: 2, heads: 3, kvHeads: 1 } },
  // Five heads, each its own kv head, and a classifier of its own.
  { name: 'rand-llama-h5', seed: 622, shape: { vocabSize: 300, contextLength: 32, width: 40, hiddenWidth: 72, layers: 1, heads: 5, kvHeads: 5, sharedClassifier: false } },
  // Six heads in two groups of three, vocabulary of 262 tokens, separate classifier.
  { name: 'rand-llama-h6kv2', seed: 633, shape: { vocabSize: 262, contextLength: 40, width: 36, hiddenWidth: 56, layers: 2, heads: 6, kvHeads: 2, sharedClassifier: false } },
];

/** Calibration: four sequences of the full context, each from BOS, sampled by the float model. */
const CALIBRATION_SEQUENCES = 4;

/** The `.spml` bytes of a seeded random llama, quantized by the llama quantizer. */
export function randomLlamaBytes(spec: RandomLlamaSpec): Uint8Array {
  const ck = randomLlamaCheckpoint(spec.shape, spec.seed);
  const sequences = calibrationSequences(ck, { sequences: CALIBRATION_SEQUENCES, length: spec.shape.contextLength, seed: spec.seed * 10 });
  const model = llamaArchitecture.quantize(ck, { sequences });
  return encodeModel(llamaArchitecture.toFile(model, { name: spec.name, description: `seeded random weights (seed ${spec.seed})` }));
}

/** A prompt for any random llama: bytes and synthetic pieces, a few tokens long. */
export const RANDOM_LLAMA_PROMPT = 'Once t1 t7';
