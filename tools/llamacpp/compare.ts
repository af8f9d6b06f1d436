/**
 * spml's llama against llama.cpp on the same GGUF file (docs/ACCURACY.md, "Llama: spml's float
 * reference against llama.cpp"): the tokenizer's ids, the float64 reference's greedy tokens, and
 * its top-1 on teacher-forced positions, with the numbers a report needs (differences, near-ties,
 * the largest logit difference).
 *
 * Logits are compared as differences from the position's top logit (llama.cpp's come as
 * log-probabilities, its logits up to a constant: llamacpp.ts). A disagreement on the top-1 token
 * is a near-tie when spml's gap between its two best logits is below NEAR_TIE: float32 against
 * float64 arithmetic may order such a pair either way, so it is reported with its gap.
 */
import type { LlamaConfig } from '../../engine/arch/llama/config.js';
import { floatLlamaForward, type FloatWeights } from '../../engine/arch/llama/float.js';
import type { Tokenizer } from '../../engine/tokenizer/tokenizer.js';
import { Rng } from '../data/rng.js';
import type { LlamaCpp } from './llamacpp.js';

export const NEAR_TIE = 1e-4;

export interface TokenizerComparison {
  readonly strings: number;
  readonly differences: readonly { text: string; spml: number[] | string; llamacpp: number[] }[];
}

/**
 * spml's ids (the model's tokenizer: BOS, then the text's ids) against llama.cpp's for each text,
 * like with like: llama.cpp's ids of the text after BOS when the file asks for BOS.
 */
export function compareTokenizers(spml: Tokenizer, cpp: LlamaCpp, texts: readonly string[]): TokenizerComparison {
  const differences: { text: string; spml: number[] | string; llamacpp: number[] }[] = [];
  for (const text of texts) {
    const theirs = [...(cpp.addsBos ? [cpp.bos] : []), ...cpp.tokenize(text)];
    let ours: number[] | string;
    try {
      ours = spml.encode(text);
    } catch (e) {
      ours = String(e);
    }
    if (typeof ours === 'string' || ours.length !== theirs.length || ours.some((id, i) => id !== theirs[i])) {
      differences.push({ text, spml: ours, llamacpp: theirs });
    }
  }
  return { strings: texts.length, differences };
}

/** The best and second-best ids of one row and the gap between their values. */
export function top2(row: ArrayLike<number>): { best: number; second: number; gap: number } {
  let best = 0;
  let second = -1;
  for (let i = 1; i < row.length; i++) {
    if (row[i]! > row[best]!) [second, best] = [best, i];
    else if (second < 0 || row[i]! > row[second]!) second = i;
  }
  return { best, second, gap: row[best]! - row[second]! };
}

/**
 * Below this log-probability llama.cpp's float32 probability is subnormal or 0 (expf underflows
 * near e^−87), so its logarithm no longer gives the logit to float32 precision.
 */
export const MIN_LOG_PROB = -80;

/** max |(a − max a) − (b − max b)| over the entries where b, a log-probability, is at least MIN_LOG_PROB. */
function maxShiftedDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = -Infinity;
  let mb = -Infinity;
  for (let i = 0; i < a.length; i++) {
    ma = Math.max(ma, a[i]!);
    mb = Math.max(mb, b[i]!);
  }
  let d = 0;
  for (let i = 0; i < a.length; i++) if (b[i]! >= MIN_LOG_PROB) d = Math.max(d, Math.abs(a[i]! - ma - (b[i]! - mb)));
  return d;
}

export interface Disagreement {
  /** Position in the sequence (teacher-forced) or greedy step. */
  readonly at: number;
  readonly spml: number;
  readonly llamacpp: number;
  /** spml's gap between its top two logits there. */
  readonly spmlGap: number;
  readonly llamacppGap: number;
}

export interface GreedyComparison {
  readonly steps: number;
  /** Greedy tokens that are the same before the first divergence (all `steps` when none). */
  readonly matched: number;
  readonly divergence?: Disagreement;
  readonly maxLogitDiff: number;
  /** spml's smallest top-2 gap over the matched steps. */
  readonly minGap: number;
}

