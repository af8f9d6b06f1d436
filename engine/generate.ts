/**
 * Text generation with any language model (engine/arch/architecture.ts): prefill the prompt, then decode one token at a time from the
 * KV cache, greedily (temperature 0) or by the deterministic sampler (NUMERICS.md §14). The
 * result carries the SHA-256 of the generated token ids and the Merkle root of every layer
 * output of every step, so two parties can compare runs by hash.
 */
import { Decimal } from 'decimal.js';
import { ParamError, ValueRangeError } from './errors.js';
import { hashData, bytesToHex } from './hash.js';
import { argmax, sample, slice, TOP_P_ONE } from './ops/index.js';
import { dyadicFromReal, dyadicToDecimal } from './quant.js';
import { Trace, type TraceLeaf } from './trace.js';
import type { LanguageModel } from './arch/architecture.js';

/** What a generation does when an option is left out: the API's, the CLI's and the page's defaults. */
export const GENERATE_DEFAULTS = { maxTokens: 64, temperature: 0, seed: 0n } as const;

export interface GenerateOptions {
  /** Tokens to generate (default GENERATE_DEFAULTS.maxTokens, 64). */
  maxTokens?: number;
  /** 64-bit sampling seed (default 0). */
  seed?: bigint | number;
  /** 0 means greedy (argmax); otherwise logits are divided by it (default 0). */
  temperature?: number;
  /** Keep the k most likely tokens (≥ 1); absent means all. */
  topK?: number;
  /** Keep the most likely tokens holding this much probability, in (0, 1]; absent means 1. */
  topP?: number;
  /** Record per-layer hashes into a Merkle trace (default true). */
  trace?: boolean;
  /** Also return the trace's leaves as `traceLeaves` (default false). */
  keepTrace?: boolean;
  /**
   * Stop once this many trace leaves are made, part way through a forward pass if need be
   * (≥ 1; absent means run to the end). Arbitration re-executes a disputed run only up to its
   * first divergent layer (protocol/bisection.ts); `tokens` then holds only those chosen before
   * the stop.
   */
  leafLimit?: number;
}

export interface GenerateResult {
  /** The prompt followed by the generated text. */
  readonly text: string;
  readonly completion: string;
  readonly tokens: readonly number[];
  /** SHA-256 of the generated token ids as an int32 [n] tensor (NUMERICS.md §2). */
  readonly outputHash: string;
  /** Merkle root over every layer output of every step (empty-tree root when trace is off). */
  readonly traceRoot: string;
  readonly traceLength: number;
  /** The trace's leaves, in order; present when `keepTrace` was set. */
  readonly traceLeaves?: readonly TraceLeaf[];
  readonly ms: number;
  readonly tokensPerSecond: number;
}

const LOG2E_256 = new Decimal(256).div(Decimal.ln(2));

export function checkGenerateOptions(
  o: GenerateOptions,
): Required<Omit<GenerateOptions, 'topK' | 'topP' | 'leafLimit'>> & { topK: number; topP: number; leafLimit: number } {
  const op = 'generate';
  const maxTokens = o.maxTokens ?? GENERATE_DEFAULTS.maxTokens;
  if (!Number.isInteger(maxTokens) || maxTokens < 0) throw new ParamError(op, `maxTokens must be a non-negative integer, got ${String(o.maxTokens)}`);
  const temperature = o.temperature ?? GENERATE_DEFAULTS.temperature;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new ParamError(op, `temperature must be a finite number >= 0, got ${String(o.temperature)}`);
  }
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 1)) throw new ParamError(op, `topK must be an integer >= 1, got ${String(o.topK)}`);
  if (o.topP !== undefined && (typeof o.topP !== 'number' || !(o.topP > 0 && o.topP <= 1))) {
    throw new ParamError(op, `topP must be in (0, 1], got ${String(o.topP)}`);
  }
  const seed = o.seed ?? GENERATE_DEFAULTS.seed;
  if (!(typeof seed === 'bigint' || Number.isSafeInteger(seed)) || BigInt(seed) < 0n || BigInt(seed) >= 1n << 64n) {
    throw new ParamError(op, `seed must be an integer in [0, 2^64), got ${String(o.seed)}`);
  }
  if (o.leafLimit !== undefined && (!Number.isInteger(o.leafLimit) || o.leafLimit < 1)) {
    throw new ParamError(op, `leafLimit must be an integer >= 1, got ${String(o.leafLimit)}`);
  }
  return {
    maxTokens,
    temperature,
    seed,
    topK: o.topK ?? 0,
    // Q16, never 0: a tiny p keeps at least the most likely token.
    topP: o.topP === undefined ? TOP_P_ONE : Math.max(1, Math.round(o.topP * TOP_P_ONE)),
    trace: o.trace ?? true,
    keepTrace: o.keepTrace ?? false,
    leafLimit: o.leafLimit ?? Infinity,
  };
}

export async function generate(model: LanguageModel, prompt: string, options: GenerateOptions = {}): Promise<GenerateResult> {
  const o = checkGenerateOptions(options);
  const ids = model.tokenizer.encode(prompt);
  if (ids.length === 0) throw new ParamError('generate', 'the prompt is empty');
  const ctx = model.contextLength;
  if (ids.length + o.maxTokens > ctx) {
    throw new ValueRangeError('generate', `prompt (${ids.length} tokens) + maxTokens (${o.maxTokens}) exceed the context of ${ctx} tokens`);
  }
  // Temperature folds into the softmax scale of the logits (NUMERICS.md §14), computed exactly.
  const logitScale = dyadicToDecimal(model.logitScale);
  const sampleScale = o.temperature > 0 ? dyadicFromReal(logitScale.times(LOG2E_256).div(new Decimal(o.temperature)), 'generate') : undefined;

  const trace = o.trace ? new Trace() : undefined;
  const session = model.session();
  const started = performance.now();
  // Each pass makes leavesPerPass leaves; the one that reaches leafLimit is cut short there.
  const perPass = model.leavesPerPass;
  let leavesLeft = o.leafLimit;
  const pass = (tokens: readonly number[], label: string) => {
    const count = Math.min(perPass, leavesLeft);
    leavesLeft -= count;
    return session.forward(tokens, count, trace, label);
  };
  let logits = pass(ids, 'prefill');
  const out: number[] = [];
  for (let step = 0; step < o.maxTokens && leavesLeft > 0; step++) {
    const last = slice(logits, [logits.shape[0]! - 1, 0], [1, model.vocabSize]);
    const next = sampleScale
      ? sample(last, { scale: sampleScale, seed: o.seed, step, topK: o.topK, topP: o.topP })
      : argmax(last);
    const [id] = await next.data();
    out.push(id!);
    if (step + 1 < o.maxTokens) logits = pass([id!], `step${step}`);
  }
  const ms = performance.now() - started;
  const { root, leaves } = trace ? await trace.finish() : { root: await new Trace().finish().then((r) => r.root), leaves: [] };
  const completion = model.tokenizer.decode(out);
  return {
    text: prompt + completion,
    completion,
    tokens: out,
    outputHash: bytesToHex(hashData('int32', [out.length], Int32Array.from(out))),
    traceRoot: root,
    traceLength: leaves.length,
    ...(o.keepTrace ? { traceLeaves: leaves } : {}),
    ms,
    tokensPerSecond: ms > 0 ? (out.length / ms) * 1000 : 0,
  };
}
