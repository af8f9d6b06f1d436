/** rope, cast, add, mul, relu, isqrt, lut, argmax, causalMask, gather and layout ops vs oracles. */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import {
  MASKED,
  add,
  argmax,
  cast,
  causalMask,
  concat,
  gather,
  getBackend,
  isqrt,
  lut,
  mul,
  relu,
  rope,
  ropeTables,
  slice,
  tensor,
  transpose,
  type Tensor,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectExact } from './compare.js';
import {
  addOracle,
  big,
  castOracle,
  concatOracle,
  gatherOracle,
  isqrtOracle,
  mulOracle,
  ropeOracle,
  sliceOracle,
  transposeOracle,
  unravel,
  type IntDType,
} from './oracle.js';

const backend = await getBackend('cpu');
const DTYPES: IntDType[] = ['int8', 'int16', 'int32'];
const RANGE: Record<IntDType, [number, number]> = { int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1] };

/** Random values of a dtype, with a good share of the extremes. */
function values(rng: Rng, n: number, d: IntDType): number[] {
  const [lo, hi] = RANGE[d];
  return Array.from({ length: n }, () => {
    const pick = rng.int(0, 9);
    if (pick === 0) return lo;
    if (pick === 1) return hi;
    if (pick === 2) return rng.int(-2, 2);
    if (pick === 3) return rng.int(0, 1) ? lo + 1 : hi - 1;
    return rng.int(lo, hi);
  });
}

