/**
 * Calibration text for the llama quantizer (quantize.ts, engine/NUMERICS.md §20.7), made by the
 * float model itself: sequences sampled at temperature 1 from BOS (or a given prefix) with fixed
 * seeds. A checkpoint imported from llama2.c or GGUF comes with no training text, and the text a
 * model writes is the text its activations will see when it runs; sampling at temperature 1
 * keeps the less likely tokens in, so the ranges are not those of greedy text only.
 *
 * Deterministic: the float reference is float64 arithmetic in a fixed order, and the sampler
 * draws from mulberry32, so one checkpoint and one recipe give the same sequences, hence one
 * model hash.
 */
import { ParamError } from '../../errors.js';
import type { FloatCheckpoint } from '../../format/checkpoint.js';
import type { LlamaConfig } from './config.js';
import { floatLlamaForward } from './float.js';
import { parseLlamaVocabulary } from './vocabulary.js';

/** How many sequences, how long (tokens, BOS included), and the seed of the first. */
export interface SamplingRecipe {
  readonly sequences: number;
  readonly length: number;
  readonly seed: number;
}

/** The recipe of `spml import`: 8 sequences of 64 tokens (or the context, if shorter), seeds 1..8. */
export const IMPORT_CALIBRATION: SamplingRecipe = { sequences: 8, length: 64, seed: 1 };

/** The recipe in words, for the model file's metadata. */
export function describeSampling(r: SamplingRecipe): string {
  return `${r.sequences} sequences of ${r.length} tokens sampled from BOS by the float model at temperature 1, mulberry32 seeds ${r.seed}..${r.seed + r.sequences - 1}`;
}

/** mulberry32: a uniform double in [0, 1) per call. Small and fixed, so the recipe is too. */
function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * `prefix` continued by the float model at temperature 1 until it holds `length` tokens. Each
 * token is drawn by inverting the softmax's cumulative sum at one uniform draw. `onStep(t)` is
 * called after each forward pass over t tokens (its cost grows with t).
 */
export function sampleFloatSequence(ck: FloatCheckpoint, prefix: readonly number[], length: number, seed: number, onStep?: (tokens: number) => void): number[] {
  const cfg = ck.config as LlamaConfig;
  const draw = uniform(seed);
  const tokens = [...prefix];
  while (tokens.length < length) {
    const logits = floatLlamaForward(cfg, ck.tensors, tokens);
    const row = logits.subarray(logits.length - cfg.vocabSize);
    let max = -Infinity;
    for (const v of row) max = Math.max(max, v);
    const p = Array.from(row, (v) => Math.exp(v - max));
    let u = draw() * p.reduce((a, b) => a + b, 0);
    let id = 0;
    while (id < p.length - 1 && (u -= p[id]!) > 0) id++;
    onStep?.(tokens.length);
    tokens.push(id);
  }
  return tokens;
}

/** The work of sampling one sequence to `length`, in token positions processed (see onStep). */
const sequenceWork = (length: number) => (length * (length - 1)) / 2;

/** What calibrationSequences will do for this checkpoint: the recipe fitted to its context, and its work. */
export function plannedSampling(ck: FloatCheckpoint, recipe: SamplingRecipe = IMPORT_CALIBRATION): { recipe: SamplingRecipe; work: number } {
  const fitted = { ...recipe, length: Math.min(recipe.length, ck.config.contextLength as number) };
  return { recipe: fitted, work: fitted.sequences * sequenceWork(fitted.length) };
}

/**
 * The calibration sequences of a recipe: sequence i is BOS continued with seed `seed + i`, to the
 * recipe's length or the context, whichever is shorter. `onWork(done)` reports the token positions
 * processed so far, out of plannedSampling's `work`.
 */
export function calibrationSequences(ck: FloatCheckpoint, recipe: SamplingRecipe = IMPORT_CALIBRATION, onWork?: (done: number) => void): number[][] {
  const op = 'calibrationSequences';
  const { recipe: r } = plannedSampling(ck, recipe);
  if (!Number.isInteger(r.sequences) || r.sequences < 1) throw new ParamError(op, `sequences must be an integer >= 1, got ${r.sequences}`);
  if (!Number.isInteger(r.length) || r.length < 2) throw new ParamError(op, `length must be an integer >= 2, got ${r.length}`);
  const { bos } = parseLlamaVocabulary(op, ck.vocab, ck.config.vocabSize as number, false);
  let done = 0;
  return Array.from({ length: r.sequences }, (_, i) =>
    sampleFloatSequence(ck, [bos], r.length, r.seed + i, (t) => {
      done += t;
      onWork?.(done);
    }),
  );
}
