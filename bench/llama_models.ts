/**
 * The models of bench:llama (the Llama work's speed item): the real stories260K checkpoint and
 * seeded random-weight llamas of llama2.c's 15M and 110M shapes, each written once per run as the
 * files every engine loads: the int8 `.spml` (spml backends) and GGUF F32 and Q8_0 (llama.cpp;
 * the tfjs float llama reads the F32 one, so every engine runs the very same weights).
 *
 * Calibration: stories260K as the llama tests do it (stories the float model samples at
 * temperature 1 from five fixed prompts, 64 tokens, seeds 1000+i); the random shapes on two
 * seeded sequences of 16 random ids, since they have no text and the float64 reference takes
 * minutes to sample from at 110M on two cores (the speed of a forward pass does not depend on the
 * scales the calibration picks).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { llamaArchitecture } from '../engine/arch/llama/index.js';
import type { LlamaConfig } from '../engine/arch/llama/config.js';
import type { FloatCheckpoint } from '../engine/format/checkpoint.js';
import { encodeModel } from '../engine/format/format.js';
import { decodeGguf } from '../engine/format/gguf.js';
import { writeGgufLlama } from '../engine/format/gguf_llama.js';
import { readLlama2c } from '../engine/format/llama2c.js';
import { sampleFloatSequence } from '../tools/data/float_sample.js';
import { LLAMA_SHAPES, randomLlamaCheckpoint } from '../tools/data/random_llama.js';
import { Rng } from '../tools/data/rng.js';

const BOS = 1;
const STORIES_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'shared', 'models', 'stories260K');
const STORIES_PROMPTS = ['Once upon a time', 'One day', 'Tom and his mom', 'The little bird', 'Lily wanted'];
const STORY = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. One day, she saw a big red ball under a tree and ran to get it. Her mom said it was time to go home, but Lily wanted to stay and play a little longer. So her mom sat on the bench and smiled. Lily kicked the ball to her friend Tom, and Tom kicked it back. They laughed and ran until the sun went down. Then Lily hugged her mom and said thank you.';

/** How long each measurement is: kept short for the big shapes so the bench fits its time budget. */
export interface RunLengths {
  /** Prompt of the prefill measurement (one pass over all of it). */
  readonly prefill: number;
  /** Prompt before the decode measurement (not timed), then `decode` greedy tokens, timed. */
  readonly decodePrompt: number;
  readonly decode: number;
  /** Timed runs after one warm-up; fewer when an engine's time budget runs out first. */
  readonly runs: number;
  /** Milliseconds an engine may spend on timed runs of this model before it stops at the runs it has. */
  readonly budgetMs: number;
}

export interface BenchModelSpec {
  readonly name: string;
  readonly note: string;
  readonly lengths: RunLengths;
  /**
   * Shorter runs for the spml backends other than cpu, which on a machine without a GPU run on a
   * software adapter (llvmpipe, or gpu.js's own fallbacks) many times slower than cpu; absent:
   * they do not run this model at all.
   */
  readonly gpuLengths?: RunLengths;
}

export const BENCH_MODELS: readonly BenchModelSpec[] = [
  { name: 'stories260K', note: 'real checkpoint (llama2.c, TinyStories)', lengths: { prefill: 128, decodePrompt: 8, decode: 64, runs: 3, budgetMs: 30_000 }, gpuLengths: { prefill: 64, decodePrompt: 8, decode: 16, runs: 3, budgetMs: 20_000 } },
  { name: 'random-15M', note: "seeded random weights, llama2.c's 15M shape", lengths: { prefill: 64, decodePrompt: 8, decode: 32, runs: 3, budgetMs: 60_000 }, gpuLengths: { prefill: 8, decodePrompt: 4, decode: 2, runs: 1, budgetMs: 0 } },
  { name: 'random-110M', note: "seeded random weights, llama2.c's 110M shape", lengths: { prefill: 32, decodePrompt: 4, decode: 8, runs: 3, budgetMs: 90_000 } },
];

const RANDOM_SEEDS: Record<string, readonly [keyof typeof LLAMA_SHAPES, number]> = { 'random-15M': ['15M', 15], 'random-110M': ['110M', 110] };

/** Where a model's files are, and the token ids every engine is fed. */
export interface BuiltModel {
  readonly name: string;
  readonly config: LlamaConfig;
  readonly files: { readonly spml: string; readonly ggufF32: string; readonly ggufQ8: string };
  readonly sizes: { readonly spml: number; readonly ggufF32: number; readonly ggufQ8: number };
  /** GGUF tensors that stay F32 in the Q8_0 file (rows not a multiple of 32 long), if any. */
  readonly q8KeptF32: readonly string[];
  /** The prefill prompt; the decode prompt is its start. */
  readonly prefillIds: readonly number[];
  readonly buildSeconds: number;
}

