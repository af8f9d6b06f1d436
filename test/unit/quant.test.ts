/** Dyadic scales (engine/quant.ts, NUMERICS.md §1.2), checked with decimal.js. */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  MAX_MULTIPLIER,
  MAX_SHIFT,
  ParamError,
  checkDyadic,
  dyadicFromReal,
  dyadicToDecimal,
  dyadicToNumber,
  type Dyadic,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectSpmlError, thrown } from './expect_error.js';

const D = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_UP });
const TWO = new D(2);
const value = (d: Dyadic) => new D(d.multiplier).div(TWO.pow(d.shift));

/** Distance from v to the nearest value M·2^-s over every shift s and multiplier in range. */
function bestError(v: Decimal): Decimal {
  let best: Decimal | undefined;
  for (let s = 0; s <= MAX_SHIFT; s++) {
    const m = D.min(v.times(TWO.pow(s)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP), MAX_MULTIPLIER);
    const err = v.minus(m.div(TWO.pow(s))).abs();
    if (best === undefined || err.lt(best)) best = err;
  }
  return best!;
}

function checkNearest(x: number | string, d: Dyadic): void {
  const v = new D(x);
  expect(Number.isInteger(d.multiplier) && Number.isInteger(d.shift)).toBe(true);
  expect(d.multiplier).toBeGreaterThanOrEqual(2 ** 30);
  expect(d.multiplier).toBeLessThan(2 ** 31);
  expect(d.shift).toBeGreaterThanOrEqual(0);
  expect(d.shift).toBeLessThanOrEqual(MAX_SHIFT);
  // Nearest at its own shift: |v·2^n − M| ≤ 1/2, ties rounded up; except in [2^31 − 1/2, 2^31),
  // where rounding would give 2^31 and the nearest representable value is 2^31 − 1.
  const diff = v.times(TWO.pow(d.shift)).minus(d.multiplier);
  if (v.lt(TWO.pow(31).minus(0.5))) {
    expect(diff.abs().lte(0.5), `${String(x)} → ${d.multiplier}·2^-${d.shift}`).toBe(true);
    expect(diff.eq(0.5)).toBe(false);
  }
  // And no representable dyadic at any shift is closer.
  expect(v.minus(value(d)).abs().lte(bestError(v)), `${String(x)}`).toBe(true);
}

