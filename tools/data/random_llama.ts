/**
 * Seeded random-weight llama checkpoints (engine/arch/llama/config.ts) for determinism tests and
 * benches: any shape, odd head counts and grouped-query attention included, and the named shapes
 * of llama2.c's TinyStories models (15M, 110M) so that speed can be measured at real sizes
 * without their weights. Weights are uniform with variance 1/fan_in (activations stay O(1)
 * through the layers); norm gains are 1 ± 0.1. The vocabulary is synthetic but valid for the BPE
 * tokenizer: <unk>, <s>, </s>, the 256 byte tokens, then distinct pieces "▁t<i>" written with a
 * plain space as llama2.c vocabularies are.
 */
import type { FloatCheckpoint } from '../../engine/format/checkpoint.js';
import { checkLlamaConfig, llamaParameterShapes, type LlamaConfig } from '../../engine/arch/llama/config.js';
import { llamaVocabularyText } from '../../engine/arch/llama/vocabulary.js';
import { Rng } from './rng.js';

export type LlamaShape = Omit<LlamaConfig, 'arch' | 'normEps' | 'ropeBase' | 'sharedClassifier'> &
  Partial<Pick<LlamaConfig, 'normEps' | 'ropeBase' | 'sharedClassifier'>>;

/** llama2.c's stories15M and stories110M shapes (its README's model table). */
export const LLAMA_SHAPES = {
  '15M': { vocabSize: 32000, contextLength: 256, width: 288, hiddenWidth: 768, layers: 6, heads: 6, kvHeads: 6 },
  '110M': { vocabSize: 32000, contextLength: 1024, width: 768, hiddenWidth: 2048, layers: 12, heads: 12, kvHeads: 12 },
} as const satisfies Record<string, LlamaShape>;

/** The synthetic vocabulary's token texts: specials, byte tokens, then " t0", " t1", … */
export function syntheticLlamaTokens(vocabSize: number): string[] {
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let b = 0; b < 256 && tokens.length < vocabSize; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  for (let i = 0; tokens.length < vocabSize; i++) tokens.push(` t${i}`);
  return tokens.slice(0, vocabSize);
}

/** A checkpoint of `shape` with weights drawn from `seed`; the same arguments give the same floats. */
export function randomLlamaCheckpoint(shape: LlamaShape, seed: number): FloatCheckpoint {
  const config = checkLlamaConfig('randomLlamaCheckpoint', {
    arch: 'llama',
    normEps: 1e-5,
    ropeBase: 10000,
    sharedClassifier: true,
    ...shape,
  });
  const rng = new Rng(seed);
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, dims] of llamaParameterShapes(config)) {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (dims.length === 1) for (let i = 0; i < data.length; i++) data[i] = 0.9 + 0.2 * rng.float();
    else {
      // Embedding and classifier rows are [vocab, width]: fan-in is the width either way.
      const fanIn = name === 'embed' || name === 'head' ? config.width : dims[0]!;
      const a = Math.sqrt(3 / fanIn);
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.float() - 1) * a;
    }
    tensors.set(name, { shape: dims, data });
  }
  const tokens = syntheticLlamaTokens(config.vocabSize);
  const scores = tokens.map((_, i) => (i < 259 ? 0 : -i));
  return { config, tensors, vocab: llamaVocabularyText({ tokens, scores, bos: 1, eos: 2, unk: 0 }) };
}
