/**
 * Transformer block pieces on the op API (engine/NUMERICS.md §8 for attention). The GPT block in
 * gpt/model.ts composes them as pre-LayerNorm → causalSelfAttention → residual add → pre-LayerNorm →
 * geluMlp → residual add. The Llama block (llama/model.ts) reuses the head split and merge and
 * swaps the rest: rmsNorm for layerNorm, `rope` on the [heads, T, D] queries and keys, 12-bit keys
 * (llama/attention.ts), grouped-query attention by repeating each key/value head for its group of
 * query heads, and a SwiGLU MLP (two up-projections, silu lut, mul) in place of `geluMlp`.
 */
import {
  causalMask,
  concat,
  lut,
  matmul,
  requantize,
  reshape,
  softmax,
  transpose,
} from '../ops/index.js';
import type { Dyadic } from '../quant.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

/** Keys and values of every position seen so far, [kvHeads, positions, headDim] int8. */
export interface KvCache {
  keys?: Tensor;
  values?: Tensor;
}

/** int32 accumulator → requantized per output channel. */
export function linear(x: Tensor, w: Tensor, b: Tensor, scales: readonly Dyadic[], out: 'int8' | 'int16'): Tensor {
  return requantize(matmul(x, w, { bias: b }), scales, out);
}

/** [T, heads·D] → [heads, T, D] */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [t, c] = x.shape as [number, number];
  return transpose(reshape(x, [t, heads, c / heads]), [1, 0, 2]);
}

/** [heads, T, D] → [T, heads·D] */
export function mergeHeads(x: Tensor): Tensor {
  const [h, t, d] = x.shape as [number, number, number];
  return reshape(transpose(x, [1, 0, 2]), [t, h * d]);
}

/** The cache extended by `rows` along positions; it outlives the pass (keep), the old one is freed. */
export function growCache(cached: Tensor | undefined, rows: Tensor): Tensor {
  const next = keep(cached ? concat([cached, rows], 1) : rows);
  cached?.dispose();
  return next;
}

/**
 * Causal attention of new queries q [heads, T, D] over the cache extended by k, v. `offset` is the
 * number of positions cached before this call. Returns int16 [heads, T, D] on the scale `pv`
 * maps to (int16 keeps the convex combination of v rows finer than v itself; the output
 * projection then takes int16 × int8 with K = width ≤ 256, inside NUMERICS.md §5's no-wrap bound).
 * Appends k and v to the cache.
 */
export function causalSelfAttention(q: Tensor, k: Tensor, v: Tensor, cache: KvCache, offset: number, scale: { softmax: Dyadic; pv: Dyadic }): Tensor {
  cache.keys = growCache(cache.keys, k);
  cache.values = growCache(cache.values, v);
  const scores = causalMask(matmul(q, cache.keys, { transposeB: true }), offset);
  const probs = softmax(scores, scale.softmax);
  return requantize(matmul(probs, cache.values), scale.pv, 'int16');
}

/**
 * GELU MLP: up-projection to int8, the GELU table (int8 in, int16 out: GELU's output is lopsided,
 * so int8 would waste half its codes), down-projection (int16 × int8, K = mlpWidth ≤ 256) to the
 * int16 residual.
 */
export function geluMlp(h: Tensor, w: { w1: Tensor; b1: Tensor; gelu: Tensor; w2: Tensor; b2: Tensor }, q: { up: readonly Dyadic[]; down: readonly Dyadic[] }): Tensor {
  const g = lut(linear(h, w.w1, w.b1, q.up, 'int8'), w.gelu);
  return linear(g, w.w2, w.b2, q.down, 'int16');
}
