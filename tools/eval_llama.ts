/**
 * The shipped stories260k int8 model against its float64 reference (engine/arch/llama/float.ts),
 * teacher-forced on held-out stories: greedy top-1 agreement and perplexity of each on the real
 * next token. Part of `npm run eval` (tools/eval.ts writes docs/ACCURACY.md).
 *
 * Held-out text: stories the float model writes itself, sampled at temperature 1 from BOS with
 * seeds no calibration uses (calibration: seeds 1–8 through engine/arch/llama/calibration.ts;
 * here 5000 onward through tools/llamacpp/compare.ts's sampler). They are drawn from llama.cpp
 * running the F32 GGUF export of the same weights, whose top-1 equals the float64 reference's on
 * every position checked (docs/ACCURACY.md), because sampling thousands of tokens with the
 * cache-less float64 reference would take minutes.
 *
 * Int logits become probabilities at the model's logit scale (real = int · logitScale, §20.7).
 * `evalQ8Requantization` also measures what going through a GGUF Q8_0 file costs: the Q8_0 weights
 * dequantized, quantized again by spml, against the F32 float reference.
 */
import { loadModel, type LoadedLanguageModel } from '../engine/api.js';
import '../kernels/cpu/index.js';
import type { LlamaConfig } from '../engine/arch/llama/config.js';
import { floatLlamaForward } from '../engine/arch/llama/float.js';
import type { FloatCheckpoint } from '../engine/format/checkpoint.js';
import { readGgufLlama, writeGgufLlama } from '../engine/format/gguf_llama.js';
import { readLlama2c } from '../engine/format/llama2c.js';
import { importModel } from '../engine/import_model.js';
import { dyadicToNumber } from '../engine/quant.js';
import { readStoriesFile } from './data/stories260k.js';
import { sampleStory } from './llamacpp/compare.js';
import { openLlamaCpp } from './llamacpp/llamacpp.js';

export const HELD_OUT = { stories: 16, length: 256, firstSeed: 5000 } as const;

const progress = (msg: string) => process.stderr.write(`\r${msg}`.padEnd(78));

export function stories260kCheckpoint(): FloatCheckpoint {
  return readLlama2c(readStoriesFile('stories260K.bin'), readStoriesFile('tok512.bin'));
}

/** The held-out stories (BOS first), sampled by llama.cpp from the F32 export with fixed seeds. */
export async function heldOutStories(ck: FloatCheckpoint, count: number = HELD_OUT.stories, length: number = HELD_OUT.length, firstSeed: number = HELD_OUT.firstSeed): Promise<number[][]> {
  const cfg = ck.config as LlamaConfig;
  const cpp = await openLlamaCpp(writeGgufLlama(ck, { type: 'F32' }), { vocabSize: cfg.vocabSize, maxTokens: length, kvCache: 'F32' });
  try {
    const out: number[][] = [];
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      out.push(await sampleStory(cpp, [cpp.bos], length, firstSeed + i));
      const left = ((Date.now() - started) / (i + 1)) * (count - i - 1);
      progress(`held-out stories: ${i + 1}/${count}, about ${(left / 1000).toFixed(0)} s left`);
    }
    process.stderr.write('\n');
    return out;
  } finally {
    await cpp.dispose();
  }
}

const argmaxRow = (x: ArrayLike<number>, start: number, n: number) => {
  let best = 0;
  for (let j = 1; j < n; j++) if (x[start + j]! > x[start + best]!) best = j;
  return best;
};

/** −log softmax(row)[target]. */
function nll(x: ArrayLike<number>, start: number, n: number, target: number, scale = 1): number {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, x[start + j]! * scale);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(x[start + j]! * scale - max);
  return Math.log(sum) + max - x[start + target]! * scale;
}

export interface LlamaEval {
  readonly positions: number;
  readonly agreement: number;
  readonly floatPerplexity: number;
  readonly intPerplexity: number;
  readonly hash: string;
}

/** Teacher-forced comparison of an int8 llama (loaded) with the float reference on `stories`. */
export async function compareWithFloat(model: LoadedLanguageModel, ck: FloatCheckpoint, stories: readonly number[][]): Promise<LlamaEval> {
  const cfg = ck.config as LlamaConfig;
  const V = cfg.vocabSize;
  const s = dyadicToNumber(model.runtime.logitScale);
  let agree = 0;
  let positions = 0;
  let floatNll = 0;
  let intNll = 0;
  for (const [i, seq] of stories.entries()) {
    progress(`teacher-forced: story ${i + 1}/${stories.length}`);
    const fl = floatLlamaForward(cfg, ck.tensors, seq);
    const il = (await model.runtime.session().forward(seq).data()) as Int32Array;
    for (let t = 0; t + 1 < seq.length; t++) {
      if (argmaxRow(fl, t * V, V) === argmaxRow(il, t * V, V)) agree++;
      floatNll += nll(fl, t * V, V, seq[t + 1]!);
      intNll += nll(il, t * V, V, seq[t + 1]!, s);
      positions++;
    }
  }
  process.stderr.write('\n');
  return { positions, agreement: agree / positions, floatPerplexity: Math.exp(floatNll / positions), intPerplexity: Math.exp(intNll / positions), hash: model.hash };
}

/** The shipped stories260k model on the held-out stories. */
export async function evalStories260k(stories?: number[][]): Promise<LlamaEval & { stories: number }> {
  const ck = stories260kCheckpoint();
  const held = stories ?? (await heldOutStories(ck));
  const model = (await loadModel('stories260k')) as LoadedLanguageModel;
  return { ...(await compareWithFloat(model, ck, held)), stories: held.length };
}

/**
 * The cost of a Q8_0 GGUF as the source: the float model read back from spml's Q8_0 export
 * against the F32 float reference (top-1 agreement), and the int8 model spml makes from it.
 */
export async function evalQ8Requantization(stories: number[][]): Promise<{ q8FloatAgreement: number; q8FloatPerplexity: number; q8Int: LlamaEval }> {
  const ck = stories260kCheckpoint();
  const cfg = ck.config as LlamaConfig;
  const V = cfg.vocabSize;
  const q8 = writeGgufLlama(ck, { type: 'Q8_0' });
  const q8ck = readGgufLlama(q8);
  let agree = 0;
  let n = 0;
  let q8Nll = 0;
  for (const seq of stories) {
    const a = floatLlamaForward(cfg, ck.tensors, seq);
    const b = floatLlamaForward(cfg, q8ck.tensors, seq);
    for (let t = 0; t + 1 < seq.length; t++, n++) {
      if (argmaxRow(a, t * V, V) === argmaxRow(b, t * V, V)) agree++;
      q8Nll += nll(b, t * V, V, seq[t + 1]!);
    }
  }
  progress('importing the Q8_0 export');
  const imported = importModel(q8, { name: 'stories260k-q8_0' });
  const model = (await loadModel(imported.bytes)) as LoadedLanguageModel;
  return { q8FloatAgreement: agree / n, q8FloatPerplexity: Math.exp(q8Nll / n), q8Int: await compareWithFloat(model, ck, stories) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ck = stories260kCheckpoint();
  const stories = await heldOutStories(ck);
  const r = await evalStories260k(stories);
  const q = await evalQ8Requantization(stories);
  console.log(JSON.stringify({ shipped: r, q8: q }, null, 2));
}
