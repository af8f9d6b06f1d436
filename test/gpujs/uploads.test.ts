/**
 * Host planes that are the same on every call are uploaded once in gpu.js's GL modes
 * (kernels/gpujs/backend.ts `constant`, `keyed`, `unused`): a projection with a one-off
 * per-tensor scale uploads nothing the second time, and a plane `keyed` evicts still reads right
 * in the runs queued before (engine/NUMERICS.md §16: results checked as ever).
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, linear, tensor, type Backend } from '../../lib/index.js';
import type { GpujsBackend } from '../../kernels/gpujs/backend.js';

const COPY = { name: 'test.copy', source: 'function (a) { return a[this.thread.x]; }' };

function project(be: Backend, a = tensor(be, Int8Array.from({ length: 24 }, (_, i) => 5 * i - 60), [3, 8]), b = tensor(be, Int8Array.from({ length: 16 }, (_, i) => 7 - i), [8, 2])) {
  // A fresh, unfrozen scale object every call, as attention's P·V gets.
  return { a, b, y: linear(a, b, { multiplier: 1_500_000_000, shift: 33 }, 'int8') };
}

describe('gpujs-headlessgl uploads', () => {
  it('a one-off per-tensor scale is uploaded once, by its values', async () => {
    const g = (await getBackend('gpujs-headlessgl')) as GpujsBackend;
    const { a, b, y: first } = project(g);
    const before = g.deviceStats.uploads;
    const { y: again } = project(g, a, b);
    expect(g.deviceStats.uploads).toBe(before);
    const want = Array.from(await project(await getBackend('cpu')).y.data());
    expect(Array.from(await again.data())).toEqual(want);
    expect(Array.from(await first.data())).toEqual(want);
  });

  it('planes evicted from the keyed cache still read right in runs queued before', async () => {
    const g = (await getBackend('gpujs-headlessgl')) as GpujsBackend;
    const outs = Array.from({ length: 300 }, (_, i) => g.dispatch(COPY, 2, [g.keyed(`test.evict:${i}`, () => new Float32Array([i, -i]))]));
    outs.forEach((p, i) => expect(Array.from(g.toHost(p))).toEqual([i, -i]));
  });
});
