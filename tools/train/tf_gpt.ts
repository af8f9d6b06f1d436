/**
 * The GPT of engine/arch/gpt/config.ts in tfjs float32: training (backend setup, seeded GPT-2-style
 * init, differentiable blocks, cross-entropy, AdamW) and inference with a KV cache (the float32
 * speed peer of bench/perf.ts), both through one forward pass, gptForward, which each feeds its own
 * blocks: training ones with hand-written gradients, inference ones forward-only.
 *
 * Why a tfjs graph beside the engine's float64 reference (engine/arch/gpt/float.ts): training
 * needs gradients and speed, so it runs in float32 on tfjs-wasm (XNNPACK) with autodiff, and the
 * library must not depend on tfjs at run time; the quantizer's calibration and the accuracy
 * figures need exact, plain JavaScript float64 with no tfjs in the way. The two implement the same
 * maths and are checked against each other (test/train/tf_gpt_inference.test.ts, bench/perf.ts).
 *
 * Measured tfjs-wasm 4.22 constraints shape the training code:
 *  - tfjs-core registers no gradients itself (the tfjs union package does), so every block has a
 *    hand-written gradient (tf.customGrad) and only Add/Reshape/Transpose/Slice are registered;
 *  - matMul is fast (XNNPACK) only for plain 2-D, untransposed operands: backward passes use
 *    explicit transposes, and attention runs per-head 2-D matmuls on tiles built in JavaScript
 *    (batched matmuls take a slow path, and Slice copies its whole input);
 *  - no gather gradient, so embeddings are one-hot · matrix; OneHot with dtype float32 writes int
 *    bits, so one-hots are cast.
 * Inference needs no gradients, so it uses what is fastest there: tf.gather for the embedding,
 * tf.fused.matMul with the bias folded in (one XNNPACK call), a pre-transposed tied head, and a
 * KV cache per layer ([heads, positions, D], appended with concat), decoding the way spml's
 * generate does (engine/generate.ts): one prefill pass, then one single-token pass per token.
 *
 * Architecture (must match the int8 engine): x = wte[tok] + wpe[pos]; per block
 * x += attn(LN1(x))·wo + bo (causal, heads of width D = C/H, head h owns columns [hD, (h+1)D));
 * x += GELU_tanh(LN2(x)·w1 + b1)·w2 + b2; logits = LNf(x)·wteᵀ (tied head, no bias).
 * LayerNorm uses the biased variance and eps = config.lnEps.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { gptParameterShapes, type GptConfig } from '../../engine/arch/gpt/config.js';

/** Select and initialise the tfjs wasm backend (idempotent). */
export async function initTfBackend(): Promise<void> {
  if (tf.getBackend() === 'wasm') return;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(join(dirname(pkg), 'dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
}

export type Params = Map<string, tf.Variable>;
/** Weights by checkpoint name (engine/arch/gpt/config.ts#gptParameterShapes): Params or plain tensors. */
export type Weights = ReadonlyMap<string, tf.Tensor>;
/** Float32 tensors by name, as a checkpoint holds them (engine/format/checkpoint.ts). */
export type FloatTensors = ReadonlyMap<string, { readonly data: Float32Array }>;

/** Names of the residual-stream output projections (init std scaled by 1/√(2L)). */
const isResidualProjection = (name: string) => name.endsWith('attn.wo') || name.endsWith('mlp.w2');

/**
 * GPT-2 init: matrices and embeddings ~ N(0, 0.02) (residual projections 0.02/√(2L)),
 * biases 0, LayerNorm gains 1. Each tensor gets its own seed derived from `seed`.
 */
export function initParams(cfg: GptConfig, seed: number): Params {
  const params: Params = new Map();
  gptParameterShapes(cfg).forEach(([name, shape], i) => {
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    let t: tf.Tensor;
    if (shape.length === 2) {
      const std = isResidualProjection(name) ? 0.02 / Math.sqrt(2 * cfg.layers) : 0.02;
      t = tf.randomNormal(shape, 0, std, 'float32', seed * 1000 + i + 1);
    } else if (leaf === 'g') {
      t = tf.ones(shape);
    } else {
      t = tf.zeros(shape);
    }
    params.set(name, tf.variable(t, true, name));
    t.dispose();
  });
  return params;
}

/** Every parameter of `cfg`, in canonical order, made from `tensors` by `make`. */
function fromArrays<T>(cfg: GptConfig, tensors: FloatTensors, make: (data: Float32Array, shape: number[], name: string) => T): Map<string, T> {
  const out = new Map<string, T>();
  for (const [name, shape] of gptParameterShapes(cfg)) {
    const src = tensors.get(name);
    if (!src) throw new Error(`missing tensor ${name}`);
    out.set(name, make(src.data, shape, name));
  }
  return out;
}

/** Create variables holding the given values (e.g. from a checkpoint). */
export function paramsFromArrays(cfg: GptConfig, tensors: FloatTensors): Params {
  return fromArrays(cfg, tensors, (data, shape, name) => tf.variable(tf.tensor(data, shape, 'float32'), true, name));
}

/** Read every parameter back as a Float32Array, in canonical order. */
export function paramsToArrays(cfg: GptConfig, params: Params): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of gptParameterShapes(cfg)) {
    out.set(name, { shape, data: Float32Array.from(p(params, name).dataSync()) });
  }
  return out;
}

