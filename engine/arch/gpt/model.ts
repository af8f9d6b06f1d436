/**
 * The integer GPT-2-style decoder, built only from the op API so it runs unchanged on every
 * backend (engine/NUMERICS.md §5–§12; the recipe of §8 for attention).
 *
 * The residual stream is int16; every matmul operand is int8 (activations after a norm or a
 * requantize), accumulators are int32 and are requantized per output channel. A session keeps
 * a KV cache per layer ([heads, positions, headDim] int8), so decoding one token attends over the
 * cache with causalMask's offset; that gives byte-identical logits to recomputing the prefix,
 * because masked entries contribute exact zeros (NUMERICS.md §8).
 */
import type { Backend } from '../../backend.js';
import { ParamError, ValueRangeError } from '../../errors.js';
import { GENERATE_DEFAULTS } from '../../generate.js';
import { add, gather, layerNorm, matmul, requantize, slice } from '../../ops/index.js';
import type { Dyadic } from '../../quant.js';
import { tidy } from '../../scope.js';
import { tensor, type Tensor } from '../../tensor.js';
import { CharTokenizer } from '../../tokenizer/char.js';
import type { Trace } from '../../trace.js';
import type { LanguageModel, LanguageModelSession, TaskInput, TraceOptions, TraceStep } from '../architecture.js';
import { causalSelfAttention, geluMlp, linear, mergeHeads, splitHeads, type KvCache } from '../blocks.js';
import { channels, dyadic, type NormQuant } from '../int_model.js';
import type { GptConfig } from './config.js';
import type { IntGpt } from './quant.js';

/** One block's uploaded tensors. The block itself is composed from engine/arch/blocks.ts,
 * whose pieces a Llama-style block (RMSNorm, rotary positions, SwiGLU, grouped-query attention)
 * reuses. */
interface BlockWeights {
  ln1g: Tensor;
  ln1b: Tensor;
  wq: Tensor;
  bq: Tensor;
  wk: Tensor;
  bk: Tensor;
  wv: Tensor;
  bv: Tensor;
  wo: Tensor;
  bo: Tensor;
  ln2g: Tensor;
  ln2b: Tensor;
  w1: Tensor;
  b1: Tensor;
  gelu: Tensor;
  w2: Tensor;
  b2: Tensor;
}

export class GptModel implements LanguageModel {
  readonly task = 'generate';
  readonly config: GptConfig;
  readonly tokenizer: CharTokenizer;
  private readonly blocks: BlockWeights[];
  private readonly tok: Tensor;
  private readonly pos: Tensor;
  private readonly wte: Tensor;
  private readonly lnfg: Tensor;
  private readonly lnfb: Tensor;

  constructor(
    readonly backend: Backend,
    readonly model: IntGpt,
  ) {
    this.config = model.config;
    this.tokenizer = new CharTokenizer(model.vocab);
    const up = (name: string): Tensor => {
      const t = model.tensors.get(name);
      if (!t) throw new ParamError('GptModel', `missing tensor ${name}`);
      return tensor(backend, t.data, t.shape, t.dtype);
    };
    this.tok = up('embed.tok');
    this.pos = up('embed.pos');
    this.wte = up('head.wte');
    this.lnfg = up('lnf.g');
    this.lnfb = up('lnf.b');
    this.blocks = [];
    for (let l = 0; l < this.config.layers; l++) {
      const p = (s: string) => up(`h${l}.${s}`);
      this.blocks.push({
        ln1g: p('ln1.g'),
        ln1b: p('ln1.b'),
        wq: p('attn.wq'),
        bq: p('attn.bq'),
        wk: p('attn.wk'),
        bk: p('attn.bk'),
        wv: p('attn.wv'),
        bv: p('attn.bv'),
        wo: p('attn.wo'),
        bo: p('attn.bo'),
        ln2g: p('ln2.g'),
        ln2b: p('ln2.b'),
        w1: p('mlp.w1'),
        b1: p('mlp.b1'),
        gelu: p('mlp.gelu'),
        w2: p('mlp.w2'),
        b2: p('mlp.b2'),
      });
    }
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get contextLength(): number {
    return this.config.contextLength;
  }

  /** One leaf per block, then the logits. */
  get leavesPerPass(): number {
    return this.config.layers + 1;
  }

  get logitScale(): Dyadic {
    return dyadic(this.model.quant.logits);
  }

  /** Token ids of `text`; a character outside the vocabulary is a RANGE error naming it. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }

  /**
   * The leaves of a generation, with their multiply-accumulates: a pass over T new tokens after
   * `offset` cached ones costs T·(4C² + 2CM + 2PC) per block (q, k, v and output projections,
   * the MLP, then scores and probabilities·values over P = offset + T positions) and T·V·C for
   * the head; generation runs one pass over the prompt, then one per further token.
   */
  traceSchedule(input: TaskInput, options: TraceOptions): TraceStep[] {
    if (input.kind !== 'text') throw new ParamError('traceSchedule', `a ${input.kind} input does not suit a language model`);
    const { width: C, mlpWidth: M, vocabSize: V, layers } = this.config;
    const promptTokens = this.encode(input.prompt).length;
    const passes = Math.max(1, options.maxTokens ?? GENERATE_DEFAULTS.maxTokens);
    const steps: TraceStep[] = [];
    for (let p = 0; p < passes; p++) {
      const label = p === 0 ? 'prefill' : `step${p - 1}`;
      const T = p === 0 ? promptTokens : 1;
      const P = p === 0 ? promptTokens : promptTokens + p;
      for (let l = 0; l < layers; l++) steps.push({ label: `${label}.h${l}`, macs: T * (4 * C * C + 2 * C * M + 2 * P * C) });
      steps.push({ label: `${label}.logits`, macs: T * V * C });
    }
    return steps;
  }

  session(): GptSession {
    return new GptSession(this);
  }

  /** @internal used by GptSession */
  parts() {
    return { blocks: this.blocks, tok: this.tok, pos: this.pos, wte: this.wte, lnfg: this.lnfg, lnfb: this.lnfb, quant: this.model.quant };
  }
}

function norm(x: Tensor, g: Tensor, b: Tensor, q: NormQuant): Tensor {
  return layerNorm(x, g, { beta: b, eps: q.eps, scale: dyadic(q.scale), outDtype: 'int8', outScale: dyadic(q.out) });
}


/** One generation's state: the position reached and each layer's key/value cache. */
export class GptSession implements LanguageModelSession {
  private readonly caches: KvCache[] = [];
  /** Number of positions already in the cache. */
  position = 0;
  /** Set by a partial pass (forwardLayers), after which the caches are inconsistent. */
  private cut = false;

