/** matmul and requantize through the public op API vs the BigInt oracle. */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend, matmul, requantize, tensor, type DType, type Dyadic, type Tensor } from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectExact } from './compare.js';
import { big, matmulOracle, requantizeOracle, type DyadicBig, type IntDType } from './oracle.js';

const backend = await getBackend('cpu');

const RANGE: Record<IntDType, [number, number]> = { int8: [-128, 127], int16: [-32768, 32767], int32: [-(2 ** 31), 2 ** 31 - 1] };
const OUT_DTYPES: IntDType[] = ['int8', 'int16', 'int32'];

function randomTensor(rng: Rng, shape: number[], dtype: IntDType, lo = RANGE[dtype][0], hi = RANGE[dtype][1]): { t: Tensor; data: bigint[] } {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = rng.ints(size, lo, hi);
  return { t: tensor(backend, values, shape, dtype), data: big(values) };
}

function randomDyadic(rng: Rng): Dyadic {
  // Mostly realistic normalized multipliers, sometimes anything at all.
  const multiplier = rng.int(0, 3) === 0 ? rng.int(0, 2 ** 31 - 1) : rng.int(2 ** 30, 2 ** 31 - 1);
  return { multiplier, shift: rng.int(0, 62) };
}

/** A scale whose effect lands in the interesting range for int32 accumulators of size ~acc. */
function usefulDyadic(rng: Rng, accBits: number, outBits: number): Dyadic {
  return { multiplier: rng.int(2 ** 30, 2 ** 31 - 1), shift: Math.max(0, Math.min(62, 31 + accBits - outBits + rng.int(-3, 3))) };
}

const toBig = (d: Dyadic): DyadicBig => ({ m: BigInt(d.multiplier), n: d.shift });

function checkRequantize(label: string, x: Tensor, xData: bigint[], scales: Dyadic[], outDtype: IntDType): void {
  const channels = x.shape[x.rank - 1] ?? 1;
  const y = requantize(x, scales.length === 1 ? scales[0]! : scales, outDtype as DType);
  expect(y.dtype).toBe(outDtype);
  expectExact(label, y.dataSync(), requantizeOracle(xData, scales.map(toBig), channels, outDtype));
}