function randomShape(rng: Rng, rank: number, maxDim = 5): number[] {
  return Array.from({ length: rank }, () => rng.int(1, maxDim));
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('rope vs BigInt', () => {
  function checkRope(label: string, x: Tensor, cos: Int16Array, sin: Int16Array, p: number, half: number, offset: number): void {
    const y = rope(x, tensor(backend, cos, [p, half]), tensor(backend, sin, [p, half]), offset);
    expect(y.dtype).toBe(x.dtype);
    const want = ropeOracle(big(x.dataSync()), x.shape, big(cos), big(sin), offset, x.dtype as IntDType);
    expectExact(label, y.dataSync(), want);
  }

  it('Q14 tables from ropeTables, random shapes, offsets, int8 and int16', () => {
    const rng = new Rng(0x20e0001);
    const p = 48;
    const dim = 16;
    const cache = new Map<number, { cos: Int16Array; sin: Int16Array }>();
    for (let iter = 0; iter < 40; iter++) {
      const d = 2 * rng.int(1, dim / 2);
      const t = rng.int(1, 12);
      const lead = randomShape(rng, rng.int(0, 2), 3);
      const offset = rng.int(0, p - t);
      const xd = rng.int(0, 1) ? 'int8' : 'int16';
      const x = tensor(backend, values(rng, size([...lead, t, d]), xd), [...lead, t, d], xd);
      let tables = cache.get(d);
      if (tables === undefined) cache.set(d, (tables = ropeTables(p, d)));
      checkRope(`rope iter ${iter} [${lead},${t},${d}] off=${offset} ${xd}`, x, tables.cos, tables.sin, p, d / 2, offset);
    }
  });

  it('arbitrary int16 tables including −32768 (products up to 2^30, sums to 2^31)', () => {
    const rng = new Rng(0x20e0002);
    for (let iter = 0; iter < 30; iter++) {
      const half = rng.int(1, 6);
      const t = rng.int(1, 6);
      const p = t + rng.int(0, 5);
      const cos = Int16Array.from(values(rng, p * half, 'int16'));
      const sin = Int16Array.from(values(rng, p * half, 'int16'));
      const xd = rng.int(0, 1) ? 'int8' : 'int16';
      const shape = [rng.int(1, 3), t, 2 * half];
      const x = tensor(backend, values(rng, size(shape), xd), shape, xd);
      checkRope(`rope arbitrary iter ${iter}`, x, cos, sin, p, half, rng.int(0, p - t));
    }
    // All −32768: x0·c − x1·s = 0 and x0·s + x1·c = 2^31 → 2^17, saturated.
    const x = tensor(backend, [-32768, -32768], [1, 2], 'int16');
    const ext = Int16Array.of(-32768);
    checkRope('rope all −32768', x, ext, ext, 1, 1, 0);
  });

  it('rounding ties in rope: (x0·c − x1·s) = (2k+1)·2^13', () => {
    // cos = 2^13 (0.5), sin = 0: y = round(x/2), ties for odd x, both signs.
    const xs = [1, 0, -1, 0, 3, -3, -5, 7, 127, -127, -128, 1];
    const x = tensor(backend, xs, [xs.length / 2, 2], 'int8');
    const cos = new Int16Array(6).fill(8192);
    const sin = new Int16Array(6);
    checkRope('rope ties', x, cos, sin, 6, 1, 0);
    expect(Array.from(rope(x, tensor(backend, cos, [6, 1]), tensor(backend, sin, [6, 1])).dataSync()).slice(0, 4)).toEqual([1, 0, -1, 0]);
  });
});

describe('cast / add / mul / relu / isqrt vs BigInt', () => {
  it('cast between every pair of dtypes, saturating', () => {
    const rng = new Rng(0x20e0010);
    for (const from of DTYPES) {
      const xs = values(rng, 500, from);
      const x = tensor(backend, xs, [xs.length], from);
      for (const to of DTYPES) {
        const y = cast(x, to);
        expect(y.dtype).toBe(to);
        expectExact(`cast ${from}→${to}`, y.dataSync(), castOracle(big(xs), to));
      }
    }
  });

  it('add and mul: every dtype and outDtype, broadcast, int32 extremes', () => {
    const rng = new Rng(0x20e0011);
    for (let iter = 0; iter < 120; iter++) {
      const d = DTYPES[rng.int(0, 2)]!;
      const out = rng.int(0, 2) === 0 ? undefined : DTYPES[rng.int(0, 2)]!;
      const aShape = randomShape(rng, rng.int(1, 3));
      const bShape = aShape.slice(rng.int(0, aShape.length)); // a trailing part (possibly empty = scalar)
      const av = values(rng, size(aShape), d);
      const bv = values(rng, size(bShape), d);
      const a = tensor(backend, av, aShape, d);
      const b = tensor(backend, bv, bShape, d);
      const outDtype = out ?? d;
      const label = `iter ${iter} ${d}→${outDtype} a[${aShape}] b[${bShape}]`;
      expectExact(`add ${label}`, add(a, b, out).dataSync(), addOracle(big(av), big(bv), outDtype));
      expectExact(`mul ${label}`, mul(a, b, out).dataSync(), mulOracle(big(av), big(bv), outDtype));
    }
    // Exhaustive int32 extremes against each other.
    const ext = [-(2 ** 31), -(2 ** 31) + 1, -65536, -65535, -46341, -46340, -2, -1, 0, 1, 2, 46340, 46341, 65535, 65536, 2 ** 31 - 2, 2 ** 31 - 1];
    const av = ext.flatMap((v) => ext.map(() => v));
    const bv = ext.flatMap(() => ext);
    const a = tensor(backend, av, [av.length], 'int32');
    const b = tensor(backend, bv, [bv.length], 'int32');
    for (const out of DTYPES) {
      expectExact(`add int32 extremes → ${out}`, add(a, b, out).dataSync(), addOracle(big(av), big(bv), out));
      expectExact(`mul int32 extremes → ${out}`, mul(a, b, out).dataSync(), mulOracle(big(av), big(bv), out));
    }
  });

  it('relu and isqrt (negatives → 0) on extremes', () => {
    const rng = new Rng(0x20e0012);
    for (const d of DTYPES) {
      const xs = values(rng, 300, d);
      expectExact(`relu ${d}`, relu(tensor(backend, xs, [xs.length], d)).dataSync(), xs.map((v) => (v > 0 ? v : 0)));
    }
    const xs = [...values(rng, 3000, 'int32'), 0, 1, 2, 3, 4, 46340 ** 2, 46340 ** 2 - 1, 46340 ** 2 + 1, 2 ** 31 - 1];
    expectExact('isqrt', isqrt(tensor(backend, xs, [xs.length], 'int32')).dataSync(), xs.map((v) => isqrtOracle(BigInt(v))));
  });

  it('lut: y = table[x + 128] for every int8 x, int8 and int16 tables', () => {
    const rng = new Rng(0x20e0013);
    const xs = Array.from({ length: 256 }, (_, i) => i - 128);
    const x = tensor(backend, xs, [16, 16], 'int8');
    for (const d of ['int8', 'int16'] as const) {
      const table = values(rng, 256, d);
      const y = lut(x, tensor(backend, table, [256], d));
      expectExact(`lut ${d}`, y.dataSync(), xs.map((v) => table[v + 128]!));
    }
  });

  it('argmax (first of ties) and causalMask', () => {
    const rng = new Rng(0x20e0014);
    for (const d of DTYPES) {
      const shape = [rng.int(1, 5), rng.int(1, 30)];
      const xs = rng.ints(size(shape), -3, 3).map((v) => (v === 3 ? RANGE[d][1] : v === -3 ? RANGE[d][0] : v));
      const want: number[] = [];
      for (let r = 0; r < shape[0]!; r++) {
        const row = xs.slice(r * shape[1]!, (r + 1) * shape[1]!);
        want.push(row.indexOf(Math.max(...row)));
      }
      expectExact(`argmax ${d}`, argmax(tensor(backend, xs, shape, d)).dataSync(), want);
    }
    for (let iter = 0; iter < 20; iter++) {
      const shape = [rng.int(1, 3), rng.int(1, 6), rng.int(1, 9)];
      const xs = values(rng, size(shape), 'int32');
      const offset = rng.int(0, 4);
      const want = xs.map((v, flat) => {
        const [, i, j] = unravel(flat, shape) as [number, number, number];
        return j > i + offset ? MASKED : v;
      });
      expectExact(`causalMask iter ${iter} off=${offset}`, causalMask(tensor(backend, xs, shape, 'int32'), offset).dataSync(), want);
    }
  });
});

describe('gather / transpose / slice / concat vs coordinate oracles', () => {
  it('gather random rows, repeated ids, every dtype', () => {
    const rng = new Rng(0x20e0020);
    for (const d of DTYPES) {
      const v = rng.int(1, 40);
      const c = rng.int(1, 12);
      const table = values(rng, v * c, d);
      const ids = [0, v - 1, ...rng.ints(rng.int(0, 30), 0, v - 1), 0];
      const y = gather(tensor(backend, table, [v, c], d), ids);
      expect(y.shape).toEqual([ids.length, c]);
      expectExact(`gather ${d}`, y.dataSync(), gatherOracle(table, c, ids));
      expectExact(`gather Int32Array ${d}`, gather(tensor(backend, table, [v, c], d), Int32Array.from(ids)).dataSync(), gatherOracle(table, c, ids));
    }
  });

  it('transpose with random permutations, ranks 1–5', () => {
    const rng = new Rng(0x20e0021);
    for (let iter = 0; iter < 100; iter++) {
      const rank = rng.int(1, 5);
      const shape = randomShape(rng, rank, rank > 3 ? 4 : 6);
      const perm = Array.from({ length: rank }, (_, i) => i);
      for (let i = rank - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [perm[i], perm[j]] = [perm[j]!, perm[i]!];
      }
      const d = DTYPES[rng.int(0, 2)]!;
      const xs = values(rng, size(shape), d);
      const y = transpose(tensor(backend, xs, shape, d), perm);
      expect(y.shape).toEqual(perm.map((p) => shape[p]));
      expectExact(`transpose [${shape}] perm [${perm}]`, y.dataSync(), transposeOracle(xs, shape, perm));
    }
  });

  it('slice random blocks (including empty ones), ranks 1–4', () => {
    const rng = new Rng(0x20e0022);
    for (let iter = 0; iter < 100; iter++) {
      const shape = randomShape(rng, rng.int(1, 4), 6);
      const begin = shape.map((s) => rng.int(0, s));
      const sz = shape.map((s, i) => rng.int(iter % 10 === 0 ? 0 : Math.min(1, s - begin[i]!), s - begin[i]!));
      const d = DTYPES[rng.int(0, 2)]!;
      const xs = values(rng, size(shape), d);
      const y = slice(tensor(backend, xs, shape, d), begin, sz);
      expect(y.shape).toEqual(sz);
      expectExact(`slice [${shape}] begin [${begin}] size [${sz}]`, y.dataSync(), sliceOracle(xs, shape, begin, sz));
    }
  });

  it('concat 1–4 tensors along a random axis', () => {
    const rng = new Rng(0x20e0023);
    for (let iter = 0; iter < 80; iter++) {
      const rank = rng.int(1, 4);
      const base = randomShape(rng, rank, 5);
      const axis = rng.int(0, rank - 1);
      const d = DTYPES[rng.int(0, 2)]!;
      const parts = Array.from({ length: rng.int(1, 4) }, () => {
        const shape = [...base];
        shape[axis] = rng.int(iter % 8 === 0 ? 0 : 1, 4);
        return { data: values(rng, size(shape), d), shape };
      });
      const y = concat(
        parts.map((p) => tensor(backend, p.data, p.shape, d)),
        axis,
      );
      expectExact(`concat axis ${axis} [${parts.map((p) => `[${p.shape}]`).join(' ')}]`, y.dataSync(), concatOracle(parts, axis));
    }
  });
});
