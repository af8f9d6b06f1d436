/**
 * gpu.js sampling's paths (kernels/gpujs/sample_rank.ts, sample_preselect.ts, sample_sort.ts,
 * engine/NUMERICS.md §14.2): rows of up to RANK_MAX_V entries are ordered by ranks in two runs;
 * longer rows keep only their candidates of positive weight, ranked when a row keeps at most
 * RANK_MAX_V of them and merge-sorted beyond (runs of 64 ranked, then one merge run per level). Byte equality on every sample case is the conformance
 * suite's job; here the run counts and reads that show which path ran, with results checked
 * against cpu.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, sample, tensor, type Backend } from '../../lib/index.js';
import type { GpujsBackend } from '../../kernels/gpujs/backend.js';
import { RANK_MAX_V } from '../../kernels/gpujs/sample_rank.js';

// Ties and limbs apart in lo only, so the order's tie-break decides; every weight is positive.
const dense = (i: number) => ((i * 37) % 23) - 11;
// One entry in `every` near the top, the others far below it (weight 0), as in a llama vocabulary.
const sparse = (every: number) => (i: number) => (i % every === 0 ? dense(i) : -1000000);
const logits = (be: Backend, rows: number, v: number, at: (i: number) => number) => tensor(be, Int32Array.from({ length: rows * v }, (_, i) => at(i % v)), [rows, v]);
const OPTIONS = { scale: { multiplier: 1, shift: 1 }, seed: 5, step: 3, topP: 50000 };

/** The runs and reads of one sample call after a first call (which uploads the logits and the exp table), and its result against cpu's. */
async function countRuns(name: string, rows: number, v: number, at: (i: number) => number): Promise<{ runs: number; reads: number }> {
  const g = (await getBackend(name)) as GpujsBackend;
  const x = logits(g, rows, v, at);
  sample(x, OPTIONS).dispose();
  const before = { ...g.deviceStats };
  const y = sample(x, OPTIONS);
  const counted = { runs: g.deviceStats.dispatches - before.dispatches, reads: g.deviceStats.reads - before.reads };
  expect(Array.from(await y.data())).toEqual(Array.from(await sample(logits(await getBackend('cpu'), rows, v, at), OPTIONS).data()));
  return counted;
}

describe.each(['gpujs-headlessgl', 'gpujs-webasm'])('%s sample', (name) => {
  const readsPerRun = name === 'gpujs-webasm' ? 1 : 0;
  // rank and place, then weights, chunk sums and pick.
  it(`orders a row of ${RANK_MAX_V} entries in two runs`, async () => {
    expect((await countRuns(name, 2, RANK_MAX_V, dense)).runs).toBe(5);
  });

  // argmax (two chunks past 4096), flags, chunk counts (read back), compaction, rank and place,
  // weights, chunk sums, pick: 65,536 entries with 512 candidates a row are not sorted.
  it('ranks the 512 candidates of positive weight of a 65,536-entry row', async () => {
    const { runs, reads } = await countRuns(name, 1, 65536, sparse(128));
    expect(runs).toBe(2 + 3 + 2 + 3);
    expect(reads).toBe(runs * readsPerRun + (1 - readsPerRun));
  });

  // Past RANK_MAX_V candidates the merge sort: 1024 padded slots in runs of 64 take rank and
  // place, then 4 merges (where a bitonic sort took 55 steps).
  it(`sorts a row of ${RANK_MAX_V + 1} candidates`, async () => {
    expect((await countRuns(name, 2, RANK_MAX_V + 1, dense)).runs).toBe(1 + 3 + 2 + 4 + 3);
  });

  // Every one of 65,536 entries a candidate, the worst case: 2 + 10 ordering runs.
  it('sorts a row of 65,536 candidates in 12 ordering runs', async () => {
    expect((await countRuns(name, 1, 65536, dense)).runs).toBe(2 + 3 + 2 + 10 + 3);
  });
});
