/** Backend and kernel registries (engine/backend.ts, engine/kernel_registry.ts, NUMERICS.md §0.2). */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { CPU_KERNELS } from '../../kernels/cpu/index.js';
import {
  BackendError,
  KERNEL_NAMES,
  NoKernelError,
  Tensor,
  add,
  argmax,
  cast,
  causalMask,
  concat,
  dequantize,
  expNeg,
  gather,
  getBackend,
  getKernel,
  isqrt,
  layerNorm,
  listBackends,
  listKernels,
  lut,
  linear,
  matmul,
  mul,
  quantize,
  registerBackend,
  registerKernel,
  relu,
  requantize,
  reshape,
  rmsNorm,
  rope,
  sample,
  slice,
  softmax,
  tensor,
  transpose,
  type Dyadic,
  type KernelFunc,
} from '../../lib/index.js';
import { expectSpmlError, rejected, thrown } from './expect_error.js';
import { hostBackend, registerEmpty } from './test_backends.js';

const ONE: Dyadic = { multiplier: 1 << 30, shift: 30 };
const noop: KernelFunc = () => new Int32Array(0);

describe('kernel registry', () => {
  it('listKernels(cpu) holds every op kernel of the spec, and nothing else', () => {
    const expected = [...KERNEL_NAMES].sort();
    expect(listKernels('cpu')).toEqual(expected);
    expect(Object.keys(CPU_KERNELS).sort()).toEqual(expected);
    for (const name of KERNEL_NAMES) expect(getKernel('cpu', name).kernelFunc).toBe(CPU_KERNELS[name]);
  });

  it('listKernels of an unknown backend is empty, and sorted for a known one', () => {
    expect(listKernels('no-such-backend')).toEqual([]);
    registerKernel({ kernelName: 'Zeta', backendName: 'sorted-test', kernelFunc: noop });
    registerKernel({ kernelName: 'Alpha', backendName: 'sorted-test', kernelFunc: noop });
    expect(listKernels('sorted-test')).toEqual(['Alpha', 'Zeta']);
  });

  it('registering the same (backend, kernel) twice throws BackendError and keeps the first', () => {
    const first: KernelFunc = () => new Int8Array(1);
    registerKernel({ kernelName: 'Twice', backendName: 'dup-test', kernelFunc: first });
    const e = thrown(() => registerKernel({ kernelName: 'Twice', backendName: 'dup-test', kernelFunc: noop }));
    expectSpmlError(e, BackendError, 'registerKernel', ["'Twice'", "'dup-test'", 'already registered']);
    expect(getKernel('dup-test', 'Twice').kernelFunc).toBe(first);
    // The same kernel name on another backend is a different pair and is fine.
    registerKernel({ kernelName: 'Twice', backendName: 'dup-test-2', kernelFunc: noop });
    expect(getKernel('dup-test-2', 'Twice').kernelFunc).toBe(noop);
  });

  it('registering a cpu kernel again throws', () => {
    const e = thrown(() => registerKernel({ kernelName: 'MatMul', backendName: 'cpu', kernelFunc: noop }));
    expectSpmlError(e, BackendError, 'registerKernel', ["'MatMul'", "'cpu'"]);
    expect(getKernel('cpu', 'MatMul').kernelFunc).toBe(CPU_KERNELS.MatMul);
  });

  it('getKernel of a missing kernel throws NoKernelError naming kernel and backend', () => {
    const e = thrown(() => getKernel('cpu', 'Frobnicate'));
    expectSpmlError(e, NoKernelError, 'Frobnicate', ["'Frobnicate'", "'cpu'"]);
  });
});

