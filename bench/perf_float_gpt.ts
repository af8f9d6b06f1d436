/**
 * The float32 peer of moby-gpt for bench/perf.ts: the GPT of engine/models/config.ts written in
 * @tensorflow/tfjs-core ops, run on the float checkpoint the shipped int8 model was quantized
 * from (models/moby-gpt/float.ckpt.json, tools/convert.ts).
 *
 * Same architecture as engine/models/float_gpt.ts (the float64 reference the quantizer
 * calibrates with) and tools/train/tf_gpt.ts (training): x = wte[tok] + wpe[pos]; per block,
 * pre-LayerNorm (biased variance, eps = config.lnEps), causal multi-head attention
 * softmax(q·kᵀ/√D)·v with bias on q, k, v and the output projection, residual add, pre-LayerNorm,
 * GELU (tanh form) MLP, residual add; final LayerNorm; logits = LNf(x)·wteᵀ (tied head, no bias).
 *
 * Decoding mirrors spml's generate (engine/models/generate.ts) so the two are timed on the same
 * work: a KV cache per layer ([heads, positions, D], appended with concat), the prompt prefilled
 * in one pass that returns logits for every prompt position, then one single-token pass per
 * generated token; greedy (argmax of the last row, read back to the host each step). Linear
 * layers use tf.fused.matMul with the bias folded in (one XNNPACK call on tfjs-wasm) and the head
 * multiplies by a pre-transposed wteᵀ; LayerNorm and GELU are tfjs-core composites, as tfjs-core
 * has no fused kernel for either.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../engine/models/config.js';

export type FloatTensors = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

/** LayerNorm over the last axis: (x − mean)/√(var + eps)·g + b, biased variance. */
export function tfLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** GELU, tanh form: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (engine/models/float_gpt.ts#geluTanh). */
export function tfGeluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), GELU_A)), GELU_K);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** Additive causal mask [T, S] for T new queries at positions offset..offset+T−1 over S = offset+T keys. */
function causalMask(T: number, offset: number): tf.Tensor2D {
  const S = offset + T;
  const a = new Float32Array(T * S);
  for (let i = 0; i < T; i++) for (let j = offset + i + 1; j < S; j++) a[i * S + j] = -1e9;
  return tf.tensor2d(a, [T, S]);
}

export class TfFloatGpt {
  private readonly w = new Map<string, tf.Tensor>();
  /** wteᵀ [C, V] for the tied head, transposed once. */
  private readonly wteT: tf.Tensor;

  constructor(
    readonly config: GptConfig,
    tensors: FloatTensors,
  ) {
    for (const [name, t] of tensors) this.w.set(name, tf.keep(tf.tensor(t.data, [...t.shape], 'float32')));
    this.wteT = tf.keep(tf.transpose(this.p('wte')));
  }

  /** A weight by its checkpoint name (engine/models/config.ts#gptParameterShapes). */
  p(name: string): tf.Tensor {
    const t = this.w.get(name);
    if (!t) throw new Error(`float weights lack ${name}`);
    return t;
  }

  session(): TfFloatSession {
    return new TfFloatSession(this);
  }

  /** @internal the tied head's weights. */
  head(): tf.Tensor {
    return this.wteT;
  }

  dispose(): void {
    for (const t of this.w.values()) t.dispose();
    this.wteT.dispose();
  }
}

/** One generation's state: the position reached and each layer's key/value cache [H, S, D]. */
export class TfFloatSession {
  private readonly caches: { k?: tf.Tensor; v?: tf.Tensor }[] = [];
  position = 0;

  constructor(readonly model: TfFloatGpt) {}

