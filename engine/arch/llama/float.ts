/**
 * Float64 reference forward pass of the llama architecture (config.ts), exactly the forward pass
 * of shared/models/stories260K/README.md: RMSNorm with eps, rotary positions on adjacent pairs
 * within each head (θ = pos·base^(−j/hs), j = i mod hs for even i), grouped-query attention,
 * SwiGLU MLP, shared or separate classifier. The quantizer calibrates on its activations
 * (the hook) and the tests compare the integer model's text with it.
 */
import { causalAttention, linear, weight as w, type ActivationHook, type FloatWeights } from '../float_ops.js';
import type { LlamaConfig } from './config.js';

export type { ActivationHook, FloatWeights };

/** x / sqrt(mean(x²) + eps) · g, per row. */
export function rmsNormF(x: Float64Array, t: number, c: number, g: ArrayLike<number>, eps: number): Float64Array {
  const y = new Float64Array(t * c);
  for (let i = 0; i < t; i++) {
    let ss = 0;
    for (let j = 0; j < c; j++) ss += x[i * c + j]! ** 2;
    const inv = 1 / Math.sqrt(ss / c + eps);
    for (let j = 0; j < c; j++) y[i * c + j] = x[i * c + j]! * inv * g[j]!;
  }
  return y;
}

/** Rotate adjacent pairs of every head of x [T, n] in place; row i is at position offset + i. */
function ropeF(x: Float64Array, t: number, n: number, hs: number, base: number, offset: number): void {
  for (let i = 0; i < t; i++) {
    const pos = offset + i;
    for (let c = 0; c < n; c += 2) {
      const j = c % hs;
      const theta = pos * base ** (-j / hs);
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const a = x[i * n + c]!;
      const b = x[i * n + c + 1]!;
      x[i * n + c] = a * cos - b * sin;
      x[i * n + c + 1] = a * sin + b * cos;
    }
  }
}

export const siluF = (v: number): number => v / (1 + Math.exp(-v));

/**
 * Logits [T, vocab] for a token sequence (T ≤ contextLength), positions 0..T−1. Hook points:
 * `embed`, and per layer `h{l}.` + `attn_norm`, `q`, `k`, `v` (q and k after the rotation),
 * `att`, `resid1`, `ffn_norm`, `gate`, `up`, `silu`, `prod`, `resid2`; then `norm`.
 */
export function floatLlamaForward(cfg: LlamaConfig, weights: FloatWeights, tokens: readonly number[], hook?: ActivationHook): Float64Array {
  const T = tokens.length;
  const C = cfg.width;
  const H = cfg.heads;
  const hs = C / H;
  const KV = cfg.kvHeads * hs;
  const F = cfg.hiddenWidth;
  const embed = w(weights, 'embed');
  const x = new Float64Array(T * C);
  tokens.forEach((tok, i) => {
    for (let j = 0; j < C; j++) x[i * C + j] = embed[tok * C + j]!;
  });
  hook?.('embed', x, C);
  for (let l = 0; l < cfg.layers; l++) {
    const p = (s: string) => w(weights, `h${l}.${s}`);
    const name = (s: string) => `h${l}.${s}`;
    const h = rmsNormF(x, T, C, p('attn_norm'), cfg.normEps);
    hook?.(name('attn_norm'), h, C);
    const q = linear(h, T, C, p('attn.wq'), C);
    const k = linear(h, T, C, p('attn.wk'), KV);
    const v = linear(h, T, C, p('attn.wv'), KV);
    ropeF(q, T, C, hs, cfg.ropeBase, 0);
    ropeF(k, T, KV, hs, cfg.ropeBase, 0);
    hook?.(name('q'), q, C);
    hook?.(name('k'), k, KV);
    hook?.(name('v'), v, KV);
    const att = causalAttention(q, k, v, T, H, cfg.kvHeads, hs);
    hook?.(name('att'), att, C);
    const o = linear(att, T, C, p('attn.wo'), C);
    for (let i = 0; i < x.length; i++) x[i]! += o[i]!;
    hook?.(name('resid1'), x, C);
    const h2 = rmsNormF(x, T, C, p('ffn_norm'), cfg.normEps);
    hook?.(name('ffn_norm'), h2, C);
    const gate = linear(h2, T, C, p('mlp.w1'), F);
    const up = linear(h2, T, C, p('mlp.w3'), F);
    hook?.(name('gate'), gate, F);
    hook?.(name('up'), up, F);
    const act = gate.map(siluF);
    hook?.(name('silu'), act, F);
    const prod = act.map((a, i) => a * up[i]!);
    hook?.(name('prod'), prod, F);
    const dn = linear(prod, T, F, p('mlp.w2'), C);
    for (let i = 0; i < x.length; i++) x[i]! += dn[i]!;
    hook?.(name('resid2'), x, C);
  }
  const hf = rmsNormF(x, T, C, w(weights, 'norm'), cfg.normEps);
  hook?.('norm', hf, C);
  const cls = cfg.sharedClassifier ? embed : w(weights, 'head');
  const V = cfg.vocabSize;
  const logits = new Float64Array(T * V);
  for (let i = 0; i < T; i++) {
    for (let r = 0; r < V; r++) {
      let s = 0;
      for (let j = 0; j < C; j++) s += hf[i * C + j]! * cls[r * C + j]!;
      logits[i * V + r] = s;
    }
  }
  return logits;
}