describe('backend registry', () => {
  it('registering the same backend name twice throws BackendError and keeps the first factory', async () => {
    const first = hostBackend('twice');
    registerBackend('twice', () => first);
    const e = thrown(() => registerBackend('twice', () => hostBackend('twice')));
    expectSpmlError(e, BackendError, 'registerBackend', ["'twice'", 'already registered']);
    expect(await getBackend('twice')).toBe(first);
    expect(listBackends().filter((n) => n === 'twice')).toEqual(['twice']);
    expectSpmlError(thrown(() => registerBackend('cpu', () => hostBackend('cpu'))), BackendError, 'registerBackend', ["'cpu'"]);
  });

  it("getBackend('nope') rejects with BackendError listing the registered backends", async () => {
    registerBackend('listed-a', () => hostBackend('listed-a'));
    const e = await rejected(() => getBackend('nope'));
    expectSpmlError(e, BackendError, 'getBackend', ["'nope'", 'registered:', 'cpu', 'listed-a']);
    const err = e as BackendError;
    for (const name of listBackends()) expect(err.message).toContain(name);
  });

  it('getBackend starts a backend once and shares the instance', async () => {
    let starts = 0;
    registerBackend('counted', () => {
      starts++;
      return hostBackend('counted');
    });
    const [a, b] = await Promise.all([getBackend('counted'), getBackend('counted')]);
    expect(a).toBe(b);
    expect(await getBackend('counted')).toBe(a);
    expect(starts).toBe(1);
  });

  it('a factory that throws is not cached: the next call retries', async () => {
    let calls = 0;
    registerBackend('flaky', () => {
      calls++;
      if (calls === 1) throw new BackendError('flaky', 'driver missing');
      return hostBackend('flaky');
    });
    const e = await rejected(() => getBackend('flaky'));
    expectSpmlError(e, BackendError, 'flaky', ['driver missing']);
    const b = await getBackend('flaky');
    expect(b.name).toBe('flaky');
    expect(calls).toBe(2);
    expect(await getBackend('flaky')).toBe(b);
    expect(calls).toBe(2);
  });

  it('an async factory that rejects is not cached either', async () => {
    let calls = 0;
    registerBackend('flaky-async', async () => {
      calls++;
      if (calls < 3) throw new BackendError('flaky-async', `attempt ${calls}`);
      return hostBackend('flaky-async');
    });
    expectSpmlError(await rejected(() => getBackend('flaky-async')), BackendError, 'flaky-async', ['attempt 1']);
    expectSpmlError(await rejected(() => getBackend('flaky-async')), BackendError, 'flaky-async', ['attempt 2']);
    expect((await getBackend('flaky-async')).name).toBe('flaky-async');
    expect(calls).toBe(3);
  });

  it('dataSync on a backend without synchronous reads throws BackendError', async () => {
    const inner = hostBackend('async-only');
    registerBackend('async-only', () => ({
      name: 'async-only',
      description: 'no readSync',
      upload: inner.upload,
      read: inner.read,
      dispose: inner.dispose,
    }));
    const b = await getBackend('async-only');
    const t = tensor(b, [1, -2], [2], 'int8');
    expectSpmlError(thrown(() => t.dataSync()), BackendError, 'dataSync', ["'async-only'", 'await tensor.data()']);
    expect(await t.data()).toEqual(new Int8Array([1, -2]));
  });
});

const empty = await registerEmpty('empty');

describe('an op on a backend without its kernel', () => {
  const rnd = (dtype: 'int8' | 'int16' | 'int32', shape: number[]) =>
    tensor(empty, new Array<number>(shape.reduce((a, b) => a * b, 1)).fill(1), shape, dtype);
  const x8 = rnd('int8', [2, 4]);
  const x32 = rnd('int32', [2, 4]);
  const cases: [kernel: string, run: () => unknown][] = [
    ['MatMul', () => matmul(x8, rnd('int8', [4, 3]))],
    ['Requantize', () => requantize(x32, ONE, 'int8')],
    ['Linear', () => linear(x8, rnd('int8', [4, 3]), ONE, 'int8')],
    ['Add', () => add(x8, x8)],
    ['Mul', () => mul(x8, x8)],
    ['Relu', () => relu(x8)],
    ['Cast', () => cast(x8, 'int32')],
    ['Isqrt', () => isqrt(x32)],
    ['Lut', () => lut(x8, rnd('int8', [256]))],
    ['ExpNeg', () => expNeg(x32, ONE)],
    ['Softmax', () => softmax(x32, ONE)],
    ['CausalMask', () => causalMask(x32)],
    ['LayerNorm', () => layerNorm(x8, rnd('int16', [4]), { eps: 1, scale: ONE, outDtype: 'int8' })],
    ['RmsNorm', () => rmsNorm(x8, rnd('int16', [4]), { eps: 1, scale: ONE, outDtype: 'int8' })],
    ['Gather', () => gather(x8, [1])],
    ['Rope', () => rope(rnd('int16', [2, 4]), rnd('int16', [2, 2]), rnd('int16', [2, 2]))],
    ['Argmax', () => argmax(x32)],
    ['Sample', () => sample(x32, { scale: ONE, seed: 1, step: 1 })],
    ['Transpose', () => transpose(x8, [1, 0])],
    ['Slice', () => slice(x8, [0, 0], [1, 1])],
    ['Concat', () => concat([x8, x8], 0)],
  ];

  it('has no kernels registered', () => {
    expect(listKernels('empty')).toEqual([]);
    expect(listBackends()).toContain('empty');
  });

  for (const [kernel, run] of cases) {
    it(`${kernel} throws NoKernelError naming the kernel and 'empty'`, () => {
      expectSpmlError(thrown(run), NoKernelError, kernel, [`'${kernel}'`, "'empty'"]);
    });
  }

  it('every cpu kernel is exercised above', () => {
    expect(cases.map(([k]) => k).sort()).toEqual(listKernels('cpu'));
  });

  it('ops without a kernel (reshape, quantize, dequantize) still work there', async () => {
    const r = reshape(x8, [8]);
    expect(r).toBeInstanceOf(Tensor);
    expect(r.backend).toBe(empty);
    const q = quantize(empty, [0.5, -1.25], [2], 'int8', { multiplier: 1, shift: 2 });
    expect(q.dataSync()).toEqual(new Int8Array([2, -5]));
    expect(await dequantize(q)).toEqual(new Float64Array([0.5, -1.25]));
  });
});
