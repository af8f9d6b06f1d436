/**
 * gpu.js sampling's preselection (engine/NUMERICS.md §14.2, informative note): for rows longer
 * than RANK_MAX_V, only the candidates of positive weight are ordered, so a 65,536-entry row of
 * a llama vocabulary, where a few hundred or thousand entries lie within the exp cutoff (§9.3:
 * u < 4096) of the maximum, is not sorted in full.
 *
 * Why it is exact: a candidate of weight 0 changes no running sum, no top-k sum, no top-p cut and
 * no draw, so the order of the positive candidates alone, each at its rank among them, gives the
 * same W, cut and draw; the one exception is a row without any (fully masked: W = 0), whose
 * result is its first candidate, the row's first maximum, kept as the only candidate. Positions
 * past a row's count hold v, padding that weighs 0 and comes last.
 *
 * gpu.js only gathers (no scatter, no atomics), so candidates are compacted in gathers:
 * 1. a flag per entry (e > 0, the same E as the weights kernel);
 * 2. the flags' count per chunk of COUNT_CHUNK entries, read back: a run's output size is fixed
 *    when it is dispatched, so the longest row's count sizes the next runs, and the counts'
 *    running sums (at most 2048 per row) are taken on the host;
 * 3. one thread per (row, slot p): the chunk holding the p-th candidate by binary search over
 *    the running sums, then a scan of that chunk's flags. Candidates keep ascending j, as a
 *    stable compaction.
 * Then sample_rank.ts ranks them (at most RANK_MAX_V a row) or sample_sort.ts sorts them.
 * Every loop stays inside llvmpipe's per-invocation budget (§16.3): 12 search steps, 32 flags.
 */
import type { GpujsBackend, KernelSource } from './backend.js';
import { DIFF_BODY, EXP_BODY, EXP_FUNCTIONS, expTable, scaleArgs } from './fixed_point.js';
import { FLOOR_DIV } from './functions.js';
import type { Plane } from './storage.js';
import { RANK_MAX_V, rankedCandidates } from './sample_rank.js';
import { paddedLength, sortedCandidates } from './sample_sort.js';

// Threads: one per (row, entry); 1 when the entry's weight E(m − x) is positive, m the row's
// first maximum (`best`, row-relative), else 0 (masked entries too). Bound: DIFF_BODY's, EXP_BODY's.
const POSITIVE: KernelSource = {
  name: 'sample.positive',
  functions: EXP_FUNCTIONS,
  source: `function (x, n, best, v, table, qh, ql, qn) {
  const t = this.thread.x;
  const row = floorDiv(t, v);
  const top = row * v + best[row];
  const mh = x[top];
  const ml = x[n + top];
  const xh = x[t];
  const xl = x[n + t];
  if (xh < -32767.5 && xl < 0.5) { return 0; }
${DIFF_BODY}
${EXP_BODY}
  if (e > 0.5) { return 1; }
  return 0;
}`,
};

/** Entries per counted chunk: a slot's scan is at most this long. */
const COUNT_CHUNK = 32;
/** Binary search steps over a row's chunk starts: at most 2048 chunks. */
const SEARCH_STEPS = 12;

// Threads: one per (row, chunk of COUNT_CHUNK entries); how many of its flags are set.
// Bound: counts ≤ 32.
const COUNT: KernelSource = {
  name: 'sample.countPositive',
  functions: [FLOOR_DIV],
  loopMax: COUNT_CHUNK,
  source: `function (flags, v, chunks) {
  const t = this.thread.x;
  const row = floorDiv(t, chunks);
  const j0 = (t - row * chunks) * ${COUNT_CHUNK};
  const cnt = Math.min(v - j0, ${COUNT_CHUNK});
  let sum = 0;
  for (let i = 0; i < cnt; i++) { sum = sum + flags[row * v + j0 + i]; }
  return sum;
}`,
};

// Threads: one per (row, slot p) of rows of s slots; the entry index of the row's p-th candidate
// in ascending j, v past the row's count, and the row's first maximum in slot 0 of a row without
// candidates. starts: per row, chunks + 1 running sums of the chunk counts (the last is the
// count). The chunk is the last whose start is ≤ p, found by binary search: an empty chunk shares
// its start with the next, so the last such chunk holds the candidate. Bound: indices and counts
// only, < 2^22.
const COMPACT: KernelSource = {
  name: 'sample.compact',
  functions: [FLOOR_DIV],
  loopMax: COUNT_CHUNK,
  source: `function (flags, starts, best, v, chunks, s) {
  const t = this.thread.x;
  const row = floorDiv(t, s);
  const p = t - row * s;
  const sb = row * (chunks + 1);
  if (p > starts[sb + chunks] - 0.5) {
    if (p < 0.5) { return best[row]; }
    return v;
  }
  let lo = 0;
  let hi = chunks - 1;
  for (let step = 0; step < ${SEARCH_STEPS}; step++) {
    if (lo < hi) {
      const mid = Math.floor((lo + hi + 1) * 0.5);
      if (starts[sb + mid] < p + 0.5) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
  }
  let left = p - starts[sb + lo];
  let at = v;
  const j0 = lo * ${COUNT_CHUNK};
  const cnt = Math.min(v - j0, ${COUNT_CHUNK});
  for (let i = 0; i < cnt; i++) {
    if (at > v - 0.5 && flags[row * v + j0 + i] > 0.5) {
      if (left < 0.5) { at = j0 + i; }
      left = left - 1;
    }
  }
  return at;
}`,
};

/** Preselected candidates in the order (x desc, j asc), at `stride` slots a row, padding (v) last. */
export interface Preselected {
  readonly idx: Plane;
  readonly stride: number;
}

/**
 * The order of the candidates of positive weight of each row of x (packed int32 plane of n
 * elements, rows of v ≤ 65,536 entries), `best` the rows' first maxima, under `scale`.
 */
export function preselectedOrder(
  g: GpujsBackend, x: Plane, n: number, rows: number, v: number, best: Plane,
  scale: { multiplier: number; shift: number },
): Preselected {
  const chunks = Math.ceil(v / COUNT_CHUNK);
  const flags = g.dispatch(POSITIVE, rows * v, [x, n, best, v, expTable(g), ...scaleArgs(scale)]);
  const counts = g.toHost(g.dispatch(COUNT, rows * chunks, [flags, v, chunks]));
  const starts = new Float32Array(rows * (chunks + 1));
  let most = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < chunks; c++) {
      starts[r * (chunks + 1) + c] = sum;
      sum += counts[r * chunks + c]!;
    }
    starts[r * (chunks + 1) + chunks] = sum;
    most = Math.max(most, sum);
  }
  // At least one slot, for a fully masked row's first maximum.
  const kept = Math.max(most, 1);
  const stride = kept <= RANK_MAX_V ? kept : paddedLength(kept);
  const cand = g.dispatch(COMPACT, rows * stride, [flags, starts, best, v, chunks, stride]);
  g.free(flags);
  if (kept > RANK_MAX_V) return { idx: sortedCandidates(g, x, n, rows, v, cand, stride), stride };
  const idx = rankedCandidates(g, x, n, rows, v, cand, stride);
  g.free(cand);
  return { idx, stride };
}
