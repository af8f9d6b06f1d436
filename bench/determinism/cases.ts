/**
 * The determinism bench's cases (engine/NUMERICS.md §0: the same bytes on every stack): the
 * shipped models over fixed prompts, seeds and test images, stories260K among them, and models
 * with seeded random weights of several shapes (GPTs and an MLP from bench/determinism_models.ts,
 * llamas with odd head counts and grouped-query attention from tools/data/random_llama_models.ts).
 *
 * This module runs in every JavaScript engine the bench drives (Node, Bun, Deno, and the browsers
 * through apps/web/page.ts with the same inputs), so it imports the engine and nothing that needs
 * Node alone; the caller registers the backend it runs.
 */
import { classify, generate, type SpmlModel } from '../../engine/index.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { RANDOM_GPTS, RANDOM_MLP, randomGptBytes, randomMlpBytes, randomPixels, randomPrompt } from '../determinism_models.js';
import { RANDOM_LLAMA_PROMPT, RANDOM_LLAMAS, randomLlamaBytes } from '../../tools/data/random_llama_models.js';

/** A generation case, of any language model (gpt or llama). */
export interface GptCase {
  readonly id: string;
  readonly kind: 'gpt';
  readonly model: string;
  readonly prompt: string;
  readonly seed: bigint;
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly maxTokens: number;
}

export interface MlpCase {
  readonly id: string;
  readonly kind: 'mlp';
  readonly model: string;
  /** MNIST test images [start, start + count), or `count` random inputs from `seed`. */
  readonly images: { readonly mnistStart: number; readonly count: number } | { readonly seed: number; readonly count: number };
}

export type Case = GptCase | MlpCase;

/** What one case gave on one stack. */
export interface CaseResult {
  readonly id: string;
  /** SHA-256 of the model file. */
  readonly modelHash: string;
  readonly outputHash: string;
  readonly traceRoot: string;
  /** Generated tokens (gpt) or images classified (mlp). */
  readonly items: number;
  readonly ms: number;
  readonly completion?: string;
  readonly labels?: readonly number[];
}

const MOBY_PROMPTS = ['Call me Ishmael. ', 'The white whale ', 'Captain Ahab, '];
/** Greedy, and sampling at 0.8 under two seeds. */
const MOBY_SAMPLING = [
  { seed: 1n, temperature: 0 },
  { seed: 42n, temperature: 0.8 },
  { seed: 7n, temperature: 0.8 },
];
const MOBY_TOKENS = 20;
const RANDOM_TOKENS = 16;
/** stories260K: greedy and sampled, one prompt (its 512-token vocabulary, 16 tokens each). */
const STORIES_SAMPLING = [
  { seed: 1n, temperature: 0 },
  { seed: 42n, temperature: 0.8 },
];
const STORIES_TOKENS = 16;

export const CASES: readonly Case[] = [
  ...MOBY_PROMPTS.flatMap((prompt, p) =>
    MOBY_SAMPLING.map(({ seed, temperature }) => ({
      id: `moby-gpt/p${p}/s${seed}/t${temperature}`,
      kind: 'gpt' as const,
      model: 'moby-gpt',
      prompt,
      seed,
      temperature,
      maxTokens: MOBY_TOKENS,
    })),
  ),
  { id: 'mnist-mlp/test[0:32]', kind: 'mlp', model: 'mnist-mlp', images: { mnistStart: 0, count: 32 } },
  { id: 'mnist-mlp/test[5000:5032]', kind: 'mlp', model: 'mnist-mlp', images: { mnistStart: 5000, count: 32 } },
  ...RANDOM_GPTS.flatMap((spec, m) => {
    const prompt = randomPrompt(spec, 6, spec.seed + 10);
    const common = { kind: 'gpt' as const, model: spec.name, prompt, maxTokens: RANDOM_TOKENS };
    return [
      { ...common, id: `${spec.name}/s0/t0`, seed: 0n, temperature: 0 },
      { ...common, id: `${spec.name}/s${m + 11}/t0.8`, seed: BigInt(m + 11), temperature: 0.8 },
      { ...common, id: `${spec.name}/s${m + 21}/t1.2/k8/p0.9`, seed: BigInt(m + 21), temperature: 1.2, topK: 8, topP: 0.9 },
    ];
  }),
  { id: `${RANDOM_MLP.name}/random[24]`, kind: 'mlp', model: RANDOM_MLP.name, images: { seed: 505, count: 24 } },
  ...STORIES_SAMPLING.map(({ seed, temperature }) => ({
    id: `stories260k/s${seed}/t${temperature}`,
    kind: 'gpt' as const,
    model: 'stories260k',
    prompt: 'Once upon a time',
    seed,
    temperature,
    maxTokens: STORIES_TOKENS,
  })),
  ...RANDOM_LLAMAS.flatMap((spec, m) => {
    const common = { kind: 'gpt' as const, model: spec.name, prompt: RANDOM_LLAMA_PROMPT, maxTokens: RANDOM_TOKENS };
    return [
      { ...common, id: `${spec.name}/s0/t0`, seed: 0n, temperature: 0 },
      { ...common, id: `${spec.name}/s${m + 31}/t1.2/k8/p0.9`, seed: BigInt(m + 31), temperature: 1.2, topK: 8, topP: 0.9 },
    ];
  }),
];

const modelSources = new Map<string, string | Uint8Array>();

/** A shipped name, or the in-memory bytes of a seeded random model (made once per process). */
export function modelSource(name: string): string | Uint8Array {
  let source = modelSources.get(name);
  if (source === undefined) {
    const gpt = RANDOM_GPTS.find((s) => s.name === name);
    const llama = RANDOM_LLAMAS.find((s) => s.name === name);
    source = gpt ? randomGptBytes(gpt) : llama ? randomLlamaBytes(llama) : name === RANDOM_MLP.name ? randomMlpBytes(RANDOM_MLP) : name;
    modelSources.set(name, source);
  }
  return source;
}

let mnistTest: Uint8Array | undefined;

/** The pixels an MLP case classifies. */
export function casePixels(c: MlpCase): Uint8Array {
  const { count } = c.images;
  return 'mnistStart' in c.images
    ? (mnistTest ??= loadMnist('test').images).slice(c.images.mnistStart * 784, (c.images.mnistStart + count) * 784)
    : randomPixels(RANDOM_MLP, count, c.images.seed);
}

/** Runs one case on a model loaded on the stack's backend. */
export async function runCase(c: Case, model: SpmlModel): Promise<CaseResult> {
  if (c.kind === 'gpt') {
    const r = await generate(model, c.prompt, { maxTokens: c.maxTokens, seed: c.seed, temperature: c.temperature, topK: c.topK, topP: c.topP });
    return { id: c.id, modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, items: r.tokens.length, ms: r.ms, completion: r.completion };
  }
  const { count } = c.images;
  const r = await classify(model, casePixels(c), count);
  return { id: c.id, modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, items: count, ms: r.ms, labels: r.labels };
}

/** Generated tokens / generate() wall time over the moby-gpt cases. */
export function mobyTokensPerSecond(cases: readonly CaseResult[]): number {
  const moby = cases.filter((c) => c.id.startsWith('moby-gpt/'));
  const ms = moby.reduce((s, c) => s + c.ms, 0);
  return ms > 0 ? (moby.reduce((s, c) => s + c.items, 0) / ms) * 1e3 : 0;
}
