/**
 * Key/value cache planes that grow in place (kernels/webgpu/kv_rows.ts): concat([cache, rows], 1)
 * writes only the new rows into room after the cache, and every tensor on the buffer keeps its
 * own rows. Checked against cpu: an append to a cache that was appended to before (a branch), a
 * disposed older plane, a view with another shape, matmul reading a plane where it lies in both
 * orientations, growth past the room, and room capped by the device's binding size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/webgpu/index.js';
import { WebGpuBackend } from '../../kernels/webgpu/index.js';
import { RowsWithRoom } from '../../kernels/webgpu/kv_rows.js';
import { concat, getBackend, matmul, reshape, tensor, type Backend, type Tensor } from '../../lib/index.js';

const HEADS = 3;
const D = 4;

let gpu: WebGpuBackend;
let cpu: Backend;

beforeAll(async () => {
  const b = await getBackend('webgpu');
  if (!(b instanceof WebGpuBackend)) throw new Error(`webgpu registered ${b.constructor.name}`);
  gpu = b;
  cpu = await getBackend('cpu');
});

/** Rows [HEADS, t, D] whose values say which rows they are (`tag`), int8. */
function rows(be: Backend, t: number, tag: number): Tensor {
  return tensor(be, Int8Array.from({ length: HEADS * t * D }, (_, i) => ((tag * 37 + i * 11) % 251) - 125), [HEADS, t, D], 'int8');
}

/** The same appends on cpu: what every webgpu plane must read. */
async function expected(steps: readonly [number, number][]): Promise<Int8Array> {
  let c = rows(cpu, steps[0]![0], steps[0]![1]);
  for (const [t, tag] of steps.slice(1)) c = concat([c, rows(cpu, t, tag)], 1);
  return (await c.data()) as Int8Array;
}

describe('webgpu key/value planes with room', () => {
  it('appends in place and keeps every older plane its own rows', async () => {
    const c1 = concat([rows(gpu, 5, 1), rows(gpu, 1, 2)], 1);
    const c2 = concat([c1, rows(gpu, 1, 3)], 1);
    expect(c1.storage).toBeInstanceOf(RowsWithRoom);
    // In place: the same buffer, only the new rows written.
    expect((c2.storage as RowsWithRoom).at).toBe((c1.storage as RowsWithRoom).at);
    expect(await c2.data()).toEqual(await expected([[5, 1], [1, 2], [1, 3]]));
    expect(await c1.data()).toEqual(await expected([[5, 1], [1, 2]]));
  });

  it('copies a plane that was appended to before, so a branch never overwrites the other', async () => {
    const c1 = concat([rows(gpu, 4, 4), rows(gpu, 2, 5)], 1);
    const a = concat([c1, rows(gpu, 1, 6)], 1);
    const b = concat([c1, rows(gpu, 1, 7)], 1); // c1's room after it is a's now
    expect((b.storage as RowsWithRoom).at).not.toBe((c1.storage as RowsWithRoom).at);
    expect(await a.data()).toEqual(await expected([[4, 4], [2, 5], [1, 6]]));
    expect(await b.data()).toEqual(await expected([[4, 4], [2, 5], [1, 7]]));
  });

  it('keeps the buffer while a plane on it lives, after the older planes are disposed', async () => {
    const c1 = concat([rows(gpu, 3, 8), rows(gpu, 1, 9)], 1);
    const c2 = concat([c1, rows(gpu, 1, 10)], 1);
    c1.dispose();
    await rows(gpu, 1, 0).data(); // the submission completes: a released buffer would go back to the pool
    const others = Array.from({ length: 4 }, (_, i) => rows(gpu, 16, 100 + i)); // the buffer's size: 16 rows of room
    await Promise.all(others.map((o) => o.data()));
    // A new append reads the buffer itself (a read of c2 would be of its contiguous copy).
    const c3 = concat([c2, rows(gpu, 1, 11)], 1);
    expect((c3.storage as RowsWithRoom).at).toBe((c2.storage as RowsWithRoom).at);
    expect(await c3.data()).toEqual(await expected([[3, 8], [1, 9], [1, 10], [1, 11]]));
  });

  it('grows past its room by a copy, and reads the same through a view of another shape', async () => {
    let c = rows(gpu, 2, 11);
    const steps: [number, number][] = [[2, 11]];
    for (let s = 0; s < 40; s++) {
      const next = concat([c, rows(gpu, 1, 12 + s)], 1);
      c.dispose();
      c = next;
      steps.push([1, 12 + s]);
    }
    const want = await expected(steps);
    expect(await c.data()).toEqual(want);
    expect(await reshape(c, [HEADS * 42, D]).data()).toEqual(want);
  });

  it('makes no more room than one storage binding allows', async () => {
    // A device whose bindings hold 20 rows of 3 heads × 4 words: 12 rows would want room for 24.
    const real = gpu.device.limits;
    const own = Object.getOwnPropertyDescriptor(gpu.device, 'limits');
    const small = { maxStorageBufferBindingSize: 20 * HEADS * D * 4 };
    Object.defineProperty(gpu.device, 'limits', { configurable: true, get: () => new Proxy(real, { get: (l, k) => (k in small ? small[k as keyof typeof small] : Reflect.get(l, k)) }) });
    try {
      const c = concat([rows(gpu, 11, 70), rows(gpu, 1, 71)], 1);
      expect((c.storage as RowsWithRoom).at.room).toBe(20);
      expect(await c.data()).toEqual(await expected([[11, 70], [1, 71]]));
    } finally {
      if (own) Object.defineProperty(gpu.device, 'limits', own);
      else delete (gpu.device as { limits?: unknown }).limits;
    }
    expect(gpu.device.limits).toBe(real);
  });

  it('is read where it lies by matmul, as keys (transposed) and as values', async () => {
    const steps: [number, number][] = [[6, 60], [1, 61], [1, 62]];
    let k = rows(gpu, 6, 60);
    for (const [t, tag] of steps.slice(1)) k = concat([k, rows(gpu, t, tag)], 1);
    let kc = rows(cpu, 6, 60);
    for (const [t, tag] of steps.slice(1)) kc = concat([kc, rows(cpu, t, tag)], 1);
    const q = (be: Backend) => tensor(be, Int8Array.from({ length: HEADS * 2 * D }, (_, i) => (i * 7) % 19 - 9), [HEADS, 2, D], 'int8');
    const p = (be: Backend) => tensor(be, Int8Array.from({ length: HEADS * 2 * 8 }, (_, i) => (i * 5) % 23 - 11), [HEADS, 2, 8], 'int8');
    expect(await matmul(q(gpu), k, { transposeB: true }).data()).toEqual(await matmul(q(cpu), kc, { transposeB: true }).data());
    expect(await matmul(p(gpu), k).data()).toEqual(await matmul(p(cpu), kc).data());
  });
});
