/**
 * The integer llama decoder (engine/NUMERICS.md §20.7), built only from the op API so it runs
 * unchanged on every backend: rmsNorm (§10), matmul/requantize (§5, §4), rope with
 * ropeTables(contextLength, headSize, ropeBase) (§12), grouped-query attention by gathering each
 * kv head for the query heads that share it, then attention.ts's 12-bit-key attention (§8, §9,
 * §20.7), and a SwiGLU MLP: silu by lut (§7), mul, requantize.
 *
 * The residual stream is int16; matmul operands are int8, or int16 × int8 where K ≤ 256. A session
 * keeps a KV cache per layer of the rotated keys (two int8 planes) and the values, [heads,
 * positions, headSize] int8 (kv heads already repeated), so one pass over many tokens and one pass per token give
 * byte-identical logits (§20.3, "The KV cache").
 */
import type { Backend } from '../../backend.js';
import { ParamError, ValueRangeError } from '../../errors.js';
import { GENERATE_DEFAULTS } from '../../generate.js';
import { add, gather, lut, matmul, mul, requantize, reshape, rmsNorm, rope } from '../../ops/index.js';
import type { Dyadic } from '../../quant.js';
import { ropeTables } from '../../tables.js';
import { tidy } from '../../scope.js';
import { tensor, type Tensor } from '../../tensor.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import type { Trace } from '../../trace.js';
import type { LanguageModel, LanguageModelSession, TaskInput, TraceOptions, TraceStep } from '../architecture.js';
import { mergeHeads, splitHeads } from '../blocks.js';
import { channels, dyadic, type NormQuant } from '../int_model.js';
import { keyPlaneConstants, splitKeyAttention, splitKeys, type KeyPlaneConstants, type SplitKvCache } from './attention.js';
import type { LlamaConfig } from './config.js';
import type { IntLlama } from './quant.js';
import { llamaTokenizer, parseLlamaVocabulary } from './vocabulary.js';

interface BlockWeights {
  attnNorm: Tensor;
  wq: Tensor;
  wk: Tensor;
  wv: Tensor;
  wo: Tensor;
  ffnNorm: Tensor;
  w1: Tensor;
  silu: Tensor;
  w3: Tensor;
  w2: Tensor;
}


/** matmul without bias, requantized per output channel. */
const proj = (x: Tensor, w: Tensor, scales: readonly (readonly [number, number])[], out: 'int8' | 'int16'): Tensor => requantize(matmul(x, w), channels(scales), out);

function norm(x: Tensor, g: Tensor, q: NormQuant): Tensor {
  return rmsNorm(x, g, { eps: q.eps, scale: dyadic(q.scale), outDtype: 'int16', outScale: dyadic(q.out) });
}

export class LlamaModel implements LanguageModel {
  readonly task = 'generate';
  readonly config: LlamaConfig;
  readonly tokenizer: Tokenizer;
  private readonly blocks: BlockWeights[] = [];
  private readonly tok: Tensor;
  private readonly head: Tensor;
  private readonly normG: Tensor;
  private readonly cos: Tensor;
  private readonly sin: Tensor;
  private readonly keyPlanes: KeyPlaneConstants;
  /** Query head h reads kv head kvOf[h]; undefined when every head has its own. */
  private readonly kvOf?: number[];

