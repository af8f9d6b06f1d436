/**
 * gpu.js Linear (kernels/gpujs/linear.ts, engine/NUMERICS.md §5.1): requantize and the residual
 * add are done by the matmul's fold, so a projection costs the matmul's runs and no more, and a
 * model's frozen scales are uploaded once. Byte equality with cpu on every case is the
 * conformance suite's job; here the run counts, with results checked against cpu as well.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, linear, tensor, type Backend, type Dyadic } from '../../lib/index.js';
import type { GpujsBackend } from '../../kernels/gpujs/backend.js';

// Frozen, as a model's scales are: the op layer marks their attrs `reused`.
const SCALES: readonly Dyadic[] = Object.freeze([3, 5, 7, 9].map((m, i) => Object.freeze({ multiplier: 1_000_000_000 + m, shift: 36 + i })));

function inputs(be: Backend) {
  const a = tensor(be, Int8Array.from({ length: 2 * 40 }, (_, i) => ((i * 37) % 255) - 127), [2, 40]);
  const b = tensor(be, Int8Array.from({ length: 40 * 4 }, (_, i) => ((i * 91) % 255) - 127), [40, 4]);
  const bias = tensor(be, Int32Array.from([70_000, -3, 1 << 20, -(1 << 21)]), [4]);
  const residual = tensor(be, Int16Array.from([32_000, -32_000, 5, -5, 0, 1, -1, 32_767]), [2, 4]);
  return { a, b, bias, residual };
}

async function onCpu(): Promise<number[]> {
  const { a, b, bias, residual } = inputs(await getBackend('cpu'));
  return Array.from(await linear(a, b, SCALES, 'int16', { bias, residual }).data());
}

describe('gpujs Linear', () => {
  it('headlessgl: pack A, chunk sums and the fused fold, nothing uploaded once the operands are on the GPU', async () => {
    const g = (await getBackend('gpujs-headlessgl')) as GpujsBackend;
    const { a, b, bias, residual } = inputs(g);
    const first = linear(a, b, SCALES, 'int16', { bias, residual });
    const before = g.deviceStats;
    const again = linear(a, b, SCALES, 'int16', { bias, residual });
    const after = g.deviceStats;
    expect(after.dispatches - before.dispatches).toBe(3);
    expect(after.uploads - before.uploads).toBe(0);
    const want = await onCpu();
    expect(Array.from(await again.data())).toEqual(want);
    expect(Array.from(await first.data())).toEqual(want);
  });

  it('webasm: chunk sums and the fused fold', async () => {
    const g = (await getBackend('gpujs-webasm')) as GpujsBackend;
    const { a, b, bias, residual } = inputs(g);
    linear(a, b, SCALES, 'int16', { bias, residual });
    const before = g.deviceStats;
    const y = linear(a, b, SCALES, 'int16', { bias, residual });
    expect(g.deviceStats.dispatches - before.dispatches).toBe(2);
    expect(Array.from(await y.data())).toEqual(await onCpu());
  });

  // 2100 rows × 2048 columns: matmul's int32 limbs would pass 2^23 floats, so matmul.ts plans
  // row blocks and Linear runs by parts (MatMul, Requantize, Add), which must give the same bytes.
  it.each(['gpujs-headlessgl', 'gpujs-webasm'])('%s: a product of several tiles runs by parts, byte for byte as cpu', async (name) => {
    const make = (be: Backend) => {
      const a = tensor(be, Int8Array.from({ length: 2100 * 3 }, (_, i) => ((i * 29) % 255) - 127), [2100, 3]);
      const b = tensor(be, Int8Array.from({ length: 3 * 2048 }, (_, i) => ((i * 53) % 255) - 127), [3, 2048]);
      const residual = tensor(be, Int8Array.from({ length: 2100 * 2048 }, (_, i) => ((i * 11) % 255) - 127), [2100, 2048]);
      return linear(a, b, { multiplier: 1 << 30, shift: 38 }, 'int8', { residual });
    };
    const want = await make(await getBackend('cpu')).data();
    const got = await make(await getBackend(name)).data();
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
  });
});