describe('matmul vs BigInt', () => {
  it('random shapes: int8/int16 × int8, bias, transposeB, rank 2/3, broadcast B, then requantize', () => {
    const rng = new Rng(0xa11ce001);
    for (let iter = 0; iter < 160; iter++) {
      const aDtype: IntDType = rng.int(0, 1) ? 'int8' : 'int16';
      const rank3 = rng.int(0, 1) === 1;
      const bBatched = rank3 && rng.int(0, 1) === 1;
      const transposeB = rng.int(0, 1) === 1;
      const withBias = rng.int(0, 1) === 1;
      const batch = rng.int(1, 3);
      const m = rng.int(1, 9);
      const k = rng.int(1, 40);
      const n = rng.int(1, 9);
      const aShape = rank3 ? [batch, m, k] : [m, k];
      const bInner = transposeB ? [n, k] : [k, n];
      const bShape = bBatched ? [batch, ...bInner] : bInner;
      const A = randomTensor(rng, aShape, aDtype);
      const B = randomTensor(rng, bShape, 'int8');
      const bias = withBias ? randomTensor(rng, [n], 'int32', ...(rng.int(0, 1) ? RANGE.int32 : ([-(2 ** 20), 2 ** 20] as [number, number]))) : undefined;
      const label = `iter ${iter} ${aDtype} a[${aShape}] b[${bShape}] T=${transposeB} bias=${withBias}`;
      const c = matmul(A.t, B.t, { bias: bias?.t, transposeB });
      expect(c.shape).toEqual(rank3 ? [batch, m, n] : [m, n]);
      expect(c.dtype).toBe('int32');
      const want = matmulOracle(A.data, aShape, B.data, bShape, bias?.data, transposeB);
      expectExact(label, c.dataSync(), want);

      const outDtype = OUT_DTYPES[rng.int(0, 2)]!;
      const accBits = aDtype === 'int8' ? 14 + Math.ceil(Math.log2(k + 1)) : 22 + Math.ceil(Math.log2(k + 1));
      const outBits = outDtype === 'int8' ? 7 : outDtype === 'int16' ? 15 : 31;
      const perChannel = rng.int(0, 1) === 1;
      const scales = Array.from({ length: perChannel ? n : 1 }, () => (rng.int(0, 4) === 0 ? randomDyadic(rng) : usefulDyadic(rng, accBits, outBits)));
      checkRequantize(`${label} → requantize ${outDtype} perChannel=${perChannel}`, c, want, scales, outDtype);
    }
  });

  it('int8 −128 × −128 over K = 65536 (sum 2^30), with bias that wraps', () => {
    const k = 65536;
    const a = tensor(backend, new Int8Array(k).fill(-128), [1, k]);
    const b = tensor(backend, new Int8Array(k * 2).fill(-128), [k, 2]);
    const bt = tensor(backend, new Int8Array(k * 2).fill(-128), [2, k]);
    const biasValues = [2 ** 31 - 1, -(2 ** 31)];
    const bias = tensor(backend, biasValues, [2], 'int32');
    const A = new Array<bigint>(k).fill(-128n);
    const B = new Array<bigint>(2 * k).fill(-128n);
    const plain = matmulOracle(A, [1, k], B, [k, 2], undefined, false);
    expect(plain).toEqual([2n ** 30n, 2n ** 30n]);
    expectExact('K=65536', matmul(a, b).dataSync(), plain);
    const withBias = matmulOracle(A, [1, k], B, [k, 2], big(biasValues), false);
    expect(withBias).toEqual([BigInt.asIntN(32, 2n ** 30n + 2n ** 31n - 1n), 2n ** 30n - 2n ** 31n]);
    expectExact('K=65536 bias', matmul(a, b, { bias }).dataSync(), withBias);
    expectExact('K=65536 bias transposeB', matmul(a, bt, { bias, transposeB: true }).dataSync(), withBias);
  });

  it('int16 −32768 × int8 −128 over long K wraps mod 2^32', () => {
    for (const k of [511, 512, 513, 1023, 1024, 1025, 4097]) {
      const a = tensor(backend, new Int16Array(k).fill(-32768), [1, k]);
      const bVals = new Int8Array(k * 2).fill(-128);
      for (let q = 0; q < k; q += 2) bVals[q * 2 + 1] = 127; // column 1 alternates −128 / 127
      const b = tensor(backend, bVals, [k, 2]);
      const bias = tensor(backend, [12345, -(2 ** 31)], [2], 'int32');
      const want = matmulOracle(new Array<bigint>(k).fill(-32768n), [1, k], big(bVals), [k, 2], [12345n, -(2n ** 31n)], false);
      expectExact(`int16 K=${k}`, matmul(a, b, { bias }).dataSync(), want);
    }
    // K = 1024: exactly 2^32 wraps to 0.
    expect(matmulOracle(new Array<bigint>(1024).fill(-32768n), [1, 1024], new Array<bigint>(1024).fill(-128n), [1024, 1], undefined, false)).toEqual([0n]);
  });

  it('batched extremes with and without broadcast B', () => {
    const rng = new Rng(0xa11ce002);
    for (const bBatched of [false, true]) {
      for (const transposeB of [false, true]) {
        const [batch, m, k, n] = [3, 4, 300, 5];
        const aVals = Array.from({ length: batch * m * k }, () => (rng.int(0, 3) === 0 ? 32767 : rng.int(0, 1) ? -32768 : rng.int(-32768, 32767)));
        const bInner = transposeB ? [n, k] : [k, n];
        const bShape = bBatched ? [batch, ...bInner] : bInner;
        const bVals = Array.from({ length: bShape.reduce((x, y) => x * y, 1) }, () => (rng.int(0, 1) ? -128 : rng.int(-128, 127)));
        const a = tensor(backend, aVals, [batch, m, k], 'int16');
        const b = tensor(backend, bVals, bShape, 'int8');
        const want = matmulOracle(big(aVals), [batch, m, k], big(bVals), bShape, undefined, transposeB);
        expectExact(`batched bBatched=${bBatched} T=${transposeB}`, matmul(a, b, { transposeB }).dataSync(), want);
      }
    }
  });
});

