/**
 * The order of gpu.js sampling's preselected candidates (engine/NUMERICS.md §14.2 step 2) when a
 * row keeps more than sample_rank.ts's RANK_MAX_V of them: a merge sort built from gathers. Runs
 * of SORT_RUN slots are ordered by ranks (sample_rank.ts, two runs of O(SORT_RUN) work a slot),
 * then pairs of ordered runs are merged until one run spans the row, one kernel run per level.
 * A merge has no scatter: each output slot d of a merged pair finds by binary search how many of
 * its first d entries come from the first run (the merge path), so a level is one run of
 * O(log s) work a slot. 65,536 candidates take 2 + 10 runs, where a bitonic sort took 136.
 *
 * Rows are padded to a power of two p2 with index v, which comes after every entry; compaction
 * (sample_preselect.ts) puts the padding after a row's candidates, so in every run of SORT_RUN
 * slots it follows them too, as the rank kernel needs. The order (x desc, j asc) is total and
 * the padding's ties do not matter (all padding is the same index), so any correct merge gives
 * the one order. Inputs: x the packed int32 plane of n elements (planes.ts: hi limbs at [0, n),
 * lo limbs at [n, 2n)), rows of v entries.
 */
import type { GpujsBackend, KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import { rankedCandidates } from './sample_rank.js';
import type { Plane } from './storage.js';

/** The runs first ordered by ranks: short enough that their O(run) loops are cheap. */
const SORT_RUN = 64;
/** Binary search steps of a merge: hi − lo ≤ 32,768 halves to 0 within 16. */
const MERGE_STEPS = 17;

/**
 * 1 when entry p (limbs ph, pl) comes strictly before entry q (qh, ql) in the order (x desc,
 * j asc), indices ≥ v (padding) after every entry. Bound: limbs compared, never combined.
 */
const STRICTLY_BEFORE = `function strictlyBefore(ph, pl, p, qh, ql, q, v) {
  if (p > v - 0.5) { return 0; }
  if (q > v - 0.5) { return 1; }
  if (ph > qh || (ph == qh && (pl > ql || (pl == ql && p < q)))) { return 1; }
  return 0;
}`;

// Threads: one per slot of rows of p2 slots whose runs of L slots are each in order. Slot d of
// the merged pair A = [s, s + L), B = [s + L, s + 2L): the merge path's i (entries of A among
// the first d) is the least i with A[i] after B[d − 1 − i], by binary search over
// [max(0, d − L), min(d, L)]; the slot gets A[i] unless B[d − i] comes strictly before it (A
// first on ties, which only padding has). Bound (§16): indices only, flat indices < 2^22.
const MERGE: KernelSource = {
  name: 'sample.merge',
  functions: [FLOOR_DIV, STRICTLY_BEFORE],
  loopMax: MERGE_STEPS,
  source: `function (x, n, idx, v, p2, len) {
  const t = this.thread.x;
  const base = floorDiv(t, p2) * v;
  const s = floorDiv(t, 2 * len) * 2 * len;
  const d = t - s;
  let lo = Math.max(0, d - len);
  let hi = Math.min(d, len);
  for (let step = 0; step < ${MERGE_STEPS}; step++) {
    if (lo < hi) {
      const mid = Math.floor((lo + hi) * 0.5);
      const a = idx[s + mid];
      const b = idx[s + len + d - 1 - mid];
      let ah = 0;
      let al = 0;
      let bh = 0;
      let bl = 0;
      if (a < v - 0.5) {
        ah = x[base + a];
        al = x[n + base + a];
      }
      if (b < v - 0.5) {
        bh = x[base + b];
        bl = x[n + base + b];
      }
      if (strictlyBefore(bh, bl, b, ah, al, a, v) > 0.5) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
  }
  const fromB = d - lo;
  if (lo > len - 0.5) { return idx[s + len + fromB]; }
  const ea = idx[s + lo];
  if (fromB > len - 0.5) { return ea; }
  const eb = idx[s + len + fromB];
  let eah = 0;
  let eal = 0;
  let ebh = 0;
  let ebl = 0;
  if (ea < v - 0.5) {
    eah = x[base + ea];
    eal = x[n + base + ea];
  }
  if (eb < v - 0.5) {
    ebh = x[base + eb];
    ebl = x[n + base + eb];
  }
  if (strictlyBefore(ebh, ebl, eb, eah, eal, ea, v) > 0.5) { return eb; }
  return ea;
}`,
};

/** The smallest power of two ≥ v: the sorted rows' stride. */
export function paddedLength(v: number): number {
  let p2 = 1;
  while (p2 < v) p2 *= 2;
  return p2;
}

/**
 * Sorts each row of `cand` (rows of p2 = a power of two entry indices, each row's entries first,
 * then padding indices ≥ v) into the order (x desc, j asc), padding last; `cand` is consumed.
 */
export function sortedCandidates(g: GpujsBackend, x: Plane, n: number, rows: number, v: number, cand: Plane, p2: number): Plane {
  const run = Math.min(SORT_RUN, p2);
  let idx = rankedCandidates(g, x, n, rows, v, cand, p2, run);
  g.free(cand);
  for (let len = run; len < p2; len *= 2) {
    const prev = idx;
    idx = g.dispatch(MERGE, rows * p2, [x, n, prev, v, p2, len]);
    g.free(prev);
  }
  return idx;
}
