/**
 * quantize (engine/ops/edge.ts) vs a decimal.js oracle of q = sat(roundHalfAway(fl64(v / s))):
 * the quotient is computed exactly (200 digits), rounded once to the nearest double, then rounded
 * half away from zero on its exact bits and saturated.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { dequantizeValues, getBackend, quantize, quantizeValues, type DType, type Dyadic } from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectCode, expectExact } from './compare.js';
import { decomposeDouble, divideAsDouble, quantizeOracle, type IntDType } from './oracle.js';

const backend = await getBackend('cpu');
const DTYPES: IntDType[] = ['int8', 'int16', 'int32'];

function check(label: string, vs: number[], scale: Dyadic): void {
  for (const d of DTYPES) {
    const got = quantizeValues(vs, d as DType, scale);
    expectExact(`${label} ${d} M=${scale.multiplier} n=${scale.shift}`, got, vs.map((v) => quantizeOracle(v, scale.multiplier, scale.shift, d)));
  }
}

/** A random double from random bits, finite only. */
function randomDouble(rng: Rng): number {
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setUint32(0, rng.u32());
    view.setUint32(4, rng.u32());
    const v = view.getFloat64(0);
    if (Number.isFinite(v)) return v;
  }
}

function randomScale(rng: Rng): Dyadic {
  return rng.int(0, 2) === 0
    ? { multiplier: 2 ** rng.int(0, 30), shift: rng.int(0, 62) } // power of two: exact quotients
    : { multiplier: rng.int(1, 2 ** 31 - 1), shift: rng.int(0, 62) };
}

/** Is v / (M·2^-n) exactly (2h)/2 = h/2 for the integer h? (2·mant·2^(exp+n) = h·M) */
function exactlyHalf(v: number, m: number, n: number, h: bigint): boolean {
  const { neg, mant, exp } = decomposeDouble(v);
  const signed = neg ? -mant : mant;
  const e = exp + n + 1; // 2·v/s = signed·2^e / M
  const rhs = h * BigInt(m);
  return e >= 0 ? signed << BigInt(e) === rhs : signed === rhs << BigInt(-e);
}