  /** Float32 logits [T, vocab] for `ids` at positions position..position+T−1; extends the caches. */
  forward(ids: readonly number[]): tf.Tensor2D {
    const cfg = this.model.config;
    const T = ids.length;
    const C = cfg.width;
    const H = cfg.heads;
    const D = C / H;
    const offset = this.position;
    if (T === 0 || offset + T > cfg.contextLength) throw new Error(`positions ${offset}..${offset + T - 1} are outside the context of ${cfg.contextLength}`);
    const m = this.model;
    const logits = tf.tidy(() => {
      let x = tf.add(tf.gather(m.p('wte'), tf.tensor1d(Int32Array.from(ids), 'int32')), tf.slice(m.p('wpe'), [offset, 0], [T, C]));
      const mask = T > 1 ? causalMask(T, offset) : undefined; // one new query sees every cached key
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [T, H, D]), [1, 0, 2]);
      for (let l = 0; l < cfg.layers; l++) {
        const p = (s: string) => m.p(`h${l}.${s}`);
        const linear = (a: tf.Tensor, s: string, b: string) => tf.fused.matMul({ a: a as tf.Tensor2D, b: p(s) as tf.Tensor2D, bias: p(b) });
        const h = tfLayerNorm(x, p('ln1.g'), p('ln1.b'), cfg.lnEps);
        const q = heads(linear(h, 'attn.wq', 'attn.bq'));
        const cache = (this.caches[l] ??= {});
        const k = heads(linear(h, 'attn.wk', 'attn.bk'));
        const v = heads(linear(h, 'attn.wv', 'attn.bv'));
        const keys = cache.k ? tf.concat([cache.k, k], 1) : k;
        const values = cache.v ? tf.concat([cache.v, v], 1) : v;
        cache.k?.dispose();
        cache.v?.dispose();
        cache.k = tf.keep(keys);
        cache.v = tf.keep(values);
        let scores = tf.mul(tf.matMul(q as tf.Tensor3D, keys as tf.Tensor3D, false, true), 1 / Math.sqrt(D));
        if (mask) scores = tf.add(scores, mask);
        const mixed = tf.matMul(tf.softmax(scores) as tf.Tensor3D, values as tf.Tensor3D); // [H, T, D]
        x = tf.add(x, linear(tf.reshape(tf.transpose(mixed, [1, 0, 2]), [T, C]), 'attn.wo', 'attn.bo'));
        const h2 = tfLayerNorm(x, p('ln2.g'), p('ln2.b'), cfg.lnEps);
        x = tf.add(x, linear(tfGeluTanh(linear(h2, 'mlp.w1', 'mlp.b1')), 'mlp.w2', 'mlp.b2'));
      }
      const hf = tfLayerNorm(x, m.p('lnf.g'), m.p('lnf.b'), cfg.lnEps);
      return tf.matMul(hf, m.head()) as tf.Tensor2D;
    });
    this.position += T;
    return logits;
  }

  dispose(): void {
    for (const c of this.caches) {
      c.k?.dispose();
      c.v?.dispose();
    }
    this.caches.length = 0;
  }
}

export interface FloatGeneration {
  readonly tokens: number[];
  readonly ms: number;
  /** Every pass's logits (the prefill's [T, V] rows, then one row per step), when asked for. */
  readonly logits?: Float32Array[];
}

/**
 * Greedy decoding of `maxTokens` tokens after `prompt` ids, the way spml's generate does it: one
 * prefill pass, then maxTokens − 1 single-token passes, reading each argmax back to the host.
 * `keepLogits` also reads every pass's logits back (for checking, not for timing).
 */
export function generateGreedy(model: TfFloatGpt, prompt: readonly number[], maxTokens: number, keepLogits = false): FloatGeneration {
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`maxTokens must be a positive integer, got ${maxTokens}`);
  const session = model.session();
  const kept: Float32Array[] = [];
  const started = performance.now();
  const tokens: number[] = [];
  try {
    let logits = session.forward(prompt);
    for (let step = 0; step < maxTokens; step++) {
      if (keepLogits) kept.push(logits.dataSync() as Float32Array);
      const next = tf.tidy(() => tf.argMax(tf.slice(logits, [logits.shape[0] - 1, 0], [1, -1]), 1));
      logits.dispose();
      const id = next.dataSync()[0]!;
      next.dispose();
      tokens.push(id);
      if (step + 1 < maxTokens) logits = session.forward([id]);
    }
    return { tokens, ms: performance.now() - started, ...(keepLogits ? { logits: kept } : {}) };
  } finally {
    session.dispose();
  }
}
