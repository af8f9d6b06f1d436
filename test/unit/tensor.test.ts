/** Tensor semantics (engine/tensor.ts): immutability through copies, reshape, dispose. */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { BackendError, MASKED, ShapeError, Tensor, causalMask, getBackend, relu, reshape, shapeSize, slice, tensor, transpose, type Dyadic } from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectSpmlError, rejected, thrown } from './expect_error.js';

const cpu = await getBackend('cpu');
const rng = new Rng(0x7e5);

describe('tensor()', () => {
  it('infers the dtype from a typed array and records shape, size, rank and scale', () => {
    const scale: Dyadic = { multiplier: 3, shift: 5 };
    const t = tensor(cpu, new Int16Array([1, 2, 3, 4, 5, 6]), [2, 3], undefined, scale);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.dtype).toBe('int16');
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.scale).toEqual(scale);
    expect(t.backend).toBe(cpu);
    const s = tensor(cpu, [-7], [], 'int32');
    expect([s.rank, s.size]).toEqual([0, 1]);
    const z = tensor(cpu, [], [3, 0], 'int8');
    expect([z.size, z.dataSync().length]).toEqual([0, 0]);
  });

  it('mutating the input array afterwards does not change the tensor', () => {
    const typed = new Int8Array(rng.ints(8, -128, 127));
    const keep = typed.slice();
    const a = tensor(cpu, typed, [8]);
    typed.fill(0);
    expect(a.dataSync()).toEqual(keep);

    const plain = rng.ints(6, -32768, 32767);
    const keepPlain = Int16Array.from(plain);
    const b = tensor(cpu, plain, [2, 3], 'int16');
    plain[0] = 0;
    plain.length = 0;
    expect(b.dataSync()).toEqual(keepPlain);

    const shape = [2, 3];
    const c = tensor(cpu, keepPlain, shape);
    shape[0] = 6;
    shape[1] = 1;
    expect(c.shape).toEqual([2, 3]);
  });

  it('data() and dataSync() return fresh copies', async () => {
    const values = new Int32Array([1, -2, 2 ** 31 - 1, -(2 ** 31)]);
    const t = tensor(cpu, values, [2, 2]);
    const d1 = t.dataSync();
    const d2 = t.dataSync();
    expect(d1).not.toBe(d2);
    d1.fill(42);
    const a1 = await t.data();
    expect(a1).toEqual(values);
    a1[0] = 7;
    expect(await t.data()).toEqual(values);
    expect(t.dataSync()).toEqual(values);
    expect(a1).toBeInstanceOf(Int32Array);
  });

  it('ops never write into their inputs', () => {
    const t = tensor(cpu, [-3, 4, -5, 6], [4], 'int8');
    const r = relu(t);
    expect(r.dataSync()).toEqual(new Int8Array([0, 4, 0, 6]));
    expect(t.dataSync()).toEqual(new Int8Array([-3, 4, -5, 6]));
  });
});

describe('reshape', () => {
  it('shares the storage, keeps dtype and scale, and changes only the shape', () => {
    const scale: Dyadic = { multiplier: 1, shift: 3 };
    const x = tensor(cpu, new Int16Array(rng.ints(12, -32768, 32767)), [3, 4], undefined, scale);
    const r = reshape(x, [2, 2, 3]);
    expect(r.storage).toBe(x.storage);
    expect(r.shape).toEqual([2, 2, 3]);
    expect(x.shape).toEqual([3, 4]);
    expect(r.dtype).toBe('int16');
    expect(r.scale).toEqual(scale);
    expect(r.dataSync()).toEqual(x.dataSync());
    expect(reshape(r, [12]).dataSync()).toEqual(x.dataSync());
    expect(reshape(tensor(cpu, [5], [1, 1], 'int8'), []).shape).toEqual([]);
  });

  it('copies the shape it is given', () => {
    const shape = [4, 3];
    const r = reshape(tensor(cpu, new Int8Array(12), [12]), shape);
    shape[0] = 1;
    expect(r.shape).toEqual([4, 3]);
  });

  it('checks that the size is kept', () => {
    const x = tensor(cpu, new Int8Array(6), [2, 3]);
    for (const shape of [[7], [5], [2, 2], [6, 0], []]) {
      const e = thrown(() => reshape(x, shape));
      expectSpmlError(e, ShapeError, 'reshape', ['[2, 3]', `[${shape.join(', ')}]`]);
    }
    expect(shapeSize([2, 3])).toBe(6);
    expect(shapeSize([])).toBe(1);
  });
});

