/**
 * The candidate order of gpu.js sampling (engine/NUMERICS.md §14.2 step 2) by ranks, for rows of
 * at most RANK_MAX_V entries, or of at most RANK_MAX_V preselected candidates (sample_preselect.ts,
 * read through their indices), and for the runs of 64 that sample_sort.ts's merge sort starts
 * from: two kernel runs whatever the row length, where a bitonic sort takes one run per
 * compare-exchange step (28 for a vocabulary of 83, 45 for 512). gpu.js kernels only gather (thread i computes output i; no scatter, no atomics), so the
 * order is built in two gathers:
 * 1. rank: for each entry j, the number of entries before it in the order (x desc, j asc);
 * 2. place: for each position p, the entry whose rank is p.
 * The order is total, so the ranks of a row are a permutation of [0, v) and every position gets
 * exactly one entry: the result is the order itself, as the sort gives it, so the first position
 * is the row's first maximum and the weights, chunk sums and pick of sample.ts read it unchanged.
 *
 * Each run is O(v²) work per row (a loop over the row in every thread), against a sort's
 * O(v log² v). Median ms to order one row, ranks / bitonic sort:
 *   v             83         512         768         1024
 *   headlessgl    0.5 / 7.6  3.4 / 9.2   7.7 / 11.0  11.7 / 8.3   (llvmpipe, 2 cores)
 *   webasm        0.07 / 0.3 0.95 / 0.96 2.1 / 1.5   4.0 / 2.0
 * so ranks serve rows of up to 512 entries (every shipped model's vocabulary: moby-gpt 83,
 * stories260k 512) and up to 512 candidates, where they are never slower in either mode, and the
 * sort serves more.
 * A loop of v ≤ 512 iterations stays far inside GLSL's constant bound and llvmpipe's
 * per-invocation budget (§16.3).
 */
import type { GpujsBackend, KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import type { Plane } from './storage.js';

/** The longest row ordered by ranks; longer rows are sorted. */
export const RANK_MAX_V = 512;

// Threads: one per slot of rows of `stride` slots, cut into runs of `run` slots (run divides
// stride); the slot's entry is its place in the row, or cand[t] when `indirect` (candidates
// padded with v, from sample_preselect.ts or sample_sort.ts). Returns how many of its run's
// entries come before it in the order (x desc, j asc), comparing int32 limbs (hi, lo)
// lexicographically; a padding slot keeps its own place in the run, which no entry's rank reaches
// (ranks of the entries are below their count, and padding comes after them). x is the packed
// plane of n elements, rows of v entries. Bound (§16): indices and counts only, flat indices
// < 2^22 (rows are batched by row_chunks.ts), counts < run ≤ 512; limbs are compared, never combined.
const RANK: KernelSource = {
  name: 'sample.rank',
  functions: [FLOOR_DIV],
  loopMax: RANK_MAX_V,
  source: `function (x, n, v, cand, stride, run, indirect) {
  const t = this.thread.x;
  const row = floorDiv(t, stride);
  const start = floorDiv(t, run) * run;
  const first = start - row * stride;
  const p = t - start;
  let j = first + p;
  if (indirect > 0.5) { j = cand[t]; }
  if (j > v - 0.5) { return p; }
  const base = row * v;
  const xh = x[base + j];
  const xl = x[n + base + j];
  let before = 0;
  for (let q = 0; q < run; q++) {
    let k = first + q;
    if (indirect > 0.5) { k = cand[start + q]; }
    if (k < v - 0.5) {
      const kh = x[base + k];
      const kl = x[n + base + k];
      if (kh > xh || (kh == xh && (kl > xl || (kl == xl && k < j)))) { before = before + 1; }
    }
  }
  return before;
}`,
};

// Threads: one per slot; the entry of the slot of its run whose rank is the slot's place in the
// run (that slot's place in the row, or cand's entry there when \`indirect\`). The ranks of a run
// are a permutation of [0, run), so exactly one slot matches. Bound (§16): indices and ranks
// only, flat indices < 2^22, values ≤ v ≤ 2^16.
const PLACE: KernelSource = {
  name: 'sample.place',
  functions: [FLOOR_DIV],
  loopMax: RANK_MAX_V,
  source: `function (rank, cand, stride, run, indirect) {
  const t = this.thread.x;
  const start = floorDiv(t, run) * run;
  const first = start - floorDiv(t, stride) * stride;
  const p = t - start;
  let at = 0;
  for (let q = 0; q < run; q++) {
    if (rank[start + q] == p) {
      at = first + q;
      if (indirect > 0.5) { at = cand[start + q]; }
    }
  }
  return at;
}`,
};

/** Per row of x (packed int32 plane of n elements, rows of v ≤ RANK_MAX_V entries), the entries' indices in the order (x desc, j asc), at stride v. */
export function rankedOrder(g: GpujsBackend, x: Plane, n: number, rows: number, v: number): Plane {
  return rankRuns(g, x, n, rows, v, g.unused(), v, v, 0);
}

/**
 * The same order for candidates: `cand` holds rows of `stride` entry indices, padded with v;
 * the result orders each run of `run` ≤ RANK_MAX_V slots (run divides stride), padding last.
 */
export function rankedCandidates(g: GpujsBackend, x: Plane, n: number, rows: number, v: number, cand: Plane, stride: number, run = stride): Plane {
  return rankRuns(g, x, n, rows, v, cand, stride, run, 1);
}

function rankRuns(g: GpujsBackend, x: Plane, n: number, rows: number, v: number, cand: Plane, stride: number, run: number, indirect: number): Plane {
  const ranks = g.dispatch(RANK, rows * stride, [x, n, v, cand, stride, run, indirect]);
  const idx = g.dispatch(PLACE, rows * stride, [ranks, cand, stride, run, indirect]);
  g.free(ranks);
  return idx;
}