function storiesCheckpoint(): FloatCheckpoint {
  return readLlama2c(readFileSync(path.join(STORIES_DIR, 'stories260K.bin')), readFileSync(path.join(STORIES_DIR, 'tok512.bin')));
}

/** Seeded ids past the specials and byte tokens: random models have no text to encode. */
function randomIds(count: number, vocabSize: number, seed: number): number[] {
  const rng = new Rng(seed);
  return [BOS, ...Array.from({ length: count - 1 }, () => 259 + Math.floor(rng.float() * (vocabSize - 259)))];
}

function calibrationAndPrompt(name: string, ck: FloatCheckpoint, prefill: number): { sequences: number[][]; prompt: number[] } {
  const cfg = ck.config as LlamaConfig;
  if (name === 'stories260K') {
    const tok = llamaArchitecture.checkpointTokenizer!(ck);
    const logits = (ids: readonly number[]) => llamaArchitecture.floatLogits!(ck, ids);
    const sequences = STORIES_PROMPTS.map((p, i) => sampleFloatSequence(logits, cfg.vocabSize, [BOS, ...tok.encode(p)], 64, 1000 + i));
    const prompt = [BOS, ...tok.encode(STORY)];
    if (prompt.length < prefill) throw new Error(`the stories prompt has ${prompt.length} tokens, fewer than the ${prefill} the prefill needs`);
    return { sequences, prompt: prompt.slice(0, prefill) };
  }
  const seed = RANDOM_SEEDS[name]![1];
  return { sequences: [0, 1].map((i) => randomIds(16, cfg.vocabSize, seed * 100 + i)), prompt: randomIds(prefill, cfg.vocabSize, seed * 100 + 99) };
}

/** Make the model's checkpoint, quantize it and write its three files under `dir`. */
export function buildModel(spec: BenchModelSpec, dir: string, log: (msg: string) => void): BuiltModel {
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1e3).toFixed(1)} s`;
  const random = RANDOM_SEEDS[spec.name];
  const ck = random ? randomLlamaCheckpoint(LLAMA_SHAPES[random[0]], random[1]) : storiesCheckpoint();
  const config = ck.config as LlamaConfig;
  log(`  ${spec.name}: checkpoint ready (${since()}); quantizing with the float64 reference…`);
  const { sequences, prompt } = calibrationAndPrompt(spec.name, ck, spec.lengths.prefill);
  const int = llamaArchitecture.quantize(ck, { sequences });
  mkdirSync(dir, { recursive: true });
  const files = { spml: path.join(dir, `${spec.name}.spml`), ggufF32: path.join(dir, `${spec.name}.f32.gguf`), ggufQ8: path.join(dir, `${spec.name}.q8_0.gguf`) };
  const spml = encodeModel(llamaArchitecture.toFile(int, { name: spec.name, description: spec.note }));
  writeFileSync(files.spml, spml);
  log(`  ${spec.name}: quantized and written (${since()}); writing GGUF F32 and Q8_0…`);
  const f32 = writeGgufLlama(ck, { type: 'F32', name: spec.name });
  writeFileSync(files.ggufF32, f32);
  const q8 = writeGgufLlama(ck, { type: 'Q8_0', name: spec.name });
  writeFileSync(files.ggufQ8, q8);
  // writeGgufLlama keeps a matrix F32 when its rows are not whole 32-element Q8_0 blocks: read back which.
  const q8KeptF32 = decodeGguf(q8).tensors.filter((t) => t.shape.length === 2 && t.type !== 'Q8_0').map((t) => t.name);
  const buildSeconds = (performance.now() - t0) / 1e3;
  log(`  ${spec.name}: files written in ${buildSeconds.toFixed(1)} s (.spml ${(spml.length / 2 ** 20).toFixed(1)} MiB, GGUF F32 ${(f32.length / 2 ** 20).toFixed(1)} MiB, Q8_0 ${(q8.length / 2 ** 20).toFixed(1)} MiB)`);
  return {
    name: spec.name,
    config,
    files,
    sizes: { spml: spml.length, ggufF32: f32.length, ggufQ8: q8.length },
    q8KeptF32,
    prefillIds: prompt,
    buildSeconds,
  };
}
