/**
 * Text generation with any language model (engine/arch/architecture.ts): prefill the prompt,
 * then decode one token at a time from the KV cache, greedily (temperature 0) or by the
 * deterministic sampler (NUMERICS.md §14). The
 * result carries the SHA-256 of the generated token ids and the Merkle root of every layer
 * output of every step, so two parties can compare runs by hash.
 */
import { Decimal } from 'decimal.js';
import { ParamError, ValueRangeError } from './errors.js';
import { hashData, bytesToHex } from './hash.js';
import { argmax, sample, slice, TOP_P_ONE } from './ops/index.js';
import { dyadicFromReal, dyadicToDecimal, type Dyadic } from './quant.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';
import { Trace, type TraceLeaf } from './trace.js';
import type { LanguageModel } from './arch/architecture.js';
import { textStream } from './text_stream.js';

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
   * (≥ 1; absent means run to the end): the prefix of a run's trace, up to one leaf, without the
   * rest (NUMERICS.md §20.4, "partial runs"). `tokens` then holds only those chosen before the stop.
   */
  leafLimit?: number;
  /**
   * Called with each token as soon as it is chosen, and its text: whole characters only, so the
   * texts joined are the completion (a character split over several tokens comes with its last).
   */
  onToken?: (token: GeneratedToken) => void;
}

