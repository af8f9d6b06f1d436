/**
 * A float32 llama in @tensorflow/tfjs-core for bench:llama, the same forward pass as the float64
 * reference (engine/arch/llama/float.ts): RMSNorm, rotary positions on adjacent pairs within each
 * head, grouped-query attention, SwiGLU, shared or separate classifier. It keeps a KV cache of the
 * rotated keys and the values per layer, [kvHeads, positions, headSize], and computes the
 * classifier for the last position only (all greedy decoding needs). Weights come from the GGUF F32
 * file llama.cpp runs (readGgufLlama), so both peers hold the same floats.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { LlamaConfig } from '../engine/arch/llama/config.js';
import type { FloatCheckpoint } from '../engine/format/checkpoint.js';
import { causalMask } from '../tools/train/tf_gpt.js';
import type { LlamaRunner } from './llama_measure.js';
import { packageDir } from './machine.js';

interface Layer {
  attnNorm: tf.Tensor1D;
  wq: tf.Tensor2D;
  wk: tf.Tensor2D;
  wv: tf.Tensor2D;
  wo: tf.Tensor2D;
  ffnNorm: tf.Tensor1D;
  w1: tf.Tensor2D;
  w3: tf.Tensor2D;
  w2: tf.Tensor2D;
}

export class TfLlama {
  private readonly layers: Layer[] = [];
  private readonly embed: tf.Tensor2D;
  /** Classifier rows [V, C] (the embedding when shared), multiplied transposed. */
  private readonly head: tf.Tensor2D;
  private readonly norm: tf.Tensor1D;
  /** cos and sin of position·base^(−2i/hs), [contextLength, hs/2]. */
  private readonly cos: tf.Tensor2D;
  private readonly sin: tf.Tensor2D;

  constructor(
    readonly cfg: LlamaConfig,
    ck: FloatCheckpoint,
  ) {
    const get = (name: string) => {
      const t = ck.tensors.get(name);
      if (!t) throw new Error(`checkpoint lacks ${name}`);
      return tf.keep(tf.tensor(Float32Array.from(t.data), [...t.shape], 'float32'));
    };
    this.embed = get('embed') as tf.Tensor2D;
    this.head = cfg.sharedClassifier ? this.embed : (get('head') as tf.Tensor2D);
    this.norm = get('norm') as tf.Tensor1D;
    for (let l = 0; l < cfg.layers; l++) {
      const p = (s: string) => get(`h${l}.${s}`);
      this.layers.push({
        attnNorm: p('attn_norm') as tf.Tensor1D,
        wq: p('attn.wq') as tf.Tensor2D,
        wk: p('attn.wk') as tf.Tensor2D,
        wv: p('attn.wv') as tf.Tensor2D,
        wo: p('attn.wo') as tf.Tensor2D,
        ffnNorm: p('ffn_norm') as tf.Tensor1D,
        w1: p('mlp.w1') as tf.Tensor2D,
        w3: p('mlp.w3') as tf.Tensor2D,
        w2: p('mlp.w2') as tf.Tensor2D,
      });
    }
    const hs = cfg.width / cfg.heads;
    const angles = new Float32Array(cfg.contextLength * (hs / 2));
    for (let pos = 0; pos < cfg.contextLength; pos++) for (let i = 0; i < hs / 2; i++) angles[pos * (hs / 2) + i] = pos * cfg.ropeBase ** (-(2 * i) / hs);
    const a = tf.tensor2d(angles, [cfg.contextLength, hs / 2]);
    this.cos = tf.keep(tf.cos(a));
    this.sin = tf.keep(tf.sin(a));
    a.dispose();
  }

  session(): TfLlamaSession {
    return new TfLlamaSession(this, this.cfg, { layers: this.layers, embed: this.embed, head: this.head, norm: this.norm, cos: this.cos, sin: this.sin });
  }
}

interface Parts {
  layers: Layer[];
  embed: tf.Tensor2D;
  head: tf.Tensor2D;
  norm: tf.Tensor1D;
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
}

/** One generation: each layer's cache and the position reached. */
export class TfLlamaSession {
  private readonly caches: { k?: tf.Tensor3D; v?: tf.Tensor3D }[] = [];
  position = 0;

  constructor(
    readonly owner: TfLlama,
    private readonly cfg: LlamaConfig,
    private readonly w: Parts,
  ) {}