/** One row of `logits` [T, V] as a view. */
const row = (logits: Float64Array, t: number, v: number): Float64Array => logits.subarray(t * v, (t + 1) * v);

/**
 * llama.cpp's greedy continuation of `prompt` for `steps` tokens, and spml's float reference
 * teacher-forced on that same sequence: spml's greedy text equals llama.cpp's up to the first
 * step where their top-1 differs, so one forward pass over the sequence tells how far they agree.
 */
export async function compareGreedy(cfg: LlamaConfig, weights: FloatWeights, cpp: LlamaCpp, prompt: readonly number[], steps: number): Promise<GreedyComparison> {
  const V = cfg.vocabSize;
  const theirs = await cpp.greedy(prompt, steps);
  const logits = floatLlamaForward(cfg, weights, [...prompt, ...theirs.tokens.slice(0, -1)]);
  let maxLogitDiff = 0;
  let minGap = Infinity;
  for (let s = 0; s < steps; s++) {
    const ours = row(logits, prompt.length - 1 + s, V);
    const cppRow = row(theirs.logProbs, s, V);
    const mine = top2(ours);
    maxLogitDiff = Math.max(maxLogitDiff, maxShiftedDiff(ours, cppRow));
    if (mine.best !== theirs.tokens[s]) {
      const divergence = { at: s, spml: mine.best, llamacpp: theirs.tokens[s]!, spmlGap: mine.gap, llamacppGap: top2(cppRow).gap };
      return { steps, matched: s, divergence, maxLogitDiff, minGap };
    }
    minGap = Math.min(minGap, mine.gap);
  }
  return { steps, matched: steps, maxLogitDiff, minGap };
}

export interface TeacherForcedComparison {
  readonly positions: number;
  readonly agreed: number;
  readonly disagreements: readonly Disagreement[];
  readonly maxLogitDiff: number;
  /** Positions where spml's top-2 gap is below NEAR_TIE (agreeing or not). */
  readonly nearTies: number;
}

/** Top-1 of spml's float reference against llama.cpp's at every position of each sequence. */
export async function compareTeacherForced(cfg: LlamaConfig, weights: FloatWeights, cpp: LlamaCpp, sequences: readonly (readonly number[])[]): Promise<TeacherForcedComparison> {
  const V = cfg.vocabSize;
  let positions = 0;
  let agreed = 0;
  let maxLogitDiff = 0;
  let nearTies = 0;
  const disagreements: Disagreement[] = [];
  for (const seq of sequences) {
    const theirs = await cpp.logProbs(seq);
    const ours = floatLlamaForward(cfg, weights, seq);
    for (let t = 0; t < seq.length; t++) {
      const a = top2(row(ours, t, V));
      const b = top2(row(theirs, t, V));
      maxLogitDiff = Math.max(maxLogitDiff, maxShiftedDiff(row(ours, t, V), row(theirs, t, V)));
      if (a.gap < NEAR_TIE) nearTies++;
      if (a.best === b.best) agreed++;
      else disagreements.push({ at: positions + t, spml: a.best, llamacpp: b.best, spmlGap: a.gap, llamacppGap: b.gap });
    }
    positions += seq.length;
  }
  return { positions, agreed, disagreements, maxLogitDiff, nearTies };
}

/**
 * A story of `length` tokens after `prompt`, sampled at temperature 1 from llama.cpp's
 * probabilities with a seeded generator (tools/data/rng.ts; the first id whose cumulative
 * probability passes u, as tools/data/float_sample.ts samples spml's float model): held-out text
 * made by the model itself, long enough to cover the context, in a second where spml's float64
 * reference without a KV cache would take minutes.
 */
export async function sampleStory(cpp: LlamaCpp, prompt: readonly number[], length: number, seed: number): Promise<number[]> {
  const rng = new Rng(seed);
  const tokens = [...prompt];
  while (tokens.length < length) {
    const { logProbs } = await cpp.next(tokens);
    let u = rng.float();
    let id = 0;
    while (id < logProbs.length - 1 && (u -= Math.exp(logProbs[id]!)) > 0) id++;
    tokens.push(id);
  }
  return tokens;
}
