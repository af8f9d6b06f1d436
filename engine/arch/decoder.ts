/**
 * A decoder's generation as its trace commits it (engine/NUMERICS.md §20.4, "The trace", and
 * §20.8), shared by the GPT (gpt/model.ts) and the llama (llama/model.ts): the pass, in which each
 * block first commits the rows it appends to its key/value cache (`kv{l}`) and then its output
 * (`h{l}`); the cost of each leaf; and the re-execution of any one leaf from the leaves it reads,
 * which arbitration runs (protocol/bisection.ts).
 *
 * An architecture supplies the steps of its block (embed, normIn, cacheRows, attend, head); the
 * session and the replay here call the same steps on the same tensors, so a replayed leaf has
 * exactly the bytes of a whole run's. The cache a replayed block attends over is the
 * concatenation of the `kv` leaves it reads, as the one a session grows is of the rows it appends.
 */
import type { Backend } from '../backend.js';
import { ParamError, ValueRangeError } from '../errors.js';
import { GENERATE_DEFAULTS, tokenPicker } from '../generate.js';
import { concat } from '../ops/index.js';
import type { Dyadic } from '../quant.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Trace } from '../trace.js';
import { checkReplayInput, type LanguageModel, type LanguageModelSession, type TaskInput, type TraceOptions, type TraceStep } from './architecture.js';
import { appendRows, disposeCache, stackRows, unstackRows, type KvCache } from './blocks.js';

/** The sizes that fix a decoder's trace tensors. */
export interface DecoderDims {
  readonly layers: number;
  /** C: the residual's width. */
  readonly width: number;
  /** H: the heads a cache row is held for (a llama's kv heads already repeated). */
  readonly heads: number;
  readonly headSize: number;
  readonly vocabSize: number;
  readonly contextLength: number;
  /** Planes of the cache: 2 (keys, values) or 3 (the llama's two key planes, values). */
  readonly planes: number;
}

/** Where a leaf sits: its pass, and which of the pass's leaves it is. */
interface Place {
  readonly pass: number;
  readonly kind: 'kv' | 'h' | 'logits';
  readonly layer: number;
}

/** The label of pass p's leaves: the prompt's pass, then one per generated token but the last. */
const passLabel = (p: number) => (p === 0 ? 'prefill' : `step${p - 1}`);

const passes = (options: TraceOptions) => Math.max(1, options.maxTokens ?? GENERATE_DEFAULTS.maxTokens);

export abstract class DecoderModel implements LanguageModel {
  readonly task = 'generate';
  abstract readonly backend: Backend;
  abstract readonly tokenizer: Tokenizer;
  abstract readonly dims: DecoderDims;
  abstract get logitScale(): Dyadic;

  /** The int16 residual [T, C] entering block 0: the embedding of `ids` at positions offset…. */
  abstract embed(ids: readonly number[], offset: number): Tensor;
  /** Block l's normed input x, from which it computes both its cache rows and its queries. */
  abstract normIn(l: number, x: Tensor): Tensor;
  /** The rows block l appends to its cache for the normed input h at positions offset…: one int8 [H, T, D] per plane, as the cache holds them. */
  abstract cacheRows(l: number, h: Tensor, offset: number): Tensor[];
  /** The rest of block l: h's queries attend over `cache` (this pass's rows already in it), then the output projection and the MLP; the int16 output [T, C] of input x. */
  abstract attend(l: number, x: Tensor, h: Tensor, cache: KvCache, offset: number): Tensor;
  /** The int32 logits [T, V] of the last block's output. */
  abstract head(x: Tensor): Tensor;
  /** Multiply-accumulates of a block's two leaves over T new ids attending to P positions (NUMERICS.md §20.8). */
  abstract blockCost(T: number, P: number): { readonly kv: number; readonly h: number };

  get vocabSize(): number {
    return this.dims.vocabSize;
  }

  get contextLength(): number {
    return this.dims.contextLength;
  }

  /** Per block its cache rows and its output, then the logits. */
  get leavesPerPass(): number {
    return 2 * this.dims.layers + 1;
  }