function p<T extends tf.Tensor>(weights: ReadonlyMap<string, T>, name: string): T {
  const v = weights.get(name);
  if (!v) throw new Error(`no parameter ${name}`);
  return v;
}

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
type Fwd<A extends tf.Tensor[]> = (...args: [...A, tf.GradSaveFunc]) => { value: tf.Tensor; gradFunc: GradFn };
/** tf.customGrad with the argument count in the type. */
function custom<A extends tf.Tensor[]>(f: Fwd<A>): (...args: A) => tf.Tensor {
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: A) => tf.Tensor;
}

/**
 * tfjs-core registers no gradients by itself (the tfjs union package does, which spml does not
 * install), so register the few that the tape below needs; everything else has a custom gradient.
 */
function reduceTo(dy: tf.Tensor, shape: readonly number[]): tf.Tensor {
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape as number[]);
}
function registerGradients(): void {
  const configs: tf.GradConfig[] = [
    {
      kernelName: tf.Add,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved) => ({ a: () => reduceTo(dy as tf.Tensor, saved[0]!.shape), b: () => reduceTo(dy as tf.Tensor, saved[1]!.shape) }),
    },
    { kernelName: tf.Reshape, inputsToSave: ['x'], gradFunc: (dy, saved) => ({ x: () => tf.reshape(dy as tf.Tensor, saved[0]!.shape) }) },
    {
      kernelName: tf.Transpose,
      gradFunc: (dy, _saved, attrs) => {
        const perm = (attrs as unknown as { perm: number[] }).perm;
        const undo = perm.map((_, i) => perm.indexOf(i));
        return { x: () => tf.transpose(dy as tf.Tensor, undo) };
      },
    },
    {
      kernelName: tf.Slice,
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const x = saved[0]!;
        const { begin, size } = attrs as unknown as { begin: number[]; size: number[] };
        const pads = x.shape.map((n, i) => [begin[i]!, n - begin[i]! - (size[i] === -1 ? n - begin[i]! : size[i]!)] as [number, number]);
        return { x: () => tf.pad(dy as tf.Tensor, pads) };
      },
    },
  ];
  for (const c of configs) if (tf.getGradient(c.kernelName) === undefined) tf.registerGradient(c);
}
registerGradients();

/** y[N, out] = x[N, in] · W[in, out] + b[out]; backward: dx = dy·Wᵀ, dW = xᵀ·dy (explicit transposes), db = Σ dy. */
export const linear = custom<[tf.Tensor, tf.Tensor, tf.Tensor]>((x, W, b, save) => {
  save([x, W]);
  return {
    value: tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b),
    gradFunc: (dy, [sx, sW]) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(sW!) as tf.Tensor2D), tf.matMul(tf.transpose(sx!) as tf.Tensor2D, dy as tf.Tensor2D), tf.sum(dy, 0)],
  };
});

/** Embedding lookup as oneHot[N, V] · W[V, C] (differentiable in W only). */
export const embed = custom<[tf.Tensor, tf.Tensor]>((oneHot, W, save) => {
  save([oneHot]);
  return {
    value: tf.matMul(oneHot as tf.Tensor2D, W as tf.Tensor2D),
    gradFunc: (dy, [oh]) => [tf.zerosLike(oh!), tf.matMul(tf.transpose(oh!) as tf.Tensor2D, dy as tf.Tensor2D)],
  };
});

