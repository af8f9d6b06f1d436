/**
 * Every constant of engine/constants.ts against the real value it encodes, recomputed with
 * decimal.js (in the manner of gemmlowp's CHECKED_FIXEDPOINT_CONSTANT; NUMERICS.md §9, §14).
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import {
  DTYPE_MAX,
  DTYPE_MIN,
  EXP2_NEG_Q15,
  EXP_FRAC_BITS,
  EXP_OUT_BITS,
  EXP_ZERO_HALVINGS,
  MASKED,
  NORM_Z_BITS,
  PHILOX_M0,
  PHILOX_M1,
  PHILOX_ROUNDS,
  PHILOX_W0,
  PHILOX_W1,
  ROPE_BITS,
  SOFTMAX_OUT_BITS,
  expNeg,
  getBackend,
  softmax,
  tensor,
} from '../../lib/index.js';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_UP });
const TWO = new D(2);
const cpu = await getBackend('cpu');
const UNIT = { multiplier: 1, shift: 0 }; // u = d: one input step is one 2^-8 log2 step

/** The exact real 2^15·2^(−f/256) that table entry f encodes. */
const exact = (f: number) => TWO.pow(new D(EXP_OUT_BITS).minus(new D(f).div(new D(2).pow(EXP_FRAC_BITS))));

describe('EXP2_NEG_Q15', () => {
  it('has 2^EXP_FRAC_BITS = 256 entries and is frozen', () => {
    expect(EXP2_NEG_Q15.length).toBe(2 ** EXP_FRAC_BITS);
    expect(Object.isFrozen(EXP2_NEG_Q15)).toBe(true);
  });

  for (let f = 0; f < 256; f++) {
    it(`entry ${f} = round(2^15 · 2^(−${f}/256))`, () => {
      const v = exact(f);
      expect(EXP2_NEG_Q15[f]).toBe(v.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber());
      // Not a tie, so the rounding direction can never matter (NUMERICS.md §9.2).
      if (f > 0) expect(v.minus(v.floor()).minus(0.5).abs().gt(2.7e-4)).toBe(true);
    });
  }

  it('matches the anchors of NUMERICS.md §9.2, decreases strictly, stays in [16428, 32768]', () => {
    expect(EXP2_NEG_Q15[0]).toBe(2 ** EXP_OUT_BITS);
    expect(EXP2_NEG_Q15[128]).toBe(23170);
    expect(exact(128).toFixed(3)).toBe('23170.475');
    expect(EXP2_NEG_Q15[255]).toBe(16428);
    for (let f = 1; f < 256; f++) expect(EXP2_NEG_Q15[f]!).toBeLessThan(EXP2_NEG_Q15[f - 1]!);
    expect(Math.min(...EXP2_NEG_Q15)).toBe(16428);
    expect(Math.max(...EXP2_NEG_Q15)).toBe(32768);
    // Every entry after 0 is more than 2^14, so that a shift by 15 leaves exactly 1 (§9.3).
    expect(EXP2_NEG_Q15[255]!).toBeGreaterThan(2 ** 14);
  });

  it('the closest entry to a tie is 2.74e-4 away (entry 207)', () => {
    let best = new D(1);
    let at = -1;
    for (let f = 1; f < 256; f++) {
      const v = exact(f);
      const dist = v.minus(v.floor()).minus(0.5).abs();
      if (dist.lt(best)) [best, at] = [dist, f];
    }
    expect(at).toBe(207);
    expect(best.toSignificantDigits(3).toString()).toBe('0.000274');
  });
});