  constructor(
    readonly backend: Backend,
    readonly model: IntLlama,
  ) {
    const c = (this.config = model.config);
    this.tokenizer = llamaTokenizer(parseLlamaVocabulary('LlamaModel', model.vocab, c.vocabSize));
    const up = (name: string): Tensor => {
      const t = model.tensors.get(name);
      if (!t) throw new ParamError('LlamaModel', `missing tensor ${name}`);
      return tensor(backend, t.data, t.shape, t.dtype);
    };
    this.tok = up('embed.tok');
    this.head = up('head.w');
    this.normG = up('norm.g');
    const hs = c.width / c.heads;
    const tables = ropeTables(c.contextLength, hs, c.ropeBase);
    this.cos = tensor(backend, tables.cos, [c.contextLength, hs / 2], 'int16');
    this.sin = tensor(backend, tables.sin, [c.contextLength, hs / 2], 'int16');
    this.keyPlanes = keyPlaneConstants(backend);
    if (c.kvHeads !== c.heads) this.kvOf = Array.from({ length: c.heads }, (_, h) => Math.floor(h / (c.heads / c.kvHeads)));
    for (let l = 0; l < c.layers; l++) {
      const p = (s: string) => up(`h${l}.${s}`);
      this.blocks.push({
        attnNorm: p('attn_norm.g'),
        wq: p('attn.wq'),
        wk: p('attn.wk'),
        wv: p('attn.wv'),
        wo: p('attn.wo'),
        ffnNorm: p('ffn_norm.g'),
        w1: p('mlp.w1'),
        silu: p('mlp.silu'),
        w3: p('mlp.w3'),
        w2: p('mlp.w2'),
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

  /**
   * The leaves of a generation with their multiply-accumulates: a pass over T new tokens after
   * `offset` cached ones costs T·(2C² + 2C·KV + 3CF + 3PC) per block (q, o; k, v; gate, up,
   * down; scores against both key planes and probabilities·values over P = offset + T
   * positions) and T·V·C for the head.
   */
  traceSchedule(input: TaskInput, options: TraceOptions): TraceStep[] {
    if (input.kind !== 'text') throw new ParamError('traceSchedule', `a ${input.kind} input does not suit a language model`);
    const { width: C, hiddenWidth: F, vocabSize: V, layers, heads, kvHeads } = this.config;
    const KV = (C / heads) * kvHeads;
    const promptTokens = this.tokenizer.encode(input.prompt).length;
    const passes = Math.max(1, options.maxTokens ?? GENERATE_DEFAULTS.maxTokens);
    const steps: TraceStep[] = [];
    for (let p = 0; p < passes; p++) {
      const label = p === 0 ? 'prefill' : `step${p - 1}`;
      const T = p === 0 ? promptTokens : 1;
      const P = p === 0 ? promptTokens : promptTokens + p;
      for (let l = 0; l < layers; l++) steps.push({ label: `${label}.h${l}`, macs: T * (2 * C * C + 2 * C * KV + 3 * C * F + 3 * P * C) });
      steps.push({ label: `${label}.logits`, macs: T * V * C });
    }
    return steps;
  }

  session(): LlamaSession {
    return new LlamaSession(this);
  }

  /** @internal used by LlamaSession */
  parts() {
    return { blocks: this.blocks, tok: this.tok, head: this.head, normG: this.normG, cos: this.cos, sin: this.sin, kvOf: this.kvOf, quant: this.model.quant, keyPlanes: this.keyPlanes };
  }
}

/** [kvHeads, T, hs] → [heads, T, hs], query head h taking kv head kvOf[h]. */
function repeatKv(x: Tensor, kvOf: readonly number[] | undefined): Tensor {
  if (!kvOf) return x;
  const [kvh, t, hs] = x.shape as [number, number, number];
  return reshape(gather(reshape(x, [kvh, t * hs]), kvOf), [kvOf.length, t, hs]);
}

/** One generation's state: the position reached and each layer's key/value cache. */
export class LlamaSession implements LanguageModelSession {
  private readonly caches: SplitKvCache[] = [];
  position = 0;
  private cut = false;

  constructor(readonly model: LlamaModel) {}

  /** Block l on the residual x [T, C] at positions offset…: attention, then the SwiGLU MLP. */
  private layer(l: number, x: Tensor, offset: number, trace: Trace | undefined, label: string): Tensor {
    const cfg = this.model.config;
    const H = cfg.heads;
    const { blocks, cos, sin, kvOf, quant, keyPlanes } = this.model.parts();
    const w = blocks[l]!;
    const lq = quant.layers[l]!;
    const h = norm(x, w.attnNorm, lq.attnNorm);
    const q = rope(splitHeads(proj(h, w.wq, lq.q, 'int16'), H), cos, sin, offset);
    // Keys rotate in int16 and are rounded once, after the rotation, to the 12-bit cache.
    const k = splitKeys(rope(splitHeads(proj(h, w.wk, lq.k, 'int16'), cfg.kvHeads), cos, sin, offset), keyPlanes);
    const v = splitHeads(proj(h, w.wv, lq.v, 'int8'), cfg.kvHeads);
    const cache = (this.caches[l] ??= {});
    const keys = { hi: repeatKv(k.hi, kvOf), lo: repeatKv(k.lo, kvOf) };
    const mixed = splitKeyAttention(q, keys, repeatKv(v, kvOf), cache, offset, { softmax: dyadic(lq.softmax), pv: dyadic(lq.pv) }, keyPlanes);
    const x1 = add(x, proj(mergeHeads(mixed), w.wo, lq.o, 'int16'));
    const h2 = norm(x1, w.ffnNorm, lq.ffnNorm);
    const gate = lut(proj(h2, w.w1, lq.gate, 'int8'), w.silu);
    const up = proj(h2, w.w3, lq.up, 'int16');
    const prod = requantize(mul(gate, up, 'int32'), dyadic(lq.prod), 'int16');
    const out = add(x1, proj(prod, w.w2, lq.down, 'int16'));
    trace?.add(`${label}.h${l}`, out);
    return out;
  }

  dispose(): void {
    for (const c of this.caches) for (const t of [c.keysHi, c.keysLo, c.values]) t?.dispose();
    this.caches.length = 0;
    this.cut = true;
  }

  /** One step of the pass from `x`: its intermediates and `x` itself are freed (engine/scope.ts). */
  private block(x: Tensor, step: () => Tensor): Tensor {
    const next = tidy(step);
    x.dispose();
    return next;
  }

  /**
   * Run `ids` at positions position..position+T−1 and return int32 logits [T, vocab] on the
   * common logit scale (LlamaQuant.logits); with `leaves` ≤ layers, the int16 residual after
   * block leaves−1 instead, and the session ends (arbitration's partial re-execution).
   */
  forward(ids: readonly number[], leaves = this.model.leavesPerPass, trace?: Trace, label = 'step'): Tensor {
    const cfg = this.model.config;
    const T = ids.length;
    if (this.cut) throw new ParamError('forward', 'the session ended with a partial pass');
    if (!Number.isInteger(leaves) || leaves < 1 || leaves > cfg.layers + 1) throw new ParamError('forward', `leaves ${leaves} is outside [1, ${cfg.layers + 1}]`);
    if (T === 0) throw new ParamError('forward', 'no tokens to run');
    if (this.position + T > cfg.contextLength) {
      throw new ValueRangeError('forward', `positions up to ${this.position + T - 1} exceed the model's context of ${cfg.contextLength}`);
    }
    const { tok, head, normG, quant } = this.model.parts();
    const offset = this.position;
    let x = gather(tok, ids);
    for (let l = 0; l < Math.min(leaves, cfg.layers); l++) {
      x = this.block(x, () => this.layer(l, x, offset, trace, label));
    }
    if (leaves <= cfg.layers) {
      this.cut = true;
      return x;
    }
    const logits = this.block(x, () => requantize(matmul(norm(x, normG, quant.norm), head, { transposeB: true }), channels(quant.head), 'int32', dyadic(quant.logits)));
    trace?.add(`${label}.logits`, logits);
    this.position += T;
    return logits;
  }
}