/** y[N, V] = x[N, C] · W[V, C]ᵀ (the tied LM head); backward: dx = dy·W, dW = dyᵀ·x. */
export const matmulNT = custom<[tf.Tensor, tf.Tensor]>((x, W, save) => {
  save([x, W]);
  return {
    value: tf.matMul(x as tf.Tensor2D, tf.transpose(W) as tf.Tensor2D),
    gradFunc: (dy, [sx, sW]) => [tf.matMul(dy as tf.Tensor2D, sW! as tf.Tensor2D), tf.matMul(tf.transpose(dy) as tf.Tensor2D, sx! as tf.Tensor2D)],
  };
});

const t3 = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;

/** Batched y[n, M, P] = a[n, M, K] · b[n, K, P]; backward with explicit transposes. */
export const bmm = custom<[tf.Tensor, tf.Tensor]>((a, b, save) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy, [sa, sb]) => [tf.matMul(dy as tf.Tensor3D, t3(sb!)), tf.matMul(t3(sa!), dy as tf.Tensor3D)],
  };
});

/** (x − mean)/√(var + eps) over the last axis (biased variance), and the 1/√(var + eps) it used. */
function normalize(x: tf.Tensor, eps: number | tf.Tensor): { xhat: tf.Tensor; rstd: tf.Tensor } {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
  return { xhat: tf.mul(xc, rstd), rstd };
}

/** LayerNorm over the last axis, forward only: (x − mean)/√(var + eps)·g + b, biased variance. */
export function layerNormForward(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  return tf.add(tf.mul(normalize(x, eps).xhat, g), b);
}

/** LayerNorm over the last axis of x[N, C], differentiable in x, g and b. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  return layerNormOp(x, g, b, tf.scalar(eps));
}
const layerNormOp = custom<[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]>((x, g, b, eps, save) => {
  const { xhat, rstd } = normalize(x, eps);
  save([xhat, rstd, g]);
  return {
    value: tf.add(tf.mul(xhat, g), b),
    gradFunc: (dy, [sxhat, srstd, sg]) => {
      const dxhat = tf.mul(dy, sg!);
      const dx = tf.mul(srstd!, tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(sxhat!, tf.mean(tf.mul(dxhat, sxhat!), -1, true))));
      return [dx, tf.sum(tf.mul(dy, sxhat!), 0), tf.sum(dy, 0), tf.zerosLike(eps)];
    },
  };
});

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;
/** GELU, tanh form: y = 0.5x(1 + th), th = tanh(√(2/π)(x + 0.044715x³)) (engine/arch/gpt/float.ts#geluTanh). */
function geluParts(x: tf.Tensor): { th: tf.Tensor; y: tf.Tensor } {
  const th = tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), GELU_A)), GELU_K));
  return { th, y: tf.mul(tf.mul(x, 0.5), tf.add(th, 1)) };
}

/** GELU, tanh form, forward only. */
export const geluForward = (x: tf.Tensor): tf.Tensor => geluParts(x).y;

/** GELU, tanh form, differentiable. */
export const gelu = custom<[tf.Tensor]>((x, save) => {
  const { th, y } = geluParts(x);
  save([x, th]);
  return {
    value: y,
    gradFunc: (dy, [sx, sth]) => {
      // d/dx = 0.5(1 + th) + 0.5x(1 − th²)·k(1 + 3a x²)
      const x2 = tf.square(sx!);
      const d = tf.add(
        tf.mul(tf.add(sth!, 1), 0.5),
        tf.mul(tf.mul(tf.mul(sx!, 0.5 * GELU_K), tf.sub(1, tf.square(sth!))), tf.add(tf.mul(x2, 3 * GELU_A), 1)),
      );
      return [tf.mul(dy, d)];
    },
  };
});

const maskCache = new Map<string, tf.Tensor2D>();
/**
 * Additive causal mask [T, offset + T] for T queries at positions offset..offset+T−1 over every key
 * up to the last of them: 0 where the key is at or before the query, −1e9 after. Kept across calls,
 * one per tfjs backend.
 */
