/**
 * The integer llama decoder (engine/NUMERICS.md §20.7), built only from the op API so it runs
 * unchanged on every backend: rmsNorm (§10), matmul/requantize (§5, §4), rope with
 * ropeTables(contextLength, headSize, ropeBase) (§12), grouped-query attention by gathering each
 * kv head for the query heads that share it, then attention.ts's 12-bit-key attention (§8, §9,
 * §20.7), and a SwiGLU MLP: silu by lut (§7), mul, requantize.
 *
 * The residual stream is int16; matmul operands are int8, or int16 × int8 where K ≤ 256. A session
 * (engine/arch/decoder.ts) keeps a KV cache per layer of the rotated keys (two int8 planes) and the
 * values, [heads, positions, headSize] int8 (kv heads already repeated), so one pass over many
 * tokens and one pass per token give byte-identical logits (§20.3, "The KV cache"). Here are the
 * steps of a block, which the session and arbitration's replay of one trace leaf share.
 */
import type { Backend } from '../../backend.js';
import { ParamError } from '../../errors.js';
import { add, gather, linear, lut, mul, requantize, reshape, rmsNorm, rope } from '../../ops/index.js';
import type { Dyadic } from '../../quant.js';
import { ropeTables } from '../../tables.js';
import { tensor, type Tensor } from '../../tensor.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { mergeHeads, splitHeads, type KvCache } from '../blocks.js';
import { DecoderModel, type DecoderDims } from '../decoder.js';
import { channels, dyadic, type NormQuant } from '../int_model.js';
import { keyPlaneConstants, splitKeyAttention, splitKeys, type KeyPlaneConstants } from './attention.js';
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
const proj = (x: Tensor, w: Tensor, scales: readonly (readonly [number, number])[], out: 'int8' | 'int16', residual?: Tensor): Tensor =>
  linear(x, w, channels(scales), out, { residual });

function norm(x: Tensor, g: Tensor, q: NormQuant): Tensor {
  return rmsNorm(x, g, { eps: q.eps, scale: dyadic(q.scale), outDtype: 'int16', outScale: dyadic(q.out) });
}

export class LlamaModel extends DecoderModel {
  readonly config: LlamaConfig;
  readonly dims: DecoderDims;
  readonly tokenizer: Tokenizer;
  private readonly blocks: BlockWeights[] = [];
  private readonly tok: Tensor;
  private readonly headW: Tensor;
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
    super();
    const c = (this.config = model.config);
    this.dims = { layers: c.layers, width: c.width, heads: c.heads, headSize: c.width / c.heads, vocabSize: c.vocabSize, contextLength: c.contextLength, planes: 3 };
    this.tokenizer = llamaTokenizer(parseLlamaVocabulary('LlamaModel', model.vocab, c.vocabSize));
    const up = (name: string): Tensor => {
      const t = model.tensors.get(name);
      if (!t) throw new ParamError('LlamaModel', `missing tensor ${name}`);
      return tensor(backend, t.data, t.shape, t.dtype);
    };
    this.tok = up('embed.tok');
    this.headW = up('head.w');
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

  get logitScale(): Dyadic {
    return dyadic(this.model.quant.logits);
  }

  /**
   * A block over T new tokens attending to P positions: its cache rows cost the k and v
   * projections, T·2C·KV (KV = kvHeads·headSize); its output the q and output projections, the
   * gate, up and down projections, then scores against both key planes and
   * probabilities·values, T·(2C² + 3CF + 3PC).
   */
  blockCost(T: number, P: number): { kv: number; h: number } {
    const { width: C, hiddenWidth: F, heads, kvHeads } = this.config;
    const KV = (C / heads) * kvHeads;
    return { kv: T * 2 * C * KV, h: T * (2 * C * C + 3 * C * F + 3 * P * C) };
  }

  embed(ids: readonly number[]): Tensor {
    return gather(this.tok, ids);
  }

  normIn(l: number, x: Tensor): Tensor {
    return norm(x, this.blocks[l]!.attnNorm, this.model.quant.layers[l]!.attnNorm);
  }

  /** The rotated keys' two planes and the values, repeated to H heads: [H, T, D] int8 each. */
  cacheRows(l: number, h: Tensor, offset: number): Tensor[] {
    const cfg = this.config;
    const w = this.blocks[l]!;
    const lq = this.model.quant.layers[l]!;
    // Keys rotate in int16 and are rounded once, after the rotation, to the 12-bit cache.
    const k = splitKeys(rope(splitHeads(proj(h, w.wk, lq.k, 'int16'), cfg.kvHeads), this.cos, this.sin, offset), this.keyPlanes);
    const v = splitHeads(proj(h, w.wv, lq.v, 'int8'), cfg.kvHeads);
    return [k.hi, k.lo, v].map((t) => repeatKv(t, this.kvOf));
  }

  /** Attention, then the SwiGLU MLP. */
  attend(l: number, x: Tensor, h: Tensor, cache: KvCache, offset: number): Tensor {
    const w = this.blocks[l]!;
    const lq = this.model.quant.layers[l]!;
    const q = rope(splitHeads(proj(h, w.wq, lq.q, 'int16'), this.config.heads), this.cos, this.sin, offset);
    const mixed = splitKeyAttention(q, cache, offset, { softmax: dyadic(lq.softmax), pv: dyadic(lq.pv) }, this.keyPlanes);
    const x1 = proj(mergeHeads(mixed), w.wo, lq.o, 'int16', x);
    const h2 = norm(x1, w.ffnNorm, lq.ffnNorm);
    const gate = lut(proj(h2, w.w1, lq.gate, 'int8'), w.silu);
    const up = proj(h2, w.w3, lq.up, 'int16');
    const prod = requantize(mul(gate, up, 'int32'), dyadic(lq.prod), 'int16');
    return proj(prod, w.w2, lq.down, 'int16', x1);
  }

  head(x: Tensor): Tensor {
    const quant = this.model.quant;
    return linear(norm(x, this.normG, quant.norm), this.headW, channels(quant.head), 'int32', { transposeB: true, outScale: dyadic(quant.logits) });
  }
}

/** [kvHeads, T, hs] → [heads, T, hs], query head h taking kv head kvOf[h]. */
function repeatKv(x: Tensor, kvOf: readonly number[] | undefined): Tensor {
  if (!kvOf) return x;
  const [kvh, t, hs] = x.shape as [number, number, number];
  return reshape(gather(reshape(x, [kvh, t * hs]), kvOf), [kvOf.length, t, hs]);
}