describe('bit counts', () => {
  it('relate as documented', () => {
    expect(EXP_FRAC_BITS).toBe(8);
    expect(EXP_OUT_BITS).toBe(15);
    expect(EXP_ZERO_HALVINGS).toBe(EXP_OUT_BITS + 1);
    expect(SOFTMAX_OUT_BITS).toBe(14);
    expect(NORM_Z_BITS).toBe(14);
    expect(ROPE_BITS).toBe(14);
    // Q14 puts 1.0 inside int16 (softmax probabilities, cos(0) in the rope tables); Q15 would not.
    for (const bits of [SOFTMAX_OUT_BITS, ROPE_BITS, NORM_Z_BITS]) {
      expect(2 ** bits).toBeLessThanOrEqual(DTYPE_MAX.int16);
      expect(2 ** (bits + 1)).toBeGreaterThan(DTYPE_MAX.int16);
    }
    // Q15 exp weights: 1.0 = 2^15 fits int32 and the softmax numerator e·2^14 ≤ 2^29.
    expect(2 ** EXP_OUT_BITS * 2 ** SOFTMAX_OUT_BITS).toBe(2 ** 29);
  });

  it('EXP_ZERO_HALVINGS = 16 is where rounding alone stops giving 0, so it is cut explicitly', () => {
    const t0 = EXP2_NEG_Q15[0]!;
    const shifted = (t: number, k: number) => (t + 2 ** (k - 1)) >> k;
    // k = 15: every entry rounds to exactly 1, the correct rounding of a value in (1/2, 1].
    for (const t of EXP2_NEG_Q15) expect(shifted(t, 15)).toBe(1);
    // k = 16 would still give 1 for the tie u = 4096 (2^15·2^-16 = 1/2 exactly, rounded up)...
    expect(shifted(t0, EXP_ZERO_HALVINGS)).toBe(1);
    expect(new D(t0).div(TWO.pow(16)).eq(0.5)).toBe(true);
    // ...and 0 for every other entry; past 16 everything is 0 anyway.
    for (let f = 1; f < 256; f++) expect(shifted(EXP2_NEG_Q15[f]!, 16)).toBe(0);
    expect(shifted(t0, 17)).toBe(0);
  });

  it('expNeg returns 0 from k = 16 on, through the API', async () => {
    const x = [0, -1, -256, -3840, -4095, -4096, -4097, -5000, -(2 ** 31), 5, 2 ** 31 - 1];
    const y = expNeg(tensor(cpu, x, [x.length], 'int32'), UNIT).dataSync();
    expect([...y]).toEqual([32768, 32679, 16384, 1, 1, 0, 0, 0, 0, 32768, 32768]);
  });

  it('expNeg = (T[f] + 2^(k−1)) >> k for every u below the cut, 0 at and past it', () => {
    const n = EXP_ZERO_HALVINGS * 256 + 300;
    const x = Int32Array.from({ length: n }, (_, u) => -u);
    const y = expNeg(tensor(cpu, x, [n]), UNIT).dataSync();
    for (let u = 0; u < n; u++) {
      const k = Math.floor(u / 256);
      const f = u % 256;
      const t = EXP2_NEG_Q15[f]!;
      const want = k >= EXP_ZERO_HALVINGS ? 0 : k === 0 ? t : (t + 2 ** (k - 1)) >> k;
      if (y[u] !== want) expect(y[u], `u = ${u}`).toBe(want);
    }
    // Two roundings (table, then shift) keep it within 3/4 of a Q15 step of 2^15·2^(−u/256);
    // for k = 0 it is the correctly rounded value itself.
    for (let u = 0; u < EXP_ZERO_HALVINGS * 256; u += 7) {
      const err = exact(u).minus(y[u]!).abs();
      expect(err.lte(u < 256 ? 0.5 : 0.75), `u = ${u}, error ${err.toFixed(4)}`).toBe(true);
    }
  });
});

describe('MASKED', () => {
  it('is −2^31, the int32 minimum', () => {
    expect(MASKED).toBe(-(2 ** 31));
    expect(MASKED).toBe(DTYPE_MIN.int32);
    expect(MASKED | 0).toBe(MASKED);
  });

  it('gets probability exactly 0 in softmax; a fully masked row is all 0', () => {
    const p = softmax(tensor(cpu, [0, -256, MASKED, MASKED, MASKED, MASKED], [2, 3], 'int32'), UNIT).dataSync();
    expect([...p]).toEqual([10923, 5461, 0, 0, 0, 0]);
  });
});

describe('Philox constants', () => {
  const two32 = TWO.pow(32);

  it('PHILOX_W0 = floor(2^32·(φ − 1))', () => {
    const phi = new D(5).sqrt().plus(1).div(2);
    const v = two32.times(phi.minus(1));
    expect(PHILOX_W0).toBe(v.floor().toNumber());
    expect(PHILOX_W0).toBe(0x9e3779b9);
    expect(v.minus(v.floor()).toFixed(3, Decimal.ROUND_DOWN)).toBe('0.497');
  });

  it('PHILOX_W1 = floor(2^32·(√3 − 1))', () => {
    const v = two32.times(new D(3).sqrt().minus(1));
    expect(PHILOX_W1).toBe(v.floor().toNumber());
    expect(PHILOX_W1).toBe(0xbb67ae85);
    expect(v.minus(v.floor()).toFixed(3, Decimal.ROUND_DOWN)).toBe('0.518');
  });

  it('multipliers and rounds are the published Philox4x32-10 values', () => {
    expect(PHILOX_M0).toBe(3528531795);
    expect(PHILOX_M0).toBe(0xd2511f53);
    expect(PHILOX_M1).toBe(3449720151);
    expect(PHILOX_M1).toBe(0xcd9e8d57);
    expect(PHILOX_ROUNDS).toBe(10);
    for (const c of [PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1]) {
      expect(Number.isInteger(c) && c >= 0 && c < 2 ** 32).toBe(true);
    }
  });
});