export function causalMask(T: number, offset = 0): tf.Tensor2D {
  const key = `${tf.getBackend()} ${T} ${offset}`;
  let m = maskCache.get(key);
  if (!m) {
    const S = offset + T;
    const a = new Float32Array(T * S);
    for (let i = 0; i < T; i++) for (let j = offset + i + 1; j < S; j++) a[i * S + j] = -1e9;
    m = tf.keep(tf.tensor2d(a, [T, S]));
    maskCache.set(key, m);
  }
  return m;
}

/** Attention probabilities softmax(s·scale + causal mask) over the last axis of raw scores s[n, T, T]. */
function causalSoftmax(s: tf.Tensor, scale: number): tf.Tensor {
  return causalSoftmaxOp(s, tf.scalar(scale));
}
const causalSoftmaxOp = custom<[tf.Tensor, tf.Tensor]>((s, scale, save) => {
  const T = s.shape[s.rank - 1]!;
  const y = tf.softmax(tf.add(tf.mul(s, scale), causalMask(T)));
  save([y, scale]);
  return {
    value: y,
    gradFunc: (dy, [sy, sscale]) => [tf.mul(tf.mul(sy!, tf.sub(dy, tf.sum(tf.mul(dy, sy!), -1, true))), sscale!), tf.zerosLike(sscale!)],
  };
});

/**
 * Rearrange rows [N = B·T, C] (head h in columns [hD, (h+1)D)) into B·H contiguous tiles, tile
 * b·H + h holding that head's [T, D] block, or its transpose [D, T] when `transposed`.
 */
function toTiles(a: ArrayLike<number>, B: number, T: number, H: number, D: number, transposed: boolean): Float32Array {
  const C = H * D;
  const out = new Float32Array(B * T * C);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const o = (b * H + h) * T * D;
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * C + h * D;
        if (transposed) for (let d = 0; d < D; d++) out[o + d * T + t] = a[src + d]!;
        else for (let d = 0; d < D; d++) out[o + t * D + d] = a[src + d]!;
      }
    }
  }
  return out;
}

/** Transpose each of the n square [T, T] tiles of a. */
function transposeTiles(a: Float32Array, n: number, T: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let k = 0; k < n; k++) {
    const o = k * T * T;
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) out[o + j * T + i] = a[o + i * T + j]!;
  }
  return out;
}

/** Tensors [rows, cols] over consecutive chunks of a. */
function tileTensors(a: Float32Array, n: number, rows: number, cols: number): tf.Tensor2D[] {
  const size = rows * cols;
  return Array.from({ length: n }, (_, i) => tf.tensor2d(a.subarray(i * size, (i + 1) * size), [rows, cols], 'float32'));
}

/** Per-tile 2-D products x[i]·y[i], stacked into [n, rows, cols]. */
const tileMatmuls = (x: tf.Tensor2D[], y: tf.Tensor2D[]) => tf.stack(x.map((xi, i) => tf.matMul(xi, y[i]!)));

/** [B·H, T, D] tiles back to rows [B·T, C]. */
const mergeTiles = (t: tf.Tensor, B: number, T: number, H: number, D: number) =>
  tf.reshape(tf.transpose(tf.reshape(t, [B, H, T, D]), [0, 2, 1, 3]), [B * T, H * D]);

/**
 * Causal multi-head attention core on rows q, k, v [B·T, C] → [B·T, C] (heads concatenated):
 * softmax(q·kᵀ/√D + causal mask)·v per sequence and head. tfjs-wasm runs batched matmuls
 * (batch > 1) on a slow path and its Slice copies the whole input, so this moves the data into
 * per-head tiles in JavaScript and runs single 2-D matmuls on them; the backward pass is written
 * out by hand the same way.
 */
