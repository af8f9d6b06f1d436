/**
 * The wasm backend on 1, 2 and 3 threads gives the bytes cpu gives (engine/NUMERICS.md §5:
 * matmul rows are independent, so splitting them across threads cannot change a bit): the
 * shipped models' output hashes and trace roots, and matmuls whose row count is not a multiple
 * of the thread count (int8 and int16 A, with and without bias, batched, transposed B). Also: a
 * job posted the moment the workers are ready is never missed (a child process, so that a
 * deadlock fails the test instead of hanging it).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, generate, getBackend, loadModel, matmul, registerBackend, registerKernels, tensor, type Backend } from '../../lib/index.js';
import { createWasmBackend, WASM_KERNELS, WasmBackend } from '../../kernels/wasm/index.js';
import { WasmThreadPool } from '../../kernels/wasm/threads.js';
import { loadMnist } from '../../tools/data/mnist.js';

const THREADS = [1, 2, 3] as const;
const NAMES = THREADS.map((t) => `wasm-t${t}`);
for (const [i, t] of THREADS.entries()) {
  registerBackend(NAMES[i]!, () => createWasmBackend({ threads: t, name: NAMES[i] }));
  registerKernels(NAMES[i]!, WASM_KERNELS);
}
const BACKENDS = ['cpu', ...NAMES];

/** A seeded xorshift32, so the operands are the same on every run. */
function ints(count: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: count }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return lo + (s % (hi - lo + 1));
  });
}

afterAll(async () => {
  for (const name of NAMES) ((await getBackend(name)) as WasmBackend).shutdown();
});

