/** Canonical bytes and SHA-256 of tensors (engine/hash.ts, NUMERICS.md §2.1). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import {
  DTYPE_MAX,
  DTYPE_MIN,
  ShapeError,
  bytesToHex,
  canonicalBytes,
  getBackend,
  hashData,
  hashTensor,
  tensor,
  type DType,
  type Tensor,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectSpmlError, thrown } from './expect_error.js';

const cpu = await getBackend('cpu');
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('canonical byte layout', () => {
  it('int16 [2, 3], byte by byte', () => {
    const data = new Int16Array([1, -2, 300, -32768, 32767, 0]);
    const bytes = canonicalBytes('int16', [2, 3], data);
    // prettier-ignore
    const expected = [
      0x02,                   // dtype tag: int16
      0x02,                   // rank
      0x02, 0x00, 0x00, 0x00, // dim 0 = 2, u32 LE
      0x03, 0x00, 0x00, 0x00, // dim 1 = 3
      0x01, 0x00,             // 1
      0xfe, 0xff,             // -2
      0x2c, 0x01,             // 300 = 0x012c
      0x00, 0x80,             // -32768
      0xff, 0x7f,             // 32767
      0x00, 0x00,             // 0
    ];
    expect([...bytes]).toEqual(expected);
  });

  it('int8 and int32 layouts, and a dimension above 255', () => {
    expect(hex(canonicalBytes('int8', [3], new Int8Array([-128, 127, -1])))).toBe('0101' + '03000000' + '807fff');
    expect(hex(canonicalBytes('int32', [1, 2], new Int32Array([-2147483648, 0x01020304])))).toBe(
      '0302' + '01000000' + '02000000' + '00000080' + '04030201',
    );
    expect(hex(canonicalBytes('int8', [0x01020304, 0], new Int8Array(0)))).toBe('0102' + '04030201' + '00000000');
  });

  it('reproduces the test vectors of NUMERICS.md §2.1', () => {
    const a = canonicalBytes('int16', [2, 2], new Int16Array([1, -2, 300, -32768]));
    expect(hex(a)).toBe('0202' + '02000000' + '02000000' + '0100feff2c010080');
    expect(bytesToHex(hashData('int16', [2, 2], new Int16Array([1, -2, 300, -32768])))).toBe(
      '9e325d2239fed99ff9bf6784d02d1d133badc2acffe837e09b4acfe8b08091be',
    );
    const s = canonicalBytes('int8', [], new Int8Array([-1]));
    expect(hex(s)).toBe('0100ff');
    expect(sha256Hex(s)).toBe('b7ae7729555ec6829c579c2602edc6cb94b4ed3d820ddda0a45ac54030f8a53d');
  });

  it('reads only the view it is given (a subarray with a byte offset)', () => {
    const backing = new Int32Array([7, 7, 0x11223344, -1, 7]);
    const view = backing.subarray(2, 4);
    expect(hex(canonicalBytes('int32', [2], view))).toBe('0301' + '02000000' + '44332211' + 'ffffffff');
  });

  it('rank 255 is accepted and rank 256 is a ShapeError', () => {
    const r255 = canonicalBytes('int8', new Array<number>(255).fill(1), new Int8Array([5]));
    expect(r255.length).toBe(2 + 4 * 255 + 1);
    expect(r255[1]).toBe(255);
    expectSpmlError(thrown(() => canonicalBytes('int8', new Array<number>(256).fill(1), new Int8Array([5]))), ShapeError, 'canonicalBytes', ['rank 256']);
  });
});

describe('tensor hashes', () => {
  const rng = new Rng(0xc0ffee);
  const random = (dtype: DType, shape: number[]): Tensor =>
    tensor(cpu, rng.ints(shape.reduce((a, b) => a * b, 1), DTYPE_MIN[dtype], DTYPE_MAX[dtype]), shape, dtype);

  it('hashTensor is the sha256 (node:crypto) of canonicalBytes, as 64 lowercase hex digits', async () => {
    for (const dtype of ['int8', 'int16', 'int32'] as const) {
      for (const shape of [[], [0], [7], [3, 5], [2, 3, 4]]) {
        const t = random(dtype, shape);
        const h = await hashTensor(t);
        expect(h).toMatch(/^[0-9a-f]{64}$/);
        expect(h).toBe(sha256Hex(canonicalBytes(dtype, shape, t.dataSync())));
        expect(bytesToHex(hashData(dtype, shape, t.dataSync()))).toBe(h);
      }
    }
  });

  it('different dtype, shape or data give different hashes', async () => {
    const data = [1, 2, 3, 4, 5, 6];
    const hashes = await Promise.all([
      hashTensor(tensor(cpu, data, [2, 3], 'int8')),
      hashTensor(tensor(cpu, data, [2, 3], 'int16')),
      hashTensor(tensor(cpu, data, [2, 3], 'int32')),
      hashTensor(tensor(cpu, data, [3, 2], 'int8')),
      hashTensor(tensor(cpu, data, [6], 'int8')),
      hashTensor(tensor(cpu, data, [1, 2, 3], 'int8')),
      hashTensor(tensor(cpu, [1, 2, 3, 4, 5, 7], [2, 3], 'int8')),
      hashTensor(tensor(cpu, [-1, 2, 3, 4, 5, 6], [2, 3], 'int8')),
    ]);
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('every single-element change changes the hash', async () => {
    const base = random('int16', [4, 4]);
    const baseHash = await hashTensor(base);
    const data = base.dataSync();
    for (let i = 0; i < data.length; i++) {
      const changed = data.slice();
      changed[i] = changed[i]! ^ 1;
      expect(await hashTensor(tensor(cpu, changed, [4, 4])), `element ${i}`).not.toBe(baseHash);
    }
  });

  it('the scale is not hashed', async () => {
    const data = [3, -7, 11];
    const none = await hashTensor(tensor(cpu, data, [3], 'int8'));
    const half = await hashTensor(tensor(cpu, data, [3], 'int8', { multiplier: 1, shift: 1 }));
    const other = await hashTensor(tensor(cpu, data, [3], 'int8', { multiplier: 1234567, shift: 40 }));
    expect(half).toBe(none);
    expect(other).toBe(none);
  });

  it('equal integers give equal hashes however they were made', async () => {
    const a = tensor(cpu, [1, -1], [2], 'int32');
    const b = tensor(cpu, new Int32Array([1, -1]), [2]);
    expect(await hashTensor(a)).toBe(await hashTensor(b));
  });
});