export function causalAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, B: number, T: number, H: number): tf.Tensor {
  const C = q.shape[1]!;
  const D = C / H;
  const n = B * H;
  const scale = 1 / Math.sqrt(D);
  const op = custom<[tf.Tensor, tf.Tensor, tf.Tensor]>((qt, kt, vt) => {
    const qa = qt.dataSync() as Float32Array;
    const ka = kt.dataSync() as Float32Array;
    const va = vt.dataSync() as Float32Array;
    const scores = tileMatmuls(tileTensors(toTiles(qa, B, T, H, D, false), n, T, D), tileTensors(toTiles(ka, B, T, H, D, true), n, D, T));
    const P = tf.softmax(tf.add(tf.mul(scores, scale), causalMask(T)));
    const pa = P.dataSync() as Float32Array;
    const out = tileMatmuls(tileTensors(pa, n, T, T), tileTensors(toTiles(va, B, T, H, D, false), n, T, D));
    return {
      value: mergeTiles(out, B, T, H, D),
      gradFunc: (dy) => {
        const dOtiles = toTiles(dy.dataSync(), B, T, H, D, false);
        const dOt = tileTensors(dOtiles, n, T, D);
        const dP = tileMatmuls(dOt, tileTensors(toTiles(va, B, T, H, D, true), n, D, T));
        const Pt = tf.tensor3d(pa, [n, T, T]);
        const dS = tf.mul(tf.mul(Pt, tf.sub(dP, tf.sum(tf.mul(dP, Pt), -1, true))), scale);
        const dSa = dS.dataSync() as Float32Array;
        const dq = tileMatmuls(tileTensors(dSa, n, T, T), tileTensors(toTiles(ka, B, T, H, D, false), n, T, D));
        const dk = tileMatmuls(tileTensors(transposeTiles(dSa, n, T), n, T, T), tileTensors(toTiles(qa, B, T, H, D, false), n, T, D));
        const dv = tileMatmuls(tileTensors(transposeTiles(pa, n, T), n, T, T), dOt);
        return [mergeTiles(dq, B, T, H, D), mergeTiles(dk, B, T, H, D), mergeTiles(dv, B, T, H, D)];
      },
    };
  });
  return op(q, k, v);
}

/** Which attention implementation forward() uses: per-head 2-D tiles (fast on wasm) or batched matmuls. */
export let attentionImpl: 'tiles' | 'batched' = 'tiles';
export function setAttentionImpl(impl: 'tiles' | 'batched'): void {
  attentionImpl = impl;
}

