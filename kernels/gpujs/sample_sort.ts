/**
 * The candidate order of gpu.js sampling (engine/NUMERICS.md §14.2 step 2) by a bitonic sort,
 * for rows longer than sample_rank.ts's RANK_MAX_V: sorting costs O(log² V) runs of O(V) work
 * each, where ranking costs two runs of O(V²) work, which is slower from there on (§16.3: the
 * loops of one invocation stay short either way).
 *
 * Indices are sorted, one kernel run per compare-exchange step, rows padded to a power of two
 * p2 (padding sorts last). Inputs: x the packed int32 plane of n elements (planes.ts: hi limbs at
 * [0, n), lo limbs at [n, 2n)), rows of v entries.
 */
import type { GpujsBackend, KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import type { Plane } from './storage.js';

// Threads: one per (row, sorted position); idx = position.
// Bound: indices only, < 2^22.
const SORT_INIT: KernelSource = {
  name: 'sample.sortInit',
  functions: [FLOOR_DIV],
  source: `function (p2) {
  const t = this.thread.x;
  return t - floorDiv(t, p2) * p2;
}`,
};

// Threads: one per (row, position). One compare-exchange step (k, j) of a bitonic sort: positions
// pos and pos ⊕ j exchange when the pair is out of (x desc, index asc) order for the direction
// given by bit k of pos; indices ≥ v are padding and sort last. Bound: indices only, < 2^22.
const SORT_STEP: KernelSource = {
  name: 'sample.sortStep',
  functions: [FLOOR_DIV],
  source: `function (x, n, idx, v, p2, k, j) {
  const t = this.thread.x;
  const row = floorDiv(t, p2);
  const pos = t - row * p2;
  const qj = floorDiv(pos, j);
  const bitJ = qj - 2 * Math.floor(qj * 0.5);
  let low = pos;
  if (bitJ > 0.5) { low = pos - j; }
  const qk = floorDiv(pos, k);
  const up = 1 - (qk - 2 * Math.floor(qk * 0.5));
  const a = idx[row * p2 + low];
  const b = idx[row * p2 + low + j];
  let bFirst = 0;
  if (a >= v || b >= v) {
    if (b < a) { bFirst = 1; }
  } else {
    const ah = x[row * v + a];
    const al = x[n + row * v + a];
    const bh = x[row * v + b];
    const bl = x[n + row * v + b];
    if (bh > ah || (bh == ah && (bl > al || (bl == al && b < a)))) { bFirst = 1; }
  }
  let swap = 0;
  if (bFirst == up) { swap = 1; }
  if (bitJ < 0.5) {
    if (swap > 0.5) { return b; }
    return a;
  }
  if (swap > 0.5) { return a; }
  return b;
}`,
};

/** The smallest power of two ≥ v: the sorted rows' stride. */
export function paddedLength(v: number): number {
  let p2 = 1;
  while (p2 < v) p2 *= 2;
  return p2;
}

/**
 * Per row, the entries' indices in the order (x desc, j asc), at stride paddedLength(v); the
 * padding positions [v, p2) hold indices ≥ v.
 */
export function sortedOrder(g: GpujsBackend, x: Plane, n: number, rows: number, v: number): Plane {
  const p2 = paddedLength(v);
  let idx = g.dispatch(SORT_INIT, rows * p2, [p2]);
  for (let k = 2; k <= p2; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) {
      const prev = idx;
      idx = g.dispatch(SORT_STEP, rows * p2, [x, n, prev, v, p2, k, j]);
      g.free(prev);
    }
  }
  return idx;
}