describe('dyadicFromReal', () => {
  it('normalizes exact powers of two and simple values', () => {
    expect(dyadicFromReal(1)).toEqual({ multiplier: 2 ** 30, shift: 30 });
    expect(dyadicFromReal(0.5)).toEqual({ multiplier: 2 ** 30, shift: 31 });
    expect(dyadicFromReal(2 ** 30)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(dyadicFromReal(2 ** -32)).toEqual({ multiplier: 2 ** 30, shift: 62 });
    expect(dyadicFromReal(3)).toEqual({ multiplier: 3 * 2 ** 29, shift: 29 });
    expect(dyadicFromReal(2 ** 31 - 1)).toEqual({ multiplier: 2 ** 31 - 1, shift: 0 });
  });

  it('rounds half up at a tie and carries into the next binade', () => {
    // 1 + 2^-31: v·2^30 = 2^30 + 1/2 exactly.
    expect(dyadicFromReal(new D(1).plus(TWO.pow(-31)).toString())).toEqual({ multiplier: 2 ** 30 + 1, shift: 30 });
    // 1 − 2^-40 rounds up to 2^31 at shift 31, i.e. 1.0.
    expect(dyadicFromReal(new D(1).minus(TWO.pow(-40)).toString())).toEqual({ multiplier: 2 ** 30, shift: 30 });
  });

  it('just below 2^31 gives the largest representable value, 2^31 − 1', () => {
    for (const x of ['2147483647.4', '2147483647.5', '2147483647.6', '2147483647.999999999']) {
      expect(dyadicFromReal(x), x).toEqual({ multiplier: MAX_MULTIPLIER, shift: 0 });
      checkNearest(x, dyadicFromReal(x));
    }
  });

  it('gives the nearest representable value across the whole range (decimal.js)', () => {
    const rng = new Rng(0xd1ad);
    const inputs: (number | string)[] = [0.1, 1 / 3, Math.PI, 1e-9, 123456.789, 2 ** -32, '0.7071067811865475244008443621048490392848'];
    for (let i = 0; i < 300; i++) {
      const exp = rng.int(-32, 30);
      const mant = new D(1).plus(new D(rng.u32()).div(2 ** 32)).plus(new D(rng.u32()).div(TWO.pow(64)));
      inputs.push(mant.times(TWO.pow(exp)).toSignificantDigits(40).toString());
      inputs.push(rng.float() * 2 ** rng.int(-31, 30) + 2 ** -31);
    }
    for (const x of inputs) checkNearest(x, dyadicFromReal(x));
  });

  it('reads a JS number through its shortest decimal form', () => {
    expect(dyadicFromReal(0.1)).toEqual(dyadicFromReal('0.1'));
    expect(dyadicFromReal(0.1)).toEqual(dyadicFromReal(new Decimal('0.1')));
  });

  it('rejects non-positive, non-finite and unrepresentable reals with ParamError', () => {
    const bad: [number | string, string][] = [
      [0, 'got 0'],
      [-0, 'got 0'],
      [-1, 'got -1'],
      [NaN, 'got NaN'],
      [Infinity, 'got Infinity'],
      [-Infinity, 'got -Infinity'],
      ['abc', 'got abc'],
      ['', 'got '],
      [2 ** 31, '2147483648'],
      [1e10, '10000000000'],
      [2 ** -33, 'outside the representable range'],
      [1e-20, '1e-20'],
      [new D(2).pow(-32).minus(new D(10).pow(-40)).toString(), 'outside the representable range'],
    ];
    for (const [x, mention] of bad) {
      expectSpmlError(thrown(() => dyadicFromReal(x)), ParamError, 'dyadicFromReal', [mention]);
    }
    expectSpmlError(thrown(() => dyadicFromReal(-2, 'convert')), ParamError, 'convert', ['-2']);
  });
});

describe('dyadicToNumber and dyadicToDecimal', () => {
  it('are exact', () => {
    const rng = new Rng(0xe8ac7);
    const samples: Dyadic[] = [
      { multiplier: 0, shift: 0 },
      { multiplier: MAX_MULTIPLIER, shift: 0 },
      { multiplier: MAX_MULTIPLIER, shift: MAX_SHIFT },
      { multiplier: 1, shift: MAX_SHIFT },
    ];
    for (let i = 0; i < 500; i++) samples.push({ multiplier: rng.int(0, MAX_MULTIPLIER), shift: rng.int(0, MAX_SHIFT) });
    for (const d of samples) {
      const x = dyadicToNumber(d);
      // Scaling by a power of two is exact in binary64 here, so x·2^n = M proves x = M·2^-n.
      expect(x * 2 ** d.shift).toBe(d.multiplier);
      expect(value(d).toNumber()).toBe(x);
      const dec = dyadicToDecimal(d);
      expect(dec.times(new Decimal(2).pow(d.shift)).eq(d.multiplier)).toBe(true);
      expect(dec.eq(value(d))).toBe(true);
    }
  });

  it('round-trip through dyadicFromReal', () => {
    const rng = new Rng(77);
    for (let i = 0; i < 200; i++) {
      const d = { multiplier: rng.int(2 ** 30, MAX_MULTIPLIER), shift: rng.int(0, MAX_SHIFT) };
      expect(dyadicFromReal(dyadicToDecimal(d))).toEqual(d);
      expect(dyadicFromReal(dyadicToNumber(d))).toEqual(d);
    }
  });
});

describe('checkDyadic', () => {
  it('accepts the bounds and names the op and the field when it rejects', () => {
    expect(() => checkDyadic('op', { multiplier: 0, shift: 0 })).not.toThrow();
    expect(() => checkDyadic('op', { multiplier: MAX_MULTIPLIER, shift: MAX_SHIFT })).not.toThrow();
    expectSpmlError(thrown(() => checkDyadic('myOp', { multiplier: MAX_MULTIPLIER + 1, shift: 0 }, 'gain')), ParamError, 'myOp', ['gain', '2147483648']);
    expectSpmlError(thrown(() => checkDyadic('myOp', { multiplier: 1, shift: MAX_SHIFT + 1 }, 'gain')), ParamError, 'myOp', ['gain', 'shift', '63']);
    expectSpmlError(thrown(() => checkDyadic('myOp', undefined as never)), ParamError, 'myOp', ['{multiplier, shift}']);
  });
});