  /** Run `ids` at the next positions; the greedy next token from the last position's logits. */
  async forward(ids: readonly number[]): Promise<number> {
    const next = tf.tidy(() => {
      const { cfg, w } = this;
      const T = ids.length;
      const C = cfg.width;
      const H = cfg.heads;
      const hs = C / H;
      const KVH = cfg.kvHeads;
      const offset = this.position;
      const rms = (x: tf.Tensor2D, g: tf.Tensor1D) => tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), 1, true), cfg.normEps))), g) as tf.Tensor2D;
      // [T, n·hs] → [n, T, hs], rotated pairwise at positions offset..offset+T−1.
      const cos = tf.reshape(tf.slice(w.cos, [offset, 0], [T, hs / 2]), [1, T, hs / 2]);
      const sin = tf.reshape(tf.slice(w.sin, [offset, 0], [T, hs / 2]), [1, T, hs / 2]);
      const rotated = (x: tf.Tensor, n: number) => {
        const pairs = tf.transpose(tf.reshape(x, [T, n, hs / 2, 2]), [1, 0, 2, 3]);
        const [a, b] = tf.unstack(pairs, 3) as [tf.Tensor3D, tf.Tensor3D];
        return tf.reshape(tf.stack([tf.sub(tf.mul(a, cos), tf.mul(b, sin)), tf.add(tf.mul(a, sin), tf.mul(b, cos))], 3), [n, T, hs]) as tf.Tensor3D;
      };
      const heads = (x: tf.Tensor, n: number) => tf.transpose(tf.reshape(x, [T, n, hs]), [1, 0, 2]) as tf.Tensor3D;
      const kvOf = tf.tensor1d(Array.from({ length: H }, (_, h) => Math.floor(h / (H / KVH))), 'int32');
      let x = tf.gather(w.embed, tf.tensor1d(ids as number[], 'int32')) as tf.Tensor2D;
      w.layers.forEach((L, l) => {
        const h = rms(x, L.attnNorm);
        const q = rotated(tf.matMul(h, L.wq), H);
        const cache = (this.caches[l] ??= {});
        const k = rotated(tf.matMul(h, L.wk), KVH);
        const v = heads(tf.matMul(h, L.wv), KVH);
        const keys = cache.k ? tf.concat([cache.k, k], 1) : k;
        const values = cache.v ? tf.concat([cache.v, v], 1) : v;
        cache.k?.dispose();
        cache.v?.dispose();
        cache.k = tf.keep(keys);
        cache.v = tf.keep(values);
        const kq = KVH === H ? keys : (tf.gather(keys, kvOf) as tf.Tensor3D);
        const vq = KVH === H ? values : (tf.gather(values, kvOf) as tf.Tensor3D);
        let scores = tf.mul(tf.matMul(q, kq, false, true), 1 / Math.sqrt(hs));
        if (T > 1) scores = tf.add(scores, causalMask(T, offset));
        const mixed = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores) as tf.Tensor3D, vq), [1, 0, 2]), [T, C]) as tf.Tensor2D;
        x = tf.add(x, tf.matMul(mixed, L.wo));
        const h2 = rms(x, L.ffnNorm);
        const gate = tf.matMul(h2, L.w1);
        const silu = tf.mul(gate, tf.sigmoid(gate));
        x = tf.add(x, tf.matMul(tf.mul(silu, tf.matMul(h2, L.w3)) as tf.Tensor2D, L.w2));
      });
      const last = rms(tf.slice(x, [T - 1, 0], [1, C]), w.norm);
      return tf.argMax(tf.matMul(last, w.head, false, true), 1);
    });
    this.position += ids.length;
    const id = (await next.data())[0]!;
    next.dispose();
    return id;
  }

  dispose(): void {
    for (const c of this.caches) {
      c.k?.dispose();
      c.v?.dispose();
    }
  }
}

export function tfLlamaRunner(model: TfLlama): LlamaRunner {
  return {
    async prefill(ids) {
      const s = model.session();
      await s.forward(ids);
      s.dispose();
    },
    async decode(prompt, count) {
      const s = model.session();
      let next = await s.forward(prompt);
      const tokens: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        tokens.push(next);
        next = await s.forward([next]);
      }
      const ms = performance.now() - t0;
      s.dispose();
      return { tokens, ms };
    },
  };
}

/**
 * tfjs on its wasm backend (XNNPACK), its banner and warnings sent to stderr so that stdout keeps
 * only the child's result; what the build offers (SIMD, threads) is returned for the report.
 */
export async function initTfjsWasm(log: (msg: string) => void): Promise<{ simd: boolean; threads: boolean }> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = (...args: unknown[]): void => log(`[tfjs] ${args.map(String).join(' ')}`);
  try {
    setWasmPaths(path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error("tfjs backend 'wasm' failed to initialise");
    await tf.ready();
    return { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) };
  } finally {
    Object.assign(console, saved);
  }
}
