/**
 * The tiled WebGPU matmul against cpu, byte for byte, on shapes chosen to reach every path of
 * kernels/webgpu/matmul.ts: each tile size (32, 64, 128), the untiled kernel for m < 16, edges
 * that are not multiples of a tile, and K long enough to be split into several 8192-chunks
 * (llvmpipe's loop limit, NUMERICS.md §16.3), with worst-case magnitudes so the sums wrap.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/webgpu/index.js';
import { getBackend, matmul, tensor, type Backend } from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';

let cpu: Backend;
let gpu: Backend;
beforeAll(async () => {
  cpu = await getBackend('cpu');
  gpu = await getBackend('webgpu');
});

type Shape = { batch?: number; m: number; k: number; n: number; a16?: boolean; tB?: boolean; broadcastB?: boolean; extreme?: boolean; bias?: boolean };

async function agree(s: Shape, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const bt = s.batch ?? 1;
  const aShape = s.batch ? [bt, s.m, s.k] : [s.m, s.k];
  const bRows = s.tB ? [s.n, s.k] : [s.k, s.n];
  const bShape = s.batch && !s.broadcastB ? [bt, ...bRows] : bRows;
  const aSize = aShape.reduce((x, y) => x * y, 1);
  const bSize = bShape.reduce((x, y) => x * y, 1);
  const aLo = s.a16 ? -32768 : -128;
  const aHi = s.a16 ? 32767 : 127;
  const a = s.extreme ? new Array<number>(aSize).fill(aLo) : rng.ints(aSize, aLo, aHi);
  const b = s.extreme ? new Array<number>(bSize).fill(-128) : rng.ints(bSize, -128, 127);
  const bias = s.bias ? rng.ints(s.n, -(2 ** 30), 2 ** 30) : undefined;
  const run = async (be: Backend) => {
    const out = matmul(tensor(be, a, aShape, s.a16 ? 'int16' : 'int8'), tensor(be, b, bShape, 'int8'), {
      transposeB: s.tB === true,
      ...(bias ? { bias: tensor(be, bias, [s.n], 'int32') } : {}),
    });
    return Array.from(await out.data());
  };
  const [want, got] = [await run(cpu), await run(gpu)];
  const first = got.findIndex((v, i) => v !== want[i]);
  expect(first, `first mismatch at ${first}: webgpu ${got[first]}, cpu ${want[first]}`).toBe(-1);
  expect(got.length).toBe(want.length);
}

describe('tiled webgpu matmul', () => {
  it.each<[string, Shape]>([
    ['untiled m < 16', { m: 15, k: 300, n: 70 }],
    ['32-tile edges', { m: 16, k: 77, n: 33, bias: true }],
    ['64-tile edges', { m: 65, k: 129, n: 100, tB: true }],
    ['128-tile edges', { m: 130, k: 200, n: 129, bias: true }],
    ['32-tile, K split into 3 chunks, wrapping', { m: 17, k: 20000, n: 20, a16: true, extreme: true }],
    ['64-tile, K split, transposed B', { m: 64, k: 16400, n: 64, tB: true }],
    ['128-tile, K split, int16 A with bias', { m: 128, k: 9000, n: 128, a16: true, bias: true }],
    ['batched, broadcast B', { batch: 3, m: 40, k: 50, n: 36, broadcastB: true }],
    ['batched, own B, transposed', { batch: 2, m: 33, k: 8193, n: 17, tB: true }],
  ])('%s', async (_name, shape) => {
    await agree(shape, shape.m * 31 + shape.k);
  });
});