/** Causal attention as batched matmuls over [B·H, T, D] heads, with hand-written gradients. */
function batchedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, B: number, T: number, H: number): tf.Tensor {
  const C = q.shape[1]!;
  const D = C / H;
  // [B·T, C] → [B·H, T, D]
  const splitHeads = (y: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(y, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]);
  const probs = causalSoftmax(bmm(splitHeads(q), tf.transpose(splitHeads(k), [0, 2, 1])), 1 / Math.sqrt(D));
  const att = bmm(probs, splitHeads(v)); // [B·H, T, D]
  return tf.reshape(tf.transpose(tf.reshape(att, [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]);
}

/**
 * What a forward pass is built from. gptForward is the architecture, written once; training feeds
 * it differentiable blocks, inference forward-only ones with a KV cache.
 */
interface GptBlocks {
  /** x[B·T, C] = wte[tok] + wpe[pos] for token ids [B, T] at positions offset..offset+T−1. */
  embed(tokens: tf.Tensor2D, offset: number): tf.Tensor;
  /** y[N, out] = x[N, in] · W[in, out] + b[out]. */
  linear(x: tf.Tensor, W: tf.Tensor, b: tf.Tensor): tf.Tensor;
  layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor;
  gelu(x: tf.Tensor): tf.Tensor;
  /** Causal multi-head attention of layer l on rows q, k, v [B·T, C] → [B·T, C], heads concatenated. */
  attention(l: number, q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, B: number, T: number): tf.Tensor;
  /** The tied head: logits [B·T, V] = x · wteᵀ. */
  head(x: tf.Tensor): tf.Tensor2D;
}

/** Logits [B·T, vocab] for token ids [B, T] at positions offset..offset+T−1, row b·T + t predicting the token after t. */
function gptForward(cfg: GptConfig, weights: Weights, blocks: GptBlocks, tokens: tf.Tensor2D, offset: number): tf.Tensor2D {
  const [B, T] = tokens.shape;
  let x = blocks.embed(tokens, offset);
  for (let l = 0; l < cfg.layers; l++) {
    const w = (n: string) => p(weights, `h${l}.${n}`);
    const h1 = blocks.layerNorm(x, w('ln1.g'), w('ln1.b'), cfg.lnEps);
    const q = blocks.linear(h1, w('attn.wq'), w('attn.bq'));
    const k = blocks.linear(h1, w('attn.wk'), w('attn.bk'));
    const v = blocks.linear(h1, w('attn.wv'), w('attn.bv'));
    x = tf.add(x, blocks.linear(blocks.attention(l, q, k, v, B, T), w('attn.wo'), w('attn.bo')));
    const h2 = blocks.layerNorm(x, w('ln2.g'), w('ln2.b'), cfg.lnEps);
    x = tf.add(x, blocks.linear(blocks.gelu(blocks.linear(h2, w('mlp.w1'), w('mlp.b1'))), w('mlp.w2'), w('mlp.b2')));
  }
  return blocks.head(blocks.layerNorm(x, p(weights, 'lnf.g'), p(weights, 'lnf.b'), cfg.lnEps));
}

/** Training blocks: every one differentiable by its hand-written gradient (tfjs-core has few of its own). */
function trainingBlocks(cfg: GptConfig, params: Params): GptBlocks {
  const C = cfg.width;
  return {
    embed: (tokens, offset) => {
      const [B, T] = tokens.shape;
      const tokEmb = embed(oneHotF(tf.reshape(tokens, [B * T]) as tf.Tensor1D, cfg.vocabSize), p(params, 'wte'));
      const posEmb = offset === 0 && T === cfg.contextLength ? p(params, 'wpe') : tf.slice(p(params, 'wpe'), [offset, 0], [T, C]);
      return tf.reshape(tf.add(tf.reshape(tokEmb, [B, T, C]), posEmb), [B * T, C]);
    },
    linear,
    layerNorm,
    gelu,
    attention: (_l, q, k, v, B, T) => (attentionImpl === 'tiles' ? causalAttention : batchedAttention)(q, k, v, B, T, cfg.heads),
    head: (x) => matmulNT(x, p(params, 'wte')) as tf.Tensor2D,
  };
}

/**
 * Logits [B·T, vocab] for token ids [B, T] (T ≤ contextLength), row b·T + t predicting the
 * token after position t of sequence b; differentiable in every parameter.
 */
export function forward(cfg: GptConfig, params: Params, tokens: tf.Tensor2D): tf.Tensor2D {
  return gptForward(cfg, params, trainingBlocks(cfg, params), tokens, 0);
}

/** Float one-hot rows (tfjs-wasm's OneHot writes int32 bits when asked for float32, so cast). */
export const oneHotF = (ids: tf.Tensor1D, depth: number) => tf.cast(tf.oneHot(ids, depth), 'float32');

/** Mean cross-entropy (nats/token) of logits [N, V] against target ids [N]. */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return crossEntropyOp(logits, oneHotF(targets, logits.shape[1])) as tf.Scalar;
}
const crossEntropyOp = custom<[tf.Tensor, tf.Tensor]>((logits, oneHot, save) => {
  const logp = tf.logSoftmax(logits as tf.Tensor2D);
  save([logp, oneHot]);
  const n = logits.shape[0]!;
  return {
    value: tf.div(tf.neg(tf.sum(tf.mul(logp, oneHot))), n),
    // d/dlogits = (softmax − onehot)/N
    gradFunc: (dy, [slogp, soh]) => [tf.mul(tf.sub(tf.exp(slogp!), soh!), tf.div(dy, n)), tf.zerosLike(soh!)],
  };
});

/** Mean next-token loss of windows [B, T+1]: inputs are columns 0..T−1, targets 1..T. */
export function windowLoss(cfg: GptConfig, params: Params, windows: tf.Tensor2D): tf.Scalar {
  const [B, T1] = windows.shape;
  const T = T1 - 1;
  const inputs = tf.slice(windows, [0, 0], [B, T]);
  const targets = tf.reshape(tf.slice(windows, [0, 1], [B, T]), [B * T]) as tf.Tensor1D;
  return crossEntropy(forward(cfg, params, inputs), targets);
}

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay, applied to 2-D parameters only (matrices and embeddings). */
  weightDecay: number;
  /** Clip the global gradient norm to this value (0: no clipping). */
  clipNorm: number;
}