/** One generated token, as `onToken` and generateStream (api.ts) give it. */
export interface GeneratedToken {
  /** 0 for the first generated token. */
  readonly index: number;
  readonly id: number;
  /** The characters this token completes ('' while a character's bytes are incomplete). */
  readonly text: string;
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

/** The real sampling scale of temperature t > 0, r = s_logit·K / t, exactly as NUMERICS.md §20.4 rounds it. */
const sampleScaleReal = (logitScale: Dyadic, t: number): Decimal => dyadicToDecimal(logitScale).times(LOG2E_256).div(new Decimal(t));

/** Temperature t's sampling scale, or undefined where dyadicFromReal refuses it (outside [2^-32, 2^31), NUMERICS.md §1.2). */
function scaleOf(logitScale: Dyadic, t: number): Dyadic | undefined {
  try {
    return dyadicFromReal(sampleScaleReal(logitScale, t), 'generate');
  } catch (e) {
    if (e instanceof ParamError) return undefined;
    throw e;
  }
}
const representable = (logitScale: Dyadic, t: number) => scaleOf(logitScale, t) !== undefined;

/** The adjacent binary64 above (+1) or below (-1) a positive finite x. */
function adjacentDouble(x: number, dir: 1 | -1): number {
  const f = new Float64Array([x]);
  const bits = new BigInt64Array(f.buffer);
  bits[0] = bits[0]! + BigInt(dir);
  return f[0]!;
}

/**
 * The temperatures a model with this logit scale can sample at: exactly the binary64 numbers t in
 * [min, max] (and 0, greedy). The scale r(t) = s_logit·K/t falls as t grows and dyadicFromReal
 * accepts r in [2^-32, 2^31), so min ≈ s_logit·K/2^31 and max ≈ s_logit·K·2^32; each bound starts
 * from that float estimate and moves one binary64 at a time until the arithmetic that generate
 * uses accepts it and rejects its outer neighbour.
 */
export function temperatureRange(logitScale: Dyadic): { min: number; max: number } {
  const sK = dyadicToDecimal(logitScale).times(LOG2E_256);
  const edge = (estimate: number, outward: 1 | -1) => {
    let t = estimate;
    while (!representable(logitScale, t)) t = adjacentDouble(t, -outward as 1 | -1);
    while (representable(logitScale, adjacentDouble(t, outward))) t = adjacentDouble(t, outward);
    return t;
  };
  return { min: edge(sK.div(2 ** 31).toNumber(), -1), max: edge(sK.times(2 ** 32).toNumber(), 1) };
}

/** Temperature t > 0 as a sampling scale, or a ParamError in the user's terms: the range this model supports. */
function sampleScaleFor(logitScale: Dyadic, t: number): Dyadic {
  const scale = scaleOf(logitScale, t);
  if (scale) return scale;
  const { min, max } = temperatureRange(logitScale);
  // Shown to two digits, rounded inward, so that both printed bounds are themselves accepted.
  const show = (x: number, rounding: Decimal.Rounding) => {
    const d = new Decimal(x).toSignificantDigits(2, rounding);
    return d.e < -4 || d.e >= 6 ? d.toExponential().replace('e+', 'e') : d.toString();
  };
  throw new ParamError('generate', `temperature ${t} is outside the range this model supports, [${show(min, Decimal.ROUND_UP)}, ${show(max, Decimal.ROUND_DOWN)}] (or 0 for greedy)`);
}

export function checkGenerateOptions(
  o: GenerateOptions,
): Required<Omit<GenerateOptions, 'topK' | 'topP' | 'leafLimit' | 'onToken'>> & { topK: number; topP: number; leafLimit: number } {
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
  if (o.onToken !== undefined && typeof o.onToken !== 'function') throw new ParamError(op, 'onToken must be a function');
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

/**
 * How a generation picks its token at `step` from a pass's int32 logits [T, vocab] (NUMERICS.md
 * §20.4): the last row's argmax at temperature 0, else `sample` at the temperature's scale with
 * the seed, topK and topP; an int32 id [1]. generate and a decoder's replay of one trace leaf
 * (engine/arch/decoder.ts) both pick with it. Options the generation would refuse are refused here.
 */
export function tokenPicker(model: LanguageModel, options: GenerateOptions): (logits: Tensor, step: number) => Tensor {
  const o = checkGenerateOptions(options);
  // Temperature folds into the softmax scale of the logits (NUMERICS.md §14), computed exactly.
  const scale = o.temperature > 0 ? sampleScaleFor(model.logitScale, o.temperature) : undefined;
  return (logits, step) =>
    tidy(() => {
      const last = slice(logits, [logits.shape[0]! - 1, 0], [1, model.vocabSize]);
      return scale ? sample(last, { scale, seed: o.seed, step, topK: o.topK, topP: o.topP }) : argmax(last);
    });
}

export async function generate(model: LanguageModel, prompt: string, options: GenerateOptions = {}): Promise<GenerateResult> {
  const o = checkGenerateOptions(options);
  const ids = model.tokenizer.encode(prompt);
  if (ids.length === 0) throw new ParamError('generate', 'the prompt is empty');
  const ctx = model.contextLength;
  if (ids.length + o.maxTokens > ctx) {
    throw new ValueRangeError('generate', `prompt (${ids.length} tokens) + maxTokens (${o.maxTokens}) exceed the context of ${ctx} tokens`);
  }
  const pick = tokenPicker(model, options);

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
  const { onToken } = options;
  const stream = onToken ? textStream(model.tokenizer) : undefined;
  // The last token brings what is held back (a character cut off by the end, as U+FFFD). It is
  // the last when no token is left, or when the next pass would use up leafLimit's leaves.
  const emit = (step: number, id: number) => {
    const last = step + 1 === o.maxTokens || leavesLeft <= perPass;
    onToken?.({ index: step, id, text: stream!.push(id) + (last ? stream!.end() : '') });
  };
  for (let step = 0; step < o.maxTokens && leavesLeft > 0; step++) {
    const next = pick(logits, step);
    const [id] = await next.data();
    // Each step's tensors are freed as soon as its token is read: a backend whose memory the
    // garbage collector cannot see stays bounded however long the generation (engine/scope.ts).
    for (const t of [logits, next]) t.dispose();
    out.push(id!);
    emit(step, id!);
    if (step + 1 < o.maxTokens) logits = pass([id!], `step${step}`);
  }
  // A pass that no token was read from (maxTokens 0, or a run cut short by leafLimit).
  logits.dispose();
  session.dispose();
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
