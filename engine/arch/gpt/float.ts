/**
 * Float64 reference forward pass of the GPT architecture (config.ts), used by the
 * quantizer to calibrate activation ranges and by the evaluation to measure float loss. It is
 * the same maths the training script optimizes (pre-LN, tanh GELU, tied head), written plainly
 * in JavaScript so the library needs no tfjs at run time.
 */
import { causalAttention, linear, weight as w, type ActivationHook, type FloatWeights } from '../float_ops.js';
import type { GptConfig } from './config.js';

export type { ActivationHook, FloatWeights };

function layerNorm(x: Float64Array, t: number, c: number, g: ArrayLike<number>, b: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(t * c);
  for (let i = 0; i < t; i++) {
    let mean = 0;
    for (let j = 0; j < c; j++) mean += x[i * c + j]!;
    mean /= c;
    let v = 0;
    for (let j = 0; j < c; j++) v += (x[i * c + j]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / c + eps);
    for (let j = 0; j < c; j++) y[i * c + j] = (x[i * c + j]! - mean) * inv * g[j]! + b[j]!;
  }
  return y;
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** Logits [T, vocab] for a token sequence (T ≤ contextLength), positions 0..T-1. */
export function floatGptForward(cfg: GptConfig, weights: FloatWeights, tokens: readonly number[], hook?: ActivationHook): Float64Array {
  const T = tokens.length;
  const C = cfg.width;
  const H = cfg.heads;
  const D = C / H;
  const wte = w(weights, 'wte');
  const wpe = w(weights, 'wpe');
  let x = new Float64Array(T * C);
  tokens.forEach((tok, i) => {
    for (let j = 0; j < C; j++) x[i * C + j] = wte[tok * C + j]! + wpe[i * C + j]!;
  });
  hook?.('embed', x, C);
  for (let l = 0; l < cfg.layers; l++) {
    const p = (s: string) => w(weights, `h${l}.${s}`);
    const h = layerNorm(x, T, C, p('ln1.g'), p('ln1.b'), cfg.lnEps);
    hook?.(`h${l}.ln1`, h, C);
    const q = linear(h, T, C, p('attn.wq'), C, p('attn.bq'));
    const k = linear(h, T, C, p('attn.wk'), C, p('attn.bk'));
    const v = linear(h, T, C, p('attn.wv'), C, p('attn.bv'));
    hook?.(`h${l}.q`, q, C);
    hook?.(`h${l}.k`, k, C);
    hook?.(`h${l}.v`, v, C);
    const att = causalAttention(q, k, v, T, H, H, D);
    hook?.(`h${l}.att`, att, C);
    const o = linear(att, T, C, p('attn.wo'), C, p('attn.bo'));
    for (let i = 0; i < x.length; i++) x[i]! += o[i]!;
    hook?.(`h${l}.resid1`, x, C);
    const h2 = layerNorm(x, T, C, p('ln2.g'), p('ln2.b'), cfg.lnEps);
    hook?.(`h${l}.ln2`, h2, C);
    const u = linear(h2, T, C, p('mlp.w1'), cfg.mlpWidth, p('mlp.b1'));
    hook?.(`h${l}.mlp.u`, u, cfg.mlpWidth);
    const g = u.map(geluTanh);
    hook?.(`h${l}.mlp.g`, g, cfg.mlpWidth);
    const dn = linear(g, T, cfg.mlpWidth, p('mlp.w2'), C, p('mlp.b2'));
    x = x.map((xi, i) => xi + dn[i]!);
    hook?.(`h${l}.resid2`, x, C);
  }
  const hf = layerNorm(x, T, C, w(weights, 'lnf.g'), w(weights, 'lnf.b'), cfg.lnEps);
  hook?.('lnf', hf, C);
  // Tied head: logits = hf · wteᵀ.
  const V = cfg.vocabSize;
  const logits = new Float64Array(T * V);
  for (let i = 0; i < T; i++) {
    for (let v2 = 0; v2 < V; v2++) {
      let s = 0;
      for (let j = 0; j < C; j++) s += hf[i * C + j]! * wte[v2 * C + j]!;
      logits[i * V + v2] = s;
    }
  }
  return logits;
}

/** Mean cross-entropy (nats) of predicting tokens[i+1] from logits row i. */
export function crossEntropy(logits: ArrayLike<number>, vocab: number, targets: readonly number[]): number {
  let total = 0;
  targets.forEach((target, i) => {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[i * vocab + v]!);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[i * vocab + v]! - max);
    total += Math.log(sum) + max - logits[i * vocab + target]!;
  });
  return total / targets.length;
}