describe('quantize vs decimal.js oracle', () => {
  it('oracle fl64 emulation agrees with IEEE division on random inputs', () => {
    const rng = new Rng(0x9a0001);
    for (let i = 0; i < 3000; i++) {
      const v = randomDouble(rng);
      const s = randomScale(rng);
      const ieee = v / (s.multiplier * 2 ** -s.shift);
      const emulated = divideAsDouble(v, s.multiplier, s.shift);
      if (!Object.is(emulated, ieee)) expect(`${v} / (${s.multiplier}·2^-${s.shift}) = ${emulated}`).toBe(`= ${ieee}`);
    }
  });

  it('random values around the dtype ranges', () => {
    const rng = new Rng(0x9a0002);
    for (let iter = 0; iter < 100; iter++) {
      const s = randomScale(rng);
      const sv = s.multiplier * 2 ** -s.shift;
      // |v/s| log-uniform in [2^-4, 2^34]: below 1, in range, near the bounds, past int32.
      const vs = Array.from({ length: 40 }, () => (rng.int(0, 1) ? -1 : 1) * sv * 2 ** (rng.float() * 38 - 4) * (1 + rng.float()));
      check(`random iter ${iter}`, vs, s);
    }
  });

  it('random bit patterns (any finite double) and random scales', () => {
    const rng = new Rng(0x9a0003);
    for (let iter = 0; iter < 40; iter++) check(`bits iter ${iter}`, Array.from({ length: 50 }, () => randomDouble(rng)), randomScale(rng));
  });

  it('exact ties k + 1/2 round away from zero, both signs', () => {
    const rng = new Rng(0x9a0004);
    for (let iter = 0; iter < 60; iter++) {
      const s: Dyadic = { multiplier: 2 * rng.int(0, 2 ** 10) + 1, shift: rng.int(0, 40) };
      const sv = s.multiplier * 2 ** -s.shift;
      const vs: number[] = [];
      for (const k of [0, 1, 2, 126, 127, 128, 32766, 32767, 32768, rng.int(0, 2 ** 20)]) {
        const v = (k + 0.5) * sv; // exact: (2k+1)·M needs at most 52 bits
        expect(divideAsDouble(v, s.multiplier, s.shift)).toBe(k + 0.5);
        vs.push(v, -v);
      }
      check(`ties iter ${iter}`, vs, s);
    }
    // Textbook: s = 1/2 → v = 1.25 → 2.5 → 3; s = 1 → ±0.5 → ±1, ±1.5 → ±2, ±2.5 → ±3.
    expect(quantizeOracle(1.25, 1, 1, 'int8')).toBe(3n);
    expect([0.5, -0.5, 1.5, -1.5, 2.5, -2.5].map((v) => quantizeOracle(v, 1, 0, 'int8'))).toEqual([1n, -1n, 2n, -2n, 3n, -3n]);
  });

  it('one ulp either side of a tie, and quotients that fl64 rounds onto a tie', () => {
    const rng = new Rng(0x9a0005);
    const vs: number[][] = [];
    const scales: Dyadic[] = [];
    let roundedOntoTie = 0;
    let offTie = 0;
    for (let iter = 0; iter < 4000 && scales.length < 60; iter++) {
      const s: Dyadic = { multiplier: rng.int(2 ** 30, 2 ** 31 - 1), shift: rng.int(20, 40) };
      const sv = s.multiplier * 2 ** -s.shift;
      // (2k+1)·M needs more than 53 bits, so v is the rounded preimage of the tie and v/s is
      // not exactly k + 1/2; fl64 may still round it onto the tie (which then rounds away).
      const k = rng.int(2 ** 22, 2 ** 30);
      const v = (k + 0.5) * sv;
      const q = divideAsDouble(v, s.multiplier, s.shift);
      const isTieAfterRounding = q === k + 0.5;
      const exact = exactlyHalf(v, s.multiplier, s.shift, BigInt(2 * k + 1));
      if (isTieAfterRounding && !exact) roundedOntoTie++;
      if (!isTieAfterRounding) offTie++;
      const up = v + (v === 0 ? 5e-324 : Math.abs(v) * 2 ** -52);
      const down = v - Math.abs(v) * 2 ** -52;
      vs.push([v, -v, up, -up, down, -down]);
      scales.push(s);
    }
    // Both kinds occur: fl64 lands on the tie although the exact quotient is not one, or misses it.
    expect(roundedOntoTie).toBeGreaterThan(3);
    expect(offTie).toBeGreaterThan(3);
    scales.forEach((s, i) => check(`near-tie ${i}`, vs[i]!, s));
  });

  it('huge values saturate, negative zero and tiny values give 0', () => {
    const MAX = Number.MAX_VALUE;
    const huge = [MAX, -MAX, 1e300, -1e300, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 63, -(2 ** 63), 2 ** 53 + 2, 4503599627370497.0, -4503599627370497.0];
    const tiny = [0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308, 1e-300, -1e-300, 1e-20, -1e-20];
    for (const s of [
      { multiplier: 1, shift: 0 },
      { multiplier: 1, shift: 62 }, // v/s overflows to ±Infinity for the largest v
      { multiplier: 2 ** 31 - 1, shift: 0 },
      { multiplier: 2 ** 31 - 1, shift: 62 },
      { multiplier: 3, shift: 33 },
    ]) {
      check('huge', huge, s);
      check('tiny', tiny, s);
    }
    const z = quantizeValues([-0, -1e-300], 'int8', { multiplier: 1, shift: 0 });
    expect(Object.is(z[0], 0) && Object.is(z[1], 0)).toBe(true);
    expect(Array.from(quantizeValues([MAX, -MAX], 'int32', { multiplier: 1, shift: 62 }))).toEqual([2 ** 31 - 1, -(2 ** 31)]);
  });

  it('quantize() builds a tensor with the same values and scale', () => {
    const rng = new Rng(0x9a0006);
    const scale = { multiplier: 1717986918, shift: 34 }; // ≈ 0.1
    const vs = Array.from({ length: 24 }, () => (rng.float() - 0.5) * 40);
    for (const d of DTYPES) {
      const t = quantize(backend, vs, [4, 6], d as DType, scale);
      expect(t.shape).toEqual([4, 6]);
      expect(t.scale).toEqual(scale);
      expectExact(`quantize tensor ${d}`, t.dataSync(), vs.map((v) => quantizeOracle(v, scale.multiplier, scale.shift, d)));
    }
  });

  it('non-finite values throw RANGE', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const d of DTYPES) {
        expectCode(() => quantizeValues([1, bad], d as DType, { multiplier: 1, shift: 0 }), 'RANGE');
        expectCode(() => quantize(backend, [bad], [1], d as DType, { multiplier: 3, shift: 5 }), 'RANGE');
      }
    }
  });

  it('dequantize: v = fl(q·M)·2^-n', () => {
    const rng = new Rng(0x9a0007);
    for (let iter = 0; iter < 50; iter++) {
      const s = randomScale(rng);
      const qs = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), ...rng.ints(30, -(2 ** 31), 2 ** 31 - 1)];
      const got = dequantizeValues(qs, s);
      // fl(q·M): the exact product as a decimal string, parsed with correct rounding; the power of two is exact.
      const want = qs.map((q) => Number((BigInt(q) * BigInt(s.multiplier)).toString()) * 2 ** -s.shift);
      expect(Array.from(got)).toEqual(want);
    }
  });
});
