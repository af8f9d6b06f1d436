/**
 * Token sequences sampled from a float model at temperature 1 with a seeded generator: the
 * calibration text of models that come without text of their own (seeded random-weight
 * llamas), made by the model itself, so that a quantizer sees the activations its own
 * generations produce rather than those of arbitrary ids.
 */
import { Rng } from './rng.js';

/** Logits [T, vocab] of a float model over `tokens`. */
export type FloatLogits = (tokens: readonly number[]) => ArrayLike<number>;

/** Extend `start` to `length` tokens, each drawn from softmax(logits of the last position). */
export function sampleFloatSequence(logits: FloatLogits, vocabSize: number, start: readonly number[], length: number, seed: number): number[] {
  const rng = new Rng(seed);
  const tokens = [...start];
  while (tokens.length < length) {
    const all = logits(tokens);
    const row = Array.from({ length: vocabSize }, (_, i) => all[all.length - vocabSize + i]!);
    const max = Math.max(...row);
    const weights = row.map((v) => Math.exp(v - max));
    // Inverse CDF: the first id whose cumulative weight passes u; the last id absorbs rounding.
    let u = rng.float() * weights.reduce((a, b) => a + b, 0);
    let id = 0;
    while (id < vocabSize - 1 && (u -= weights[id]!) > 0) id++;
    tokens.push(id);
  }
  return tokens;
}