  private promptIds(op: string, input: TaskInput): number[] {
    if (input.kind !== 'text') throw new ParamError(op, `a ${input.kind} input does not suit a language model`);
    return this.tokenizer.encode(input.prompt);
  }

  /**
   * The leaves of a generation, with their multiply-accumulates: one pass over the prompt, then one
   * per further token; each block's two leaves cost blockCost, the head T·V·C.
   */
  traceSchedule(input: TaskInput, options: TraceOptions): TraceStep[] {
    const n = this.promptIds('traceSchedule', input).length;
    const { layers, vocabSize: V, width: C } = this.dims;
    const steps: TraceStep[] = [];
    for (let p = 0; p < passes(options); p++) {
      const label = passLabel(p);
      const T = p === 0 ? n : 1;
      // Pass p attends over every position so far: the prompt's, then one more per pass.
      const cost = this.blockCost(T, n + p);
      for (let l = 0; l < layers; l++) steps.push({ label: `${label}.kv${l}`, macs: cost.kv }, { label: `${label}.h${l}`, macs: cost.h });
      steps.push({ label: `${label}.logits`, macs: T * V * C });
    }
    return steps;
  }

  private place(op: string, options: TraceOptions, index: number): Place {
    const size = passes(options) * this.leavesPerPass;
    if (!Number.isInteger(index) || index < 0 || index >= size) throw new ParamError(op, `leaf ${index} is outside [0, ${size})`);
    const pass = Math.floor(index / this.leavesPerPass);
    const j = index % this.leavesPerPass;
    return j === 2 * this.dims.layers ? { pass, kind: 'logits', layer: this.dims.layers } : { pass, kind: j % 2 === 0 ? 'kv' : 'h', layer: j >> 1 };
  }

  /**
   * The leaves step `index` reads (NUMERICS.md §20.8): the block's input (the previous block's
   * output; for block 0 the previous pass's logits, which pick the token it embeds, or none in
   * the prefill), then for a block's output the kv leaves of its layer in every pass so far.
   */
  replayInputs(input: TaskInput, options: TraceOptions, index: number): number[] {
    this.promptIds('replayInputs', input);
    const { pass, kind, layer } = this.place('replayInputs', options, index);
    if (kind === 'logits') return [index - 1];
    const base = pass * this.leavesPerPass;
    const source = layer > 0 ? [base + 2 * layer - 1] : pass > 0 ? [base - 1] : [];
    if (kind === 'kv') return source;
    return [...source, ...Array.from({ length: pass + 1 }, (_, q) => q * this.leavesPerPass + 2 * layer)];
  }

  /** Leaf `index` alone, from the tensors of its replayInputs (NUMERICS.md §20.8). */
  async replayStep(input: TaskInput, options: TraceOptions, index: number, inputs: readonly Tensor[]): Promise<Tensor> {
    const op = 'replayStep';
    const ids = this.promptIds(op, input);
    const { pass, kind, layer } = this.place(op, options, index);
    const reads = this.replayInputs(input, options, index);
    if (inputs.length !== reads.length) throw new ParamError(op, `leaf ${index} reads ${reads.length} leaves, and ${inputs.length} were given`);
    reads.forEach((j, k) => this.checkLeaf(j, inputs[k]!, ids.length));
    const offset = pass === 0 ? 0 : ids.length + pass - 1;
    if (kind === 'logits') return tidy(() => this.head(inputs[0]!));
    let x = inputs[0]!;
    if (layer === 0) {
      let tokens = ids;
      if (pass > 0) {
        // The token the previous pass's logits pick, exactly as generate picks it at that step.
        const next = tokenPicker(this, options)(inputs[0]!, pass - 1);
        tokens = [...(await next.data())];
        next.dispose();
      }
      x = tidy(() => this.embed(tokens, offset));
    }
    const rows = inputs.slice(layer === 0 && pass === 0 ? 0 : 1);
    try {
      return tidy(() => {
        const h = this.normIn(layer, x);
        if (kind === 'kv') return stackRows(this.cacheRows(layer, h, offset));
        const planes = rows.map(unstackRows);
        const cache = planes[0]!.map((_, i) => concat(planes.map((leaf) => leaf[i]!), 1));
        return this.attend(layer, x, h, cache, offset);
      });
    } finally {
      if (layer === 0) x.dispose();
    }
  }