describe('transpose of axes of length 1', () => {
  it('is a view when the longer axes keep their order, and a copy by the kernel otherwise', () => {
    const x = tensor(cpu, new Int8Array(rng.ints(12, -128, 127)), [1, 3, 4]);
    const heads = transpose(x, [1, 0, 2]);
    expect(heads.shape).toEqual([3, 1, 4]);
    expect(heads.storage).toBe(x.storage);
    expect(heads.dataSync()).toEqual(x.dataSync());
    const swapped = transpose(x, [0, 2, 1]);
    expect(swapped.storage).not.toBe(x.storage);
    expect(swapped.dataSync()).toEqual(Int8Array.from({ length: 12 }, (_, i) => x.dataSync()[(i % 3) * 4 + Math.floor(i / 3)]!));
    // Disposing the view leaves x's storage alive for x.
    heads.dispose();
    expect(x.dataSync().length).toBe(12);
  });
});

describe('causalMask with nothing to mask', () => {
  it('is a view when every key is at or before its query (offset >= S - 1), and masks otherwise', () => {
    const scores = tensor(cpu, new Int32Array([5, -6, 7, 8, 9, -10]), [2, 1, 3]);
    const decode = causalMask(scores, 2);
    expect(decode.storage).toBe(scores.storage);
    expect(decode.dataSync()).toEqual(scores.dataSync());
    const masked = causalMask(scores, 1);
    expect(masked.storage).not.toBe(scores.storage);
    expect(masked.dataSync()).toEqual(new Int32Array([5, -6, MASKED, 8, 9, MASKED]));
  });
});

describe('slice of the whole tensor', () => {
  it('is a view, and any smaller slice a copy by the kernel', () => {
    const x = tensor(cpu, new Int16Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const whole = slice(x, [0, 0], [2, 3]);
    expect(whole.storage).toBe(x.storage);
    expect(whole.dataSync()).toEqual(x.dataSync());
    const row = slice(x, [1, 0], [1, 3]);
    expect(row.storage).not.toBe(x.storage);
    expect(row.dataSync()).toEqual(new Int16Array([4, 5, 6]));
  });
});

describe('dispose', () => {
  it('then any use throws BackendError', async () => {
    const t = tensor(cpu, [1, 2, 3], [3], 'int8');
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    t.dispose(); // idempotent
    expectSpmlError(thrown(() => t.dataSync()), BackendError, 'dataSync', ['disposed']);
    expectSpmlError(await rejected(() => t.data()), BackendError, 'data', ['disposed']);
    expectSpmlError(thrown(() => relu(t)), BackendError, 'relu', ['disposed']);
    expectSpmlError(thrown(() => reshape(t, [3, 1])), BackendError, 'reshape', ['disposed']);
  });

  it('of one tensor leaves others alone', () => {
    const a = tensor(cpu, [1, 2], [2], 'int8');
    const b = relu(a);
    a.dispose();
    expect(b.dataSync()).toEqual(new Int8Array([1, 2]));
  });

  it('calls the backend dispose exactly once', async () => {
    let disposed = 0;
    const t = tensor(
      {
        ...cpu,
        name: cpu.name,
        upload: (d, x) => cpu.upload(d, x),
        read: (s, d, n) => cpu.read(s, d, n),
        dispose: () => {
          disposed++;
        },
      },
      [1],
      [1],
      'int8',
    );
    t.dispose();
    t.dispose();
    expect(disposed).toBe(1);
  });
});
