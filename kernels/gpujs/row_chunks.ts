/**
 * How gpu.js row kernels cut their rows (engine/NUMERICS.md §16.1 G6, §16.3), shared by
 * softmax.ts and sample.ts: rows run in batches of at most BATCH elements, so every flat index
 * (and floorDiv argument) stays below 2^23 (G6); a row's weights are summed per chunk of
 * SUM_CHUNK, because llvmpipe ends an invocation after about 65,535 loop iterations (§16.3).
 */
import { BackendError } from '../../engine/errors.js';
import type { KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';

/** Elements per run: flat indices < 2^22, and twice that (two output limbs) < 2^23. */
export const BATCH = 2 ** 22;
/** 512 weights ≤ 2^15 sum to ≤ 2^24 (G4). */
export const SUM_CHUNK = 512;

/** Row ranges [r0, r1) of at most BATCH elements each; a row longer than BATCH cannot run. */
export function rowBatches(op: string, rows: number, len: number): [number, number][] {
  if (len > BATCH) throw new BackendError(op, `rows of ${len} elements exceed gpu.js's index range of ${BATCH} per run (§16 G6)`);
  const per = Math.max(1, Math.floor(BATCH / Math.max(len, 1)));
  const out: [number, number][] = [];
  for (let r0 = 0; r0 < rows; r0 += per) out.push([r0, Math.min(rows, r0 + per)]);
  return out;
}

/** Row ranges as element ranges, for rows of `len` elements. */
export function elementRanges(rows: readonly [number, number][], len: number): [number, number][] {
  return rows.map(([r0, r1]) => [r0 * len, r1 * len]);
}

/**
 * Threads: one per (row, chunk); the sum of e over positions [c·512, min((c+1)·512, len)) of a
 * row that starts at row·stride. Bound: 512 weights ≤ 2^15, so the sum ≤ 2^24.
 */
export const CHUNK_SUM: KernelSource = {
  name: 'rows.chunkSum',
  functions: [FLOOR_DIV],
  loopMax: SUM_CHUNK,
  source: `function (e, stride, len, chunks) {
  const t = this.thread.x;
  const row = floorDiv(t, chunks);
  const j0 = (t - row * chunks) * ${SUM_CHUNK};
  const base = row * stride + j0;
  const cnt = Math.min(len - j0, ${SUM_CHUNK});
  let s = 0;
  for (let i = 0; i < cnt; i++) { s = s + e[base + i]; }
  return s;
}`,
};