  /** Leaf j's tensor must have the dtype and shape an honest run gives it. */
  private checkLeaf(j: number, t: Tensor, promptTokens: number): void {
    const { pass, kind } = this.place('replayStep', { maxTokens: Infinity }, j);
    const T = pass === 0 ? promptTokens : 1;
    const { width, heads, headSize, vocabSize, planes } = this.dims;
    if (kind === 'kv') checkReplayInput(j, t, 'int8', [planes, heads, T, headSize]);
    else if (kind === 'h') checkReplayInput(j, t, 'int16', [T, width]);
    else checkReplayInput(j, t, 'int32', [T, vocabSize]);
  }

  session(): DecoderSession {
    return new DecoderSession(this);
  }
}

/** One generation's state: the position reached and each block's key/value cache. */
export class DecoderSession implements LanguageModelSession {
  private readonly caches: KvCache[] = [];
  /** Number of positions already in the cache. */
  position = 0;
  /** Why the session can run no further pass: a pass cut short, or dispose. */
  private ended?: string;

  constructor(readonly model: DecoderModel) {}

  /** Free the key/value cache; the session cannot run after it. */
  dispose(): void {
    for (const c of this.caches) disposeCache(c);
    this.caches.length = 0;
    this.ended ??= 'the session was disposed';
  }

  /**
   * Run `ids` at positions position…position+T−1 and return int32 logits [T, vocab] on the
   * model's logit scale, adding each leaf to `trace` under `${label}.kv{l}`, `${label}.h{l}` and
   * `${label}.logits`. With `leaves` < leavesPerPass the pass stops after that many leaves and
   * returns the last one's tensor (a block's stacked cache rows, or its output); it leaves the
   * blocks' caches uneven, so the session ends.
   */
  forward(ids: readonly number[], leaves = this.model.leavesPerPass, trace?: Trace, label = 'step'): Tensor {
    const m = this.model;
    const T = ids.length;
    if (this.ended) throw new ParamError('forward', this.ended);
    if (!Number.isInteger(leaves) || leaves < 1 || leaves > m.leavesPerPass) throw new ParamError('forward', `leaves ${leaves} is outside [1, ${m.leavesPerPass}]`);
    if (T === 0) throw new ParamError('forward', 'no tokens to run');
    if (this.position + T > m.contextLength) {
      throw new ValueRangeError('forward', `positions up to ${this.position + T - 1} exceed the model's context of ${m.contextLength}`);
    }
    const offset = this.position;
    let made = 0;
    // Adds a leaf (made only where it is traced or returned); true when it is the pass's last.
    const commit = (name: string, t: Tensor | undefined): boolean => {
      if (t) trace?.add(`${label}.${name}`, t);
      return ++made === leaves;
    };
    let x = tidy(() => m.embed(ids, offset));
    for (let l = 0; l < m.dims.layers; l++) {
      const input = x;
      // The block's intermediates and its input are freed when it is done (engine/scope.ts).
      x = tidy(() => {
        const h = m.normIn(l, input);
        const rows = m.cacheRows(l, h, offset);
        // The stacked rows are made only when the pass returns them; a trace hashes the same bytes unstacked.
        const kv = made + 1 === leaves ? stackRows(rows) : undefined;
        if (!kv) trace?.addStacked(`${label}.kv${l}`, rows);
        if (commit(`kv${l}`, kv)) return kv!;
        const cache = (this.caches[l] ??= []);
        appendRows(cache, rows);
        const out = m.attend(l, input, h, cache, offset);
        commit(`h${l}`, out);
        return out;
      });
      input.dispose();
      if (made === leaves) {
        this.ended = 'the session ended with a partial pass';
        return x;
      }
    }
    const last = x;
    const logits = tidy(() => m.head(last));
    last.dispose();
    commit('logits', logits);
    this.position += T;
    return logits;
  }
}
