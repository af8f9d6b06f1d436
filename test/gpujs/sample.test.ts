/**
 * gpu.js sampling's candidate order (kernels/gpujs/sample_rank.ts, sample_sort.ts, engine/NUMERICS.md
 * §14.2): rows of up to RANK_MAX_V entries are ordered by ranks in two runs, longer rows by the
 * bitonic sort; both give cpu's result. Byte equality on every sample case is the conformance
 * suite's job; here the run counts that show which path ran, with results checked against cpu.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, sample, tensor, type Backend } from '../../lib/index.js';
import type { GpujsBackend } from '../../kernels/gpujs/backend.js';
import { RANK_MAX_V } from '../../kernels/gpujs/sample_rank.js';

// Ties and limbs apart in lo only, so the order's tie-break decides.
const logits = (be: Backend, rows: number, v: number) =>
  tensor(be, Int32Array.from({ length: rows * v }, (_, i) => ((i * 37) % 23) - 11), [rows, v]);
const OPTIONS = { scale: { multiplier: 1, shift: 1 }, seed: 5, step: 3, topP: 50000 };

describe.each(['gpujs-headlessgl', 'gpujs-webasm'])('%s sample', (name) => {
  // rank and place, then weights, chunk sums and pick.
  it(`orders a row of ${RANK_MAX_V} entries in two runs`, async () => {
    const g = (await getBackend(name)) as GpujsBackend;
    const x = logits(g, 2, RANK_MAX_V);
    sample(x, OPTIONS).dispose(); // uploads the logits and the exp table (GL modes)
    const before = g.deviceStats.dispatches;
    const y = sample(x, OPTIONS);
    expect(g.deviceStats.dispatches - before).toBe(5);
    expect(Array.from(await y.data())).toEqual(Array.from(await sample(logits(await getBackend('cpu'), 2, RANK_MAX_V), OPTIONS).data()));
  });

  // Past RANK_MAX_V the bitonic sort: an init run and 55 steps for 1024 padded positions.
  it(`sorts a row of ${RANK_MAX_V + 1} entries`, async () => {
    const g = (await getBackend(name)) as GpujsBackend;
    const x = logits(g, 2, RANK_MAX_V + 1);
    sample(x, OPTIONS).dispose(); // uploads the logits and the exp table (GL modes)
    const before = g.deviceStats.dispatches;
    const y = sample(x, OPTIONS);
    expect(g.deviceStats.dispatches - before).toBe(1 + 55 + 3);
    expect(Array.from(await y.data())).toEqual(Array.from(await sample(logits(await getBackend('cpu'), 2, RANK_MAX_V + 1), OPTIONS).data()));
  });
});
