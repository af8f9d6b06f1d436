/**
 * The candidate order of gpu.js sampling (engine/NUMERICS.md §14.2 step 2) by ranks, for rows of
 * at most RANK_MAX_V entries: two kernel runs whatever the row length, where a bitonic sort
 * (sample_sort.ts) takes one run per compare-exchange step (28 for a vocabulary of 83, 45 for
 * 512). gpu.js kernels only gather (thread i computes output i; no scatter, no atomics), so the
 * order is built in two gathers:
 * 1. rank: for each entry j, the number of entries before it in the order (x desc, j asc);
 * 2. place: for each position p, the entry whose rank is p.
 * The order is total, so the ranks of a row are a permutation of [0, v) and every position gets
 * exactly one entry: the result is the order itself, as the sort gives it, so the first position
 * is the row's first maximum and the weights, chunk sums and pick of sample.ts read it unchanged.
 *
 * Each run is O(v²) work per row (a loop over the row in every thread), against the sort's
 * O(v log² v) spread over log² v runs. Median ms to order one row, ranks / sort:
 *   v             83         512         768         1024
 *   headlessgl    0.5 / 7.6  3.4 / 9.2   7.7 / 11.0  11.7 / 8.3   (llvmpipe, 2 cores)
 *   webasm        0.07 / 0.3 0.95 / 0.96 2.1 / 1.5   4.0 / 2.0
 * so ranks serve rows of up to 512 entries (every shipped model's vocabulary: moby-gpt 83,
 * stories260k 512), where they are never slower in either mode, and the sort serves longer ones.
 * A loop of v ≤ 512 iterations stays far inside GLSL's constant bound and llvmpipe's
 * per-invocation budget (§16.3).
 */
import type { GpujsBackend, KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import type { Plane } from './storage.js';

/** The longest row ordered by ranks; longer rows are sorted. */
export const RANK_MAX_V = 512;

// Threads: one per (row, entry j); how many entries of the row come before j in the order
// (x desc, j asc), comparing int32 limbs (hi, lo) lexicographically. x is the packed plane of n
// elements, rows of v entries. Bound (§16): indices and counts only, flat indices < 2^22 (rows are
// batched by row_chunks.ts), counts < v ≤ 512; limbs are compared, never combined.
const RANK: KernelSource = {
  name: 'sample.rank',
  functions: [FLOOR_DIV],
  loopMax: RANK_MAX_V,
  source: `function (x, n, v) {
  const t = this.thread.x;
  const row = floorDiv(t, v);
  const j = t - row * v;
  const base = row * v;
  const xh = x[t];
  const xl = x[n + t];
  let before = 0;
  for (let k = 0; k < v; k++) {
    const kh = x[base + k];
    const kl = x[n + base + k];
    if (kh > xh || (kh == xh && (kl > xl || (kl == xl && k < j)))) { before = before + 1; }
  }
  return before;
}`,
};

// Threads: one per (row, position p); the entry whose rank is p. The ranks of a row are a
// permutation of [0, v), so exactly one entry matches. Bound (§16): indices and ranks only,
// flat indices < 2^22, values < v ≤ 512.
const PLACE: KernelSource = {
  name: 'sample.place',
  functions: [FLOOR_DIV],
  loopMax: RANK_MAX_V,
  source: `function (rank, v) {
  const t = this.thread.x;
  const row = floorDiv(t, v);
  const p = t - row * v;
  const base = row * v;
  let at = v;
  for (let j = 0; j < v; j++) {
    if (rank[base + j] == p) { at = j; }
  }
  return at;
}`,
};

/** Per row of x (packed int32 plane of n elements, rows of v ≤ RANK_MAX_V entries), the entries' indices in the order (x desc, j asc), at stride v. */
export function rankedOrder(g: GpujsBackend, x: Plane, n: number, rows: number, v: number): Plane {
  const rank = g.dispatch(RANK, rows * v, [x, n, v]);
  const idx = g.dispatch(PLACE, rows * v, [rank, v]);
  g.free(rank);
  return idx;
}