describe('wasm threads', () => {
  it('each backend runs on the threads it was asked for and says so', async () => {
    for (const [i, t] of THREADS.entries()) {
      const be = (await getBackend(NAMES[i]!)) as WasmBackend;
      expect(be.name).toBe(NAMES[i]);
      expect(be.threads).toBe(t);
      expect(be.description).toMatch(t === 1 ? /, 1 thread$/ : new RegExp(`, ${t} threads$`));
      expect(be.pool?.threads).toBe(t === 1 ? undefined : t);
    }
  });

  describe('matmul with rows not divisible by the thread count is byte-identical to cpu', () => {
    const M = 7, K = 300, N = 301, BATCH = 3;
    const cases = [
      { label: 'int8 A', dtype: 'int8' as const, bias: false, batched: false, transposeB: false },
      { label: 'int8 A, bias', dtype: 'int8' as const, bias: true, batched: false, transposeB: false },
      { label: 'int16 A', dtype: 'int16' as const, bias: false, batched: false, transposeB: false },
      { label: 'int16 A, bias', dtype: 'int16' as const, bias: true, batched: false, transposeB: false },
      { label: 'int8 A, batched A and B', dtype: 'int8' as const, bias: true, batched: true, transposeB: false },
      { label: 'int16 A, batched A, shared B', dtype: 'int16' as const, bias: false, batched: 'a' as const, transposeB: false },
      { label: 'int16 A, batched, transposed B, bias', dtype: 'int16' as const, bias: true, batched: true, transposeB: true },
    ];
    it.each(cases)('$label: [$dtype] 7×300×301', async ({ dtype, bias, batched, transposeB }) => {
      const batch = batched ? BATCH : 1;
      const aShape = batched ? [batch, M, K] : [M, K];
      const bBatch = batched === true ? batch : 1;
      const bDims = transposeB ? [N, K] : [K, N];
      const bShape = batched === true ? [bBatch, ...bDims] : bDims;
      const [lo, hi] = dtype === 'int8' ? [-128, 127] : [-32768, 32767];
      const aData = ints(batch * M * K, lo, hi, 11);
      const bData = ints(bBatch * K * N, -128, 127, 23);
      const biasData = ints(N, -(2 ** 30), 2 ** 30, 37);
      const results: Int32Array[] = [];
      for (const name of BACKENDS) {
        const be: Backend = await getBackend(name);
        const a = tensor(be, aData, aShape, dtype);
        const b = tensor(be, bData, bShape, 'int8');
        const c = matmul(a, b, { transposeB, bias: bias ? tensor(be, biasData, [N], 'int32') : undefined });
        results.push((await c.data()) as Int32Array);
      }
      for (let i = 1; i < results.length; i++) {
        expect(Buffer.from(results[i]!.buffer).equals(Buffer.from(results[0]!.buffer)), `${BACKENDS[i]} differs from cpu`).toBe(true);
      }
    });

    it('splits every row count from 1 to 9 over 3 threads, like one thread', async () => {
      for (let m = 1; m <= 9; m++) {
        const aData = ints(m * 33, -32768, 32767, m);
        const bData = ints(33 * 10, -128, 127, 100 + m);
        const out: string[] = [];
        for (const name of ['cpu', 'wasm-t3']) {
          const be = await getBackend(name);
          const c = matmul(tensor(be, aData, [m, 33], 'int16'), tensor(be, bData, [33, 10], 'int8'));
          out.push(Buffer.from(((await c.data()) as Int32Array).buffer).toString('hex'));
        }
        expect(out[1], `m = ${m}`).toBe(out[0]);
      }
    });
  });

  describe('the shipped models give the same hashes and trace roots on 1, 2 and 3 threads and on cpu', () => {
    const images = 8;
    const runs: Record<string, Record<string, { output: string; trace: string; text?: string }>> = {};
    beforeAll(async () => {
      const mnist = loadMnist('test').images.subarray(0, images * 784);
      for (const backend of BACKENDS) {
        const moby = await generate(await loadModel('moby-gpt', { backend }), 'Call me Ishmael. ', { maxTokens: 8, seed: 42n, temperature: 0.8, trace: true });
        const stories = await generate(await loadModel('stories260k', { backend }), 'Once upon a time', { maxTokens: 12, seed: 7n, temperature: 0.8, trace: true });
        const digits = await classify(await loadModel('mnist-mlp', { backend }), mnist, images);
        expect(moby.backend).toBe(backend);
        runs[backend] = {
          'moby-gpt': { output: moby.outputHash, trace: moby.traceRoot, text: moby.completion },
          stories260k: { output: stories.outputHash, trace: stories.traceRoot, text: stories.completion },
          'mnist-mlp': { output: digits.outputHash, trace: digits.traceRoot },
        };
      }
    }, 120_000);

    it.each(NAMES.flatMap((name) => ['moby-gpt', 'stories260k', 'mnist-mlp'].map((model) => [name, model] as const)))('%s: %s', (name, model) => {
      expect(runs.cpu![model]!.trace).toMatch(/^[0-9a-f]{64}$/);
      expect(runs[name]![model]).toEqual(runs.cpu![model]);
    });
  });

  it('runs a matmul at once after start, ten times over, without missing a job', () => {
    // A worker that read its job number after saying ready would miss a job posted in between,
    // and both threads would wait for ever; this caught that order every time.
    const index = fileURLToPath(new URL('../../kernels/wasm/index.ts', import.meta.url));
    const script = `
      const { createWasmBackend } = await import(${JSON.stringify(index)});
      for (let i = 0; i < 10; i++) {
        const be = await createWasmBackend({ threads: 3, name: 'stress' });
        const a = be.heap.alloc(64), b = be.heap.alloc(64), c = be.heap.alloc(256);
        be.pool.splitRows(be.wasm, 'matmul', [a.ptr, 1, b.ptr, 0, c.ptr, 1, 3, 8, 2, 0], 3);
        be.shutdown();
      }
      console.log('done');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, `timed out: a job was missed\n${r.stderr}`).toBeNull();
    expect(r.stdout.trim(), r.stderr).toBe('done');
  }, 90_000);

  it('a pool that was shut down refuses work', async () => {
    const be = await createWasmBackend({ threads: 2, name: 'wasm-closed' });
    expect(be.pool).toBeInstanceOf(WasmThreadPool);
    be.shutdown();
    expect(() => be.pool!.splitRows(be.wasm, 'matmul', [0, 1, 0, 0, 0, 1, 2, 1, 1, 0], 2)).toThrow(/shut down/);
  });
});