describe('requantize vs BigInt', () => {
  const I32_MAX = 2 ** 31 - 1;
  const I32_MIN = -(2 ** 31);

  it('random int32/int16/int8 inputs, per-tensor and per-channel, every outDtype', () => {
    const rng = new Rng(0xa11ce010);
    for (let iter = 0; iter < 300; iter++) {
      const inDtype = (['int8', 'int16', 'int32'] as const)[rng.int(0, 2)]!;
      const channels = rng.int(1, 7);
      const rows = rng.int(1, 6);
      const X = randomTensor(rng, [rows, channels], inDtype);
      const outDtype = OUT_DTYPES[rng.int(0, 2)]!;
      const perChannel = rng.int(0, 1) === 1;
      const scales = Array.from({ length: perChannel ? channels : 1 }, () => randomDyadic(rng));
      checkRequantize(`iter ${iter} ${inDtype}→${outDtype}`, X.t, X.data, scales, outDtype);
    }
  });

  it('adversarial: ties of both signs', () => {
    const rng = new Rng(0xa11ce011);
    const xs: number[] = [];
    const scales: Dyadic[] = [];
    for (let i = 0; i < 400; i++) {
      // x = 2^(n-1)·odd with M odd: x·M/2^n = odd·M/2 is exactly k + 1/2.
      const n = rng.int(1, 24);
      const odd = 2 * rng.int(0, 2 ** (31 - n) - 1) + 1;
      const m = 2 * rng.int(0, 2 ** 20) + 1;
      const x = odd * 2 ** (n - 1);
      xs.push(x, -x);
      scales.push({ multiplier: m, shift: n }, { multiplier: m, shift: n });
    }
    // Small textbook ties: ±0.5, ±1.5, ±2.5 with M = 1, n = 1 (x odd).
    for (const x of [1, -1, 3, -3, 5, -5, 255, -255, 257, -257]) {
      xs.push(x);
      scales.push({ multiplier: 1, shift: 1 });
    }
    const x = tensor(backend, xs, [xs.length], 'int32');
    for (const outDtype of OUT_DTYPES) checkRequantize(`ties ${outDtype}`, x, big(xs), scales, outDtype);
    // Spot-check the oracle on the textbook ties: half away from zero.
    expect(requantizeOracle([1n, -1n, 3n, -3n, 5n, -5n], [{ m: 1n, n: 1 }], 1, 'int32')).toEqual([1n, -1n, 2n, -2n, 3n, -3n]);
  });

  it('adversarial: saturation edges just inside / outside every dtype', () => {
    const xs: number[] = [];
    const scales: Dyadic[] = [];
    const push = (x: number, multiplier: number, shift: number) => {
      xs.push(x);
      scales.push({ multiplier, shift });
    };
    for (const [lo, hi] of [RANGE.int8, RANGE.int16]) {
      for (const v of [lo - 2, lo - 1, lo, lo + 1, hi - 1, hi, hi + 1, hi + 2]) push(v, 1, 0); // identity
      // x/2 = v ± 0.5 around the bounds: rounding decides inside or outside.
      for (const v of [lo - 1, lo, hi, hi + 1]) {
        push(2 * v + 1, 1, 1);
        push(2 * v - 1, 1, 1);
      }
    }
    // int32: results just inside / outside.
    push(I32_MAX, 2 ** 30, 30); // exactly 2^31 − 1
    push(I32_MIN, 2 ** 30, 30); // exactly −2^31
    push(I32_MAX, 2 ** 30 + 1, 30); // 2^31 + 1.99…: saturates
    push(I32_MIN, 2 ** 30 + 1, 30); // −2^31 − 2: saturates
    push(I32_MIN, 2 ** 31 - 1, 30); // ≈ −2^32
    push(I32_MAX, 2 ** 31 - 1, 31); // (2^31−1)²/2^31 = 2^31 − 2 + 2^-31
    push(I32_MIN, 2 ** 31 - 1, 31); // −(2^31 − 1) exactly
    push(I32_MIN, 2 ** 31 - 1, 62); // 0.5 − 2^-32 → 0
    push(I32_MIN, 2 ** 31 - 1, 0); // −2^62 + 2^31: saturates
    push(I32_MAX, 2 ** 31 - 1, 0);
    push(I32_MIN, 0, 0); // M = 0
    push(I32_MAX, 0, 62);
    push(I32_MIN, 1, 62);
    push(I32_MIN, 2 ** 31 - 1, 61); // 2^31(2^31−1)/2^61 = 1 − 2^-31 → −1
    push(-1, 2 ** 31 - 1, 31); // −(1 − 2^-31) → −1
    push(1, 2 ** 30, 31); // exactly 0.5 → 1
    push(-1, 2 ** 30, 31); // exactly −0.5 → −1
    push(1, 2 ** 30 - 1, 31); // just below 0.5 → 0
    const x = tensor(backend, xs, [xs.length], 'int32');
    for (const outDtype of OUT_DTYPES) checkRequantize(`saturation ${outDtype}`, x, big(xs), scales, outDtype);
  });

  it('adversarial: M = 0, n = 0, n = 62, M = 2^31 − 1 on extreme inputs', () => {
    const rng = new Rng(0xa11ce012);
    const extremes = [0, 1, -1, 127, -128, 32767, -32768, I32_MAX, I32_MIN, I32_MIN + 1, ...rng.ints(20, I32_MIN, I32_MAX)];
    const x = tensor(backend, extremes, [extremes.length], 'int32');
    const special: Dyadic[] = [
      { multiplier: 0, shift: 0 },
      { multiplier: 0, shift: 62 },
      { multiplier: 1, shift: 0 },
      { multiplier: 2 ** 31 - 1, shift: 0 },
      { multiplier: 2 ** 31 - 1, shift: 62 },
      { multiplier: 2 ** 31 - 1, shift: 31 },
      { multiplier: 2 ** 31 - 1, shift: 32 },
      { multiplier: 2 ** 31 - 1, shift: 33 },
      { multiplier: 1, shift: 62 },
      { multiplier: 2 ** 30, shift: 61 },
      { multiplier: 3, shift: 2 },
    ];
    for (const s of special) for (const outDtype of OUT_DTYPES) checkRequantize(`M=${s.multiplier} n=${s.shift} ${outDtype}`, x, big(extremes), [s], outDtype);
    // Per-channel with one special scale per channel.
    const x2 = tensor(backend, [...extremes.slice(0, 10), ...extremes.slice(0, 10).reverse()].flatMap((v) => Array(special.length).fill(v) as number[]), [20, special.length], 'int32');
    const data = big(x2.dataSync());
    for (const outDtype of OUT_DTYPES) checkRequantize(`per-channel specials ${outDtype}`, x2, data, special, outDtype);
  });

  it('rank-3 per-channel requantize of an int8 matmul with bias', () => {
    const rng = new Rng(0xa11ce013);
    const [batch, m, k, n] = [2, 3, 64, 6];
    const A = randomTensor(rng, [batch, m, k], 'int8');
    const B = randomTensor(rng, [k, n], 'int8');
    const bias = randomTensor(rng, [n], 'int32', -(2 ** 16), 2 ** 16);
    const c = matmul(A.t, B.t, { bias: bias.t });
    const want = matmulOracle(A.data, [batch, m, k], B.data, [k, n], bias.data, false);
    expectExact('matmul', c.dataSync(), want);
    const scales = Array.from({ length: n }, () => usefulDyadic(rng, 20, 7));
    checkRequantize('per-channel int8', c, want, scales, 'int8');
  });
});
