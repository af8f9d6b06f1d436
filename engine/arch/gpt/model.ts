/**
 * The integer GPT-2-style decoder, built only from the op API so it runs unchanged on every
 * backend (engine/NUMERICS.md §20.3; the recipe of §8 for attention).
 *
 * The residual stream is int16; every matmul operand is int8 (activations after a norm or a
 * requantize), accumulators are int32 and are requantized per output channel. A session
 * (engine/arch/decoder.ts) keeps a KV cache per layer (keys and values, [heads, positions, headDim]
 * int8), so decoding one token attends over the cache with causalMask's offset; that gives
 * byte-identical logits to recomputing the prefix, because masked entries contribute exact zeros
 * (NUMERICS.md §8). Here are the steps of a block, which the session and arbitration's replay of
 * one trace leaf share.
 */
import type { Backend } from '../../backend.js';
import { ParamError } from '../../errors.js';
import { add, gather, layerNorm, linear, slice } from '../../ops/index.js';
import type { Dyadic } from '../../quant.js';
import { tensor, type Tensor } from '../../tensor.js';
import { CharTokenizer } from '../../tokenizer/char.js';
import { causalSelfAttention, geluMlp, mergeHeads, splitHeads, type KvCache } from '../blocks.js';
import { DecoderModel, type DecoderDims } from '../decoder.js';
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

export class GptModel extends DecoderModel {
  readonly config: GptConfig;
  readonly dims: DecoderDims;
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
    super();
    this.config = model.config;
    const { layers, width, heads, vocabSize, contextLength } = this.config;
    this.dims = { layers, width, heads, headSize: width / heads, vocabSize, contextLength, planes: 2 };
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

  /** Token ids of `text`; a character outside the vocabulary is a RANGE error naming it. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }

  get logitScale(): Dyadic {
    return dyadic(this.model.quant.logits);
  }

  /**
   * A block over T new tokens attending to P positions: its cache rows cost the k and v
   * projections, T·2C²; its output the q and output projections, the MLP, then scores and
   * probabilities·values, T·(2C² + 2CM + 2PC).
   */
  blockCost(T: number, P: number): { kv: number; h: number } {
    const { width: C, mlpWidth: M } = this.config;
    return { kv: T * 2 * C * C, h: T * (2 * C * C + 2 * C * M + 2 * P * C) };
  }

  embed(ids: readonly number[], offset: number): Tensor {
    return add(gather(this.tok, ids), slice(this.pos, [offset, 0], [ids.length, this.config.width]));
  }

  normIn(l: number, x: Tensor): Tensor {
    const w = this.blocks[l]!;
    return norm(x, w.ln1g, w.ln1b, this.model.quant.layers[l]!.ln1);
  }

  /** The keys and values [H, T, D] int8 of the normed input h. */
  cacheRows(l: number, h: Tensor): Tensor[] {
    const w = this.blocks[l]!;
    const lq = this.model.quant.layers[l]!;
    const H = this.config.heads;
    return [splitHeads(linear(h, w.wk, channels(lq.k), 'int8', { bias: w.bk }), H), splitHeads(linear(h, w.wv, channels(lq.v), 'int8', { bias: w.bv }), H)];
  }

  attend(l: number, x: Tensor, h: Tensor, cache: KvCache, offset: number): Tensor {
    const w = this.blocks[l]!;
    const lq = this.model.quant.layers[l]!;
    const q = splitHeads(linear(h, w.wq, channels(lq.q), 'int8', { bias: w.bq }), this.config.heads);
    const mixed = causalSelfAttention(q, cache, offset, { softmax: dyadic(lq.softmax), pv: dyadic(lq.pv) });
    const x1 = linear(mergeHeads(mixed), w.wo, channels(lq.o), 'int16', { bias: w.bo, residual: x });
    const h2 = norm(x1, w.ln2g, w.ln2b, lq.ln2);
    return geluMlp(h2, w, { up: channels(lq.up), down: channels(lq.down) }, x1);
  }

  head(x: Tensor): Tensor {
    const quant = this.model.quant;
    return linear(norm(x, this.lnfg, this.lnfb, quant.lnf), this.wte, channels(quant.head), 'int32', { transposeB: true, outScale: dyadic(quant.logits) });
  }
}

function norm(x: Tensor, g: Tensor, b: Tensor, q: NormQuant): Tensor {
  return layerNorm(x, g, { beta: b, eps: q.eps, scale: dyadic(q.scale), outDtype: 'int8', outScale: dyadic(q.out) });
}
