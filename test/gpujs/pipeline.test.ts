/**
 * gpujs-headlessgl keeps tensors on the GPU between ops (kernels/gpujs/backend.ts, storage.ts):
 * results stay gpu.js textures until the engine reads them, a texture never changes after it was
 * made (gpu.js would otherwise render the next run of the same kernel into it), and what comes
 * back is still checked to be in-range integers (engine/NUMERICS.md §16 G7). gpujs-webasm has no
 * device memory and stays host-resident. Byte equality with cpu is the conformance suite's job.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/gpujs/index.js';
import { add, getBackend, tensor } from '../../lib/index.js';
import { BackendError } from '../../engine/errors.js';
import type { GpujsBackend } from '../../kernels/gpujs/backend.js';
import { GpujsStorage, isTexture } from '../../kernels/gpujs/storage.js';

const INC = { name: 'test.inc', source: 'function (a, k) { return a[this.thread.x] + k; }' };

describe('gpujs-headlessgl pipeline', () => {
  it('a texture a kernel returned keeps its values through later runs of the same kernel', async () => {
    const g = (await getBackend('gpujs-headlessgl')) as GpujsBackend;
    const first = g.dispatch(INC, 5, [new Float32Array([1, 2, 3, 4, 5]), 10]);
    const second = g.dispatch(INC, 5, [first, 100]);
    const third = g.dispatch(INC, 5, [new Float32Array([7, 7, 7, 7, 7]), 1]);
    const resized = g.dispatch(INC, 3, [second, 1000]);
    expect(isTexture(first)).toBe(true);
    expect(Array.from(g.toHost(third))).toEqual([8, 8, 8, 8, 8]);
    expect(Array.from(g.toHost(resized))).toEqual([1111, 1112, 1113]);
    expect(Array.from(g.toHost(second))).toEqual([111, 112, 113, 114, 115]);
    expect(Array.from(g.toHost(first))).toEqual([11, 12, 13, 14, 15]);
  });

  it('op results stay on the GPU until read, and earlier results are unchanged by later ops', async () => {
    const g = (await getBackend('gpujs-headlessgl')) as GpujsBackend;
    const a = tensor(g, new Int16Array([1, -2, 300, 4000]), [4]);
    const b = tensor(g, new Int16Array([5, 6, -7, 8]), [4]);
    const before = g.deviceStats;
    const x = add(a, b);
    const y = add(x, b);
    const z = add(a, a);
    expect(x.storage).toBeInstanceOf(GpujsStorage);
    expect(isTexture((x.storage as GpujsStorage).texture)).toBe(true);
    expect(g.deviceStats.reads).toBe(before.reads);
    expect(Array.from(await z.data())).toEqual([2, -4, 600, 8000]);
    expect(Array.from(await y.data())).toEqual([11, 10, 286, 4016]);
    expect(Array.from(await x.data())).toEqual([6, 4, 293, 4008]);
    expect(g.deviceStats.reads).toBe(before.reads + 3);
    for (const t of [a, b, x, y, z]) t.dispose();
  });

  it('a texture holding a value that is not an in-range integer fails loudly when read (§16 G7)', async () => {
    const g = (await getBackend('gpujs-headlessgl')) as GpujsBackend;
    const half = g.result('test.half', g.dispatch(INC, 2, [new Float32Array([1, 2]), 0.5]), 'int16', 2);
    expect(() => g.readSync(half, 'int16', 2)).toThrow(BackendError);
    expect(() => g.readSync(half, 'int16', 2)).toThrow(/lost float32 integer precision/);
    const wide = g.result('test.wide', g.dispatch(INC, 2, [new Float32Array([1, 2]), 40000]), 'int16', 2);
    expect(() => g.readSync(wide, 'int16', 2)).toThrow(/not a int16/);
  });
});

describe('gpujs-webasm', () => {
  it('has no device memory: results are host arrays, checked when made', async () => {
    const g = (await getBackend('gpujs-webasm')) as GpujsBackend;
    expect(g.pipeline).toBe(false);
    const x = add(tensor(g, new Int8Array([1, 2]), [2]), tensor(g, new Int8Array([3, 4]), [2]));
    expect((x.storage as GpujsStorage).texture).toBeUndefined();
    expect(Array.from((x.storage as GpujsStorage).host!)).toEqual([4, 6]);
  });
});
