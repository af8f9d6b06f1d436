/**
 * Transformer block pieces on the op API (engine/NUMERICS.md §8 for attention). The GPT block in
 * gpt/model.ts composes them as pre-LayerNorm → causalSelfAttention → output projection onto the
 * residual → pre-LayerNorm → geluMlp onto the residual. The Llama block (llama/model.ts) reuses the head split and merge and
 * swaps the rest: rmsNorm for layerNorm, `rope` on the [heads, T, D] queries and keys, 12-bit keys
 * (llama/attention.ts), grouped-query attention by repeating each key/value head for its group of
 * query heads, and a SwiGLU MLP (two up-projections, silu lut, mul) in place of `geluMlp`.
 */
import {
  causalMask,
  concat,
  linear,
  lut,
  matmul,
  reshape,
  slice,
  softmax,
  transpose,
} from '../ops/index.js';
import type { Dyadic } from '../quant.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

/**
 * A block's key/value cache: its planes, each [heads, positions, headDim] int8 holding every
 * position run so far in order. The GPT's planes are the keys and the values; the llama's the two
 * planes of its 12-bit keys and the values (llama/attention.ts). Empty before the first pass.
 */
export type KvCache = Tensor[];

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

/**
 * Append one pass's rows (one [heads, T, D] tensor per plane) to the cache along positions. The
 * cache outlives the pass (keep); the planes it replaces are freed.
 */
export function appendRows(cache: KvCache, rows: readonly Tensor[]): void {
  rows.forEach((r, i) => {
    const cached = cache[i];
    cache[i] = keep(cached ? concat([cached, r], 1) : r);
    cached?.dispose();
  });
}

/** Free a cache's planes. */
export function disposeCache(cache: KvCache): void {
  for (const t of cache) t.dispose();
  cache.length = 0;
}

/**
 * One pass's cache rows as its trace leaf commits them (NUMERICS.md §20.4): the planes stacked,
 * n × [heads, T, D] → [n, heads, T, D].
 */
export function stackRows(rows: readonly Tensor[]): Tensor {
  return concat(rows.map((r) => reshape(r, [1, ...r.shape])), 0);
}

/** A cache leaf [n, heads, T, D] back into its n planes [heads, T, D]. */
export function unstackRows(leaf: Tensor): Tensor[] {
  const [n, ...plane] = leaf.shape as [number, number, number, number];
  return Array.from({ length: n }, (_, i) => reshape(slice(leaf, [i, 0, 0, 0], [1, ...plane]), plane));
}

/**
 * Causal attention of new queries q [heads, T, D] over the cache, which already holds this pass's
 * keys and values (`offset` positions before them). Returns int16 [heads, T, D] on the scale `pv`
 * maps to (int16 keeps the convex combination of v rows finer than v itself; the output
 * projection then takes int16 × int8 with K = width ≤ 256, inside NUMERICS.md §5's no-wrap bound).
 */
export function causalSelfAttention(q: Tensor, cache: KvCache, offset: number, scale: { softmax: Dyadic; pv: Dyadic }): Tensor {
  const [keys, values] = cache as [Tensor, Tensor];
  const scores = causalMask(matmul(q, keys, { transposeB: true }), offset);
  const probs = softmax(scores, scale.softmax);
  return linear(probs, values, scale.pv, 'int16');
}

/**
 * GELU MLP: up-projection to int8, the GELU table (int8 in, int16 out: GELU's output is lopsided,
 * so int8 would waste half its codes), down-projection (int16 × int8, K = mlpWidth ≤ 256) added
 * onto the int16 residual stream by the same op (§5.1).
 */
export function geluMlp(
  h: Tensor,
  w: { w1: Tensor; b1: Tensor; gelu: Tensor; w2: Tensor; b2: Tensor },
  q: { up: readonly Dyadic[]; down: readonly Dyadic[] },
  residual: Tensor,
): Tensor {
  const g = lut(linear(h, w.w1, q.up, 'int8', { bias: w.b1 }), w.gelu);
  return linear(g, w.w2, q.down, 'int16', { bias: w.b2, residual });
}