/** AdamW with bias correction, a per-step learning rate, and optional global-norm clipping. */
export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly params: Params,
    private readonly opts: AdamWOptions,
  ) {
    for (const [name, w] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(w), false));
      this.v.set(name, tf.variable(tf.zerosLike(w), false));
    }
  }

  /** Apply one update with learning rate `lr`; returns the gradient norm before clipping. */
  step(grads: tf.NamedTensorMap, lr: number): number {
    this.t++;
    const { beta1, beta2, eps, weightDecay, clipNorm } = this.opts;
    const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
    const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    tf.tidy(() => {
      for (const [name, w] of this.params) {
        const g0 = grads[name];
        if (!g0) throw new Error(`no gradient for ${name}`);
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        let upd = tf.div(tf.div(m1, c1), tf.add(tf.sqrt(tf.div(v1, c2)), eps));
        if (weightDecay > 0 && w.rank === 2) upd = tf.add(upd, tf.mul(w, weightDecay));
        w.assign(tf.sub(w, tf.mul(upd, lr)));
      }
    });
    return norm;
  }
}

// ---- inference ----

/**
 * The GPT on fixed float32 weights for generation (bench/perf.ts times it against spml's int8
 * generate): the same gptForward as training, fed forward-only blocks. Tensors are kept on the
 * tfjs backend current when it is made; make one model per backend.
 */
export class TfGptInference {
  readonly weights: Weights;
  /** wteᵀ [C, V] for the tied head, transposed once. */
  readonly wteT: tf.Tensor2D;

  constructor(
    readonly config: GptConfig,
    tensors: FloatTensors,
  ) {
    this.weights = fromArrays(config, tensors, (data, shape) => tf.keep(tf.tensor(data, shape, 'float32')));
    this.wteT = tf.keep(tf.transpose(p(this.weights, 'wte')) as tf.Tensor2D);
  }

  session(): TfGptSession {
    return new TfGptSession(this);
  }

  dispose(): void {
    for (const t of this.weights.values()) t.dispose();
    this.wteT.dispose();
  }
}

/** One generation's state: the position reached and each layer's key/value cache [H, S, D]. */
export class TfGptSession {
  private readonly caches: { k?: tf.Tensor3D; v?: tf.Tensor3D }[] = [];
  private readonly blocks: GptBlocks;
  position = 0;

  constructor(readonly model: TfGptInference) {
    const cfg = model.config;
    const C = cfg.width;
    const H = cfg.heads;
    const D = C / H;
    const w = (name: string) => p(model.weights, name);
    this.blocks = {
      embed: (tokens, offset) => {
        const T = tokens.shape[1];
        return tf.add(tf.gather(w('wte'), tf.reshape(tokens, [T])), tf.slice(w('wpe'), [offset, 0], [T, C]));
      },
      linear: (x, W, b) => tf.fused.matMul({ a: x as tf.Tensor2D, b: W as tf.Tensor2D, bias: b }),
      layerNorm: layerNormForward,
      gelu: geluForward,
      attention: (l, q, k, v, _B, T) => {
        const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [T, H, D]), [1, 0, 2]) as tf.Tensor3D;
        const cache = (this.caches[l] ??= {});
        const offset = cache.k?.shape[1] ?? 0;
        const keys = cache.k ? tf.concat([cache.k, heads(k)], 1) : heads(k);
        const values = cache.v ? tf.concat([cache.v, heads(v)], 1) : heads(v);
        cache.k?.dispose();
        cache.v?.dispose();
        cache.k = tf.keep(keys);
        cache.v = tf.keep(values);
        let scores = tf.mul(tf.matMul(heads(q), keys, false, true), 1 / Math.sqrt(D));
        if (T > 1) scores = tf.add(scores, causalMask(T, offset)); // one new query sees every cached key
        const mixed = tf.matMul(tf.softmax(scores) as tf.Tensor3D, values); // [H, T, D]
        return tf.reshape(tf.transpose(mixed, [1, 0, 2]), [T, C]);
      },
      head: (x) => tf.matMul(x as tf.Tensor2D, model.wteT),
    };
  }

  /** Float32 logits [T, vocab] for `ids` at positions position..position+T−1; extends the caches. */
  forward(ids: readonly number[]): tf.Tensor2D {
    const cfg = this.model.config;
    const T = ids.length;
    const offset = this.position;
    if (T === 0 || offset + T > cfg.contextLength) throw new Error(`positions ${offset}..${offset + T - 1} are outside the context of ${cfg.contextLength}`);
    const logits = tf.tidy(() => gptForward(cfg, this.model.weights, this.blocks, tf.tensor2d(Int32Array.from(ids), [1, T], 'int32'), offset));
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

export interface Generation {
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
export function generateGreedy(model: TfGptInference, prompt: readonly number[], maxTokens: number, keepLogits = false): Generation {
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