  constructor(readonly model: GptModel) {}

  /** Free the key/value cache; the session cannot run after it. */
  dispose(): void {
    for (const c of this.caches) for (const t of [c.keys, c.values]) t?.dispose();
    this.caches.length = 0;
    this.cut = true;
  }

  /**
   * Run `ids` at positions position..position+T-1 and return int32 logits [T, vocab] on the
   * common logit scale (GptQuant.logits). Layer outputs are added to `trace` when given.
   */
  forward(ids: readonly number[], leaves = this.model.leavesPerPass, trace?: Trace, label = 'step'): Tensor {
    return this.forwardLayers(ids, leaves, trace, label);
  }

  /**
   * `forward` cut short after the first `count` of its traced layers (the blocks, then the head
   * as layer `layers`): returns the int16 residual [T, width] after block count−1, or the logits
   * when count = layers + 1. Arbitration re-executes a disputed run up to its first divergent
   * layer and no further (protocol/bisection.ts). A cut pass leaves some layers' caches a step
   * ahead of the others, so the session refuses any call after it.
   */
  forwardLayers(ids: readonly number[], count: number, trace?: Trace, label = 'step'): Tensor {
    const cfg = this.model.config;
    const T = ids.length;
    const C = cfg.width;
    const H = cfg.heads;
    if (this.cut) throw new ParamError('forward', 'the session ended with a partial pass (forwardLayers)');
    if (!Number.isInteger(count) || count < 1 || count > cfg.layers + 1) throw new ParamError('forwardLayers', `count ${count} is outside [1, ${cfg.layers + 1}]`);
    if (T === 0) throw new ParamError('forward', 'no tokens to run');
    if (this.position + T > cfg.contextLength) {
      throw new ValueRangeError('forward', `positions up to ${this.position + T - 1} exceed the model's context of ${cfg.contextLength}`);
    }
    const { blocks, tok, pos, wte, lnfg, lnfb, quant } = this.model.parts();
    const offset = this.position;
    let x = tidy(() => add(gather(tok, ids), slice(pos, [offset, 0], [T, C])));
    for (let l = 0; l < Math.min(count, cfg.layers); l++) {
      const w = blocks[l]!;
      const lq = quant.layers[l]!;
      const input = x;
      // The block's intermediates and its input are freed when it is done (engine/scope.ts).
      x = tidy(() => {
        const h = norm(x, w.ln1g, w.ln1b, lq.ln1);
        const q = splitHeads(linear(h, w.wq, w.bq, channels(lq.q), 'int8'), H);
        const k = splitHeads(linear(h, w.wk, w.bk, channels(lq.k), 'int8'), H);
        const v = splitHeads(linear(h, w.wv, w.bv, channels(lq.v), 'int8'), H);
        const cache = (this.caches[l] ??= {});
        const mixed = causalSelfAttention(q, k, v, cache, offset, { softmax: dyadic(lq.softmax), pv: dyadic(lq.pv) });
        x = add(x, linear(mergeHeads(mixed), w.wo, w.bo, channels(lq.o), 'int16'));
        const h2 = norm(x, w.ln2g, w.ln2b, lq.ln2);
        x = add(x, geluMlp(h2, w, { up: channels(lq.up), down: channels(lq.down) }));
        trace?.add(`${label}.h${l}`, x);
        return x;
      });
      input.dispose();
    }
    if (count <= cfg.layers) {
      this.cut = true;
      return x;
    }
    const last = x;
    const logits = tidy(() => requantize(matmul(norm(last, lnfg, lnfb, quant.lnf), wte, { transposeB: true }), channels(quant.head), 'int32', dyadic(quant.logits)));
    last.dispose();
    trace?.add(`${label}.logits`, logits);
    this.position += T;
    return logits;
  }
}
