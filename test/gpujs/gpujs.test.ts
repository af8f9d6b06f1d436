/**
 * The gpu.js backends start in exactly the mode they name (engine/NUMERICS.md §0.2, §16 G7).
 * gpu.js falls back silently (no display → WebAssembly or plain JavaScript; a failed GL compile
 * → its cpu kernel); spml must turn each of those into a BackendError, never into a result.
 * Byte equality with cpu is conformance.test.ts's job: both backends are enrolled there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, listBackends, listKernels } from '../../lib/index.js';
import { BackendError } from '../../engine/errors.js';
import { GpujsBackend, GPUJS_MODES, startGpujs } from '../../kernels/gpujs/index.js';
import { KERNEL_CLASS, type GpujsInstance } from '../../kernels/gpujs/runtime.js';

describe.each(GPUJS_MODES.map((m) => [m]))('gpujs-%s', (mode) => {
  it('is registered with every kernel of the cpu reference', () => {
    expect(listBackends()).toContain(`gpujs-${mode}`);
    expect(listKernels(`gpujs-${mode}`)).toEqual(listKernels('cpu'));
  });

  it(`runs its kernels on gpu.js's ${KERNEL_CLASS[mode]}, not on a fallback`, async () => {
    const backend = await getBackend(`gpujs-${mode}`);
    expect(backend).toBeInstanceOf(GpujsBackend);
    expect((backend as GpujsBackend).mode).toBe(mode);
    expect(backend.description).toContain(KERNEL_CLASS[mode]);
    const doubled = (backend as GpujsBackend).run({ name: 'test.double', source: 'function (a) { return a[this.thread.x] * 2; }' }, 3, [new Float32Array([1, -2, 8388607])]);
    expect(Array.from(doubled)).toEqual([2, -4, 16777214]);
  });
});

describe('refusing to fall back', () => {
  const display = process.env.DISPLAY;
  afterEach(() => {
    if (display === undefined) delete process.env.DISPLAY;
    else process.env.DISPLAY = display;
  });

  it('headlessgl without an X display is a BackendError that says to use xvfb-run', async () => {
    delete process.env.DISPLAY;
    const started = startGpujs('headlessgl');
    await expect(started).rejects.toBeInstanceOf(BackendError);
    await expect(started).rejects.toThrow(/no X display.*xvfb-run -a/s);
  });

  it('a kernel that gpu.js ran on another kernel class is a BackendError, not a result', async () => {
    const { GPU } = (await import('gpu.js')) as unknown as { GPU: new (s: { mode: string }) => GpujsInstance };
    // What gpu.js does after a GL compile failure: the same kernel, run by its cpu kernel.
    const fallenBack = new GpujsBackend('headlessgl', new GPU({ mode: 'cpu' }));
    expect(() => fallenBack.run({ name: 'test.copy', source: 'function (a) { return a[this.thread.x]; }' }, 2, [new Float32Array([1, 2])])).toThrow(
      /ran this kernel on CPUKernel instead of HeadlessGLKernel/,
    );
  });

  it('an output past the exact float32 index range is refused before it runs', async () => {
    const backend = (await getBackend('gpujs-webasm')) as GpujsBackend;
    expect(() => backend.run({ name: 'test.copy', source: 'function (a) { return a[this.thread.x]; }' }, 2 ** 24, [new Float32Array(1)])).toThrow(BackendError);
  });
});
