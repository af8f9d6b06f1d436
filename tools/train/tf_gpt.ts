/**
 * The GPT of engine/models/config.ts written in tfjs for float training: backend setup (wasm),
 * seeded GPT-2-style parameter init, the building blocks, the forward pass and cross-entropy
 * loss, and AdamW. Measured tfjs-wasm 4.22 constraints shape the code:
 *  - tfjs-core registers no gradients itself (the tfjs union package does), so every block has a
 *    hand-written gradient (tf.customGrad) and only Add/Reshape/Transpose/Slice are registered;
 *  - matMul is fast (XNNPACK) only for plain 2-D, untransposed operands: backward passes use
 *    explicit transposes, and attention runs per-head 2-D matmuls on tiles built in JavaScript
 *    (batched matmuls take a slow path, and Slice copies its whole input);
 *  - no gather gradient, so embeddings are one-hot · matrix; OneHot with dtype float32 writes int
 *    bits, so one-hots are cast.
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
import { gptParameterShapes, type GptConfig } from '../../engine/models/config.js';

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

/** Create variables holding the given values (e.g. from a checkpoint). */
export function paramsFromArrays(cfg: GptConfig, tensors: ReadonlyMap<string, { data: Float32Array }>): Params {
  const params: Params = new Map();
  for (const [name, shape] of gptParameterShapes(cfg)) {
    const src = tensors.get(name);
    if (!src) throw new Error(`missing tensor ${name}`);
    params.set(name, tf.variable(tf.tensor(src.data, shape, 'float32'), true, name));
  }
  return params;
}

/** Read every parameter back as a Float32Array, in canonical order. */
export function paramsToArrays(cfg: GptConfig, params: Params): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of gptParameterShapes(cfg)) {
    out.set(name, { shape, data: Float32Array.from(p(params, name).dataSync()) });
  }
  return out;
}

function p(params: Params, name: string): tf.Variable {
  const v = params.get(name);
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

/** LayerNorm over the last axis of x[N, C]: (x − mean)/√(var + eps)·g + b, biased variance. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  return layerNormOp(x, g, b, tf.scalar(eps));
}
const layerNormOp = custom<[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]>((x, g, b, eps, save) => {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
  const xhat = tf.mul(xc, rstd);
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
/** GELU, tanh form: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export const gelu = custom<[tf.Tensor]>((x, save) => {
  const th = tf.tanh(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), GELU_A)), GELU_K));
  save([x, th]);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(th, 1)),
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

const maskCache = new Map<number, tf.Tensor>();
/** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above. Kept across calls. */
function causalMask(T: number): tf.Tensor {
  let m = maskCache.get(T);
  if (!m) {
    const a = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) a[i * T + j] = -1e9;
    m = tf.keep(tf.tensor2d(a, [T, T]));
    maskCache.set(T, m);
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

/**
 * Logits [B·T, vocab] for token ids [B, T] (T ≤ contextLength), row b·T + t predicting the
 * token after position t of sequence b.
 */
export function forward(cfg: GptConfig, params: Params, tokens: tf.Tensor2D): tf.Tensor2D {
  const [B, T] = tokens.shape;
  const C = cfg.width;
  const H = cfg.heads;
  const D = C / H;
  const N = B * T;
  const oneHot = oneHotF(tf.reshape(tokens, [N]) as tf.Tensor1D, cfg.vocabSize);
  const tokEmb = embed(oneHot, p(params, 'wte'));
  const posEmb = T === cfg.contextLength ? p(params, 'wpe') : tf.slice(p(params, 'wpe'), [0, 0], [T, C]);
  let x: tf.Tensor = tf.reshape(tf.add(tf.reshape(tokEmb, [B, T, C]), posEmb), [N, C]);
  const scale = 1 / Math.sqrt(D);
  // [N, C] → [B·H, T, D]
  const splitHeads = (y: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(y, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D]);
  for (let l = 0; l < cfg.layers; l++) {
    const w = (n: string) => p(params, `h${l}.${n}`);
    const h1 = layerNorm(x, w('ln1.g'), w('ln1.b'), cfg.lnEps);
    const q = linear(h1, w('attn.wq'), w('attn.bq'));
    const k = linear(h1, w('attn.wk'), w('attn.bk'));
    const v = linear(h1, w('attn.wv'), w('attn.bv'));
    let merged: tf.Tensor;
    if (attentionImpl === 'tiles') merged = causalAttention(q, k, v, B, T, H);
    else {
      const probs = causalSoftmax(bmm(splitHeads(q), tf.transpose(splitHeads(k), [0, 2, 1])), scale);
      const att = bmm(probs, splitHeads(v)); // [B·H, T, D]
      merged = tf.reshape(tf.transpose(tf.reshape(att, [B, H, T, D]), [0, 2, 1, 3]), [N, C]);
    }
    x = tf.add(x, linear(merged, w('attn.wo'), w('attn.bo')));
    const h2 = layerNorm(x, w('ln2.g'), w('ln2.b'), cfg.lnEps);
    x = tf.add(x, linear(gelu(linear(h2, w('mlp.w1'), w('mlp.b1'))), w('mlp.w2'), w('mlp.b2')));
  }
  const xf = layerNorm(x, p(params, 'lnf.g'), p(params, 'lnf.b'), cfg.lnEps);
  return matmulNT(xf, p(params, 'wte')) as tf.Tensor2D;
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
