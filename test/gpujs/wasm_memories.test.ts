/**
 * gpujs-webasm keeps a bounded number of WebAssembly memories alive (kernels/gpujs/wasm_memories.ts):
 * gpu.js makes one per kernel and size, and Chromium refuses a page more than about 125. Whatever
 * gets evicted or released, every result stays exact; the byte equality of whole models with cpu
 * is conformance's job (and the determinism bench's, in Chromium).
 */
import { afterEach, expect, it } from 'vitest';
import { BackendError } from '../../engine/errors.js';
import { GpujsBackend } from '../../kernels/gpujs/backend.js';
import { startGpujs } from '../../kernels/gpujs/runtime.js';
import { WASM_MEMORY_BUDGET } from '../../kernels/gpujs/wasm_memories.js';

const DOUBLE = { name: 'test.double', source: 'function (a) { return a[this.thread.x] * 2; }' };
const ADD = { name: 'test.add', source: 'function (a, b) { return a[this.thread.x] + b; }' };
const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i - 7);

/** The memories gpu.js really holds: every cached entry of every kernel of the instance. */
function held(gpu: unknown): number {
  const kernels = (gpu as { kernels: { _moduleCache?: Map<string, unknown> }[] }).kernels;
  return kernels.reduce((sum, k) => sum + (k._moduleCache?.size ?? 0), 0);
}

const Memory = WebAssembly.Memory;
/** Makes the next `failures` WebAssembly.Memory allocations throw as Chromium's V8 does. */
function refuseMemories(failures: number): void {
  let left = failures;
  const refusing = function (this: unknown, descriptor: WebAssembly.MemoryDescriptor) {
    if (left-- > 0) throw new RangeError('WebAssembly.Memory(): could not allocate memory');
    return new Memory(descriptor);
  };
  (WebAssembly as { Memory: unknown }).Memory = refusing;
}
afterEach(() => {
  (WebAssembly as { Memory: unknown }).Memory = Memory;
});

it(`holds at most ${WASM_MEMORY_BUDGET} memories however many sizes its kernels meet`, async () => {
  const gpu = await startGpujs('webasm');
  const backend = new GpujsBackend('webasm', gpu);
  for (let n = 1; n <= WASM_MEMORY_BUDGET; n++) {
    expect(Array.from(backend.run(DOUBLE, n, [ramp(n)]))).toEqual(Array.from(ramp(n), (x) => x * 2));
    expect(Array.from(backend.run(ADD, n, [ramp(n), 3]))).toEqual(Array.from(ramp(n), (x) => x + 3));
    expect(backend.wasmMemories!.live).toBe(Math.min(2 * n, WASM_MEMORY_BUDGET));
    expect(held(gpu)).toBe(backend.wasmMemories!.live);
  }
  // A size met again after its memory was evicted compiles again and gives the same bytes.
  expect(Array.from(backend.run(DOUBLE, 1, [ramp(1)]))).toEqual([-14]);
  expect(held(gpu)).toBe(WASM_MEMORY_BUDGET);
});

it('releases every cached memory and runs again when one cannot be allocated', async () => {
  const gpu = await startGpujs('webasm');
  const backend = new GpujsBackend('webasm', gpu);
  for (let n = 1; n <= 10; n++) backend.run(DOUBLE, n, [ramp(n)]);
  expect(held(gpu)).toBe(10);
  refuseMemories(1);
  expect(Array.from(backend.run(DOUBLE, 11, [ramp(11)]))).toEqual(Array.from(ramp(11), (x) => x * 2));
  expect(held(gpu)).toBe(1);
  expect(backend.wasmMemories!.live).toBe(1);
  expect(Array.from(backend.run(DOUBLE, 3, [ramp(3)]))).toEqual([-14, -12, -10]);
});

it('is a BackendError when not even one memory can be allocated', async () => {
  const backend = new GpujsBackend('webasm', await startGpujs('webasm'));
  refuseMemories(2);
  expect(() => backend.run(DOUBLE, 5, [ramp(5)])).toThrow(BackendError);
  // The refusal was the page's, not the kernel's: once memories come back, so does the kernel.
  expect(Array.from(backend.run(DOUBLE, 5, [ramp(5)]))).toEqual(Array.from(ramp(5), (x) => x * 2));
});
