/**
 * Dyadic scales: a real number encoded as an integer multiplier and a right shift
 * (engine/NUMERICS.md §1.2).
 *
 * A `Dyadic` {multiplier: M, shift: n} stands for the real M * 2^-n. It is used both for the
 * scale of a quantized tensor (real value = q * M * 2^-n) and for the rescaling factor of
 * requantize, softmax and the norms. Converting a real number into a Dyadic is done once, at
 * model-conversion time, with decimal.js, so no float survives into inference.
 */
import { Decimal } from 'decimal.js';
import { ParamError } from './errors.js';

/**
 * Enough significant digits to hold any M·2^-n exactly (at most 62 fractional binary digits,
 * so at most 62 + 10 decimal digits), so that conversions round once, not twice.
 */
const Exact = Decimal.clone({ precision: 120, rounding: Decimal.ROUND_HALF_UP });

export interface Dyadic {
  /** Integer in [0, 2^31 - 1]. */
  readonly multiplier: number;
  /** Integer in [0, 62]: the real value is multiplier * 2^-shift. */
  readonly shift: number;
}

export const MAX_MULTIPLIER = 2147483647;
export const MAX_SHIFT = 62;

/** Throw a ParamError naming `op` unless `d` is a well-formed Dyadic. */
export function checkDyadic(op: string, d: Dyadic, what = 'multiplier/shift'): void {
  if (d === null || typeof d !== 'object') throw new ParamError(op, `${what} must be {multiplier, shift}`);
  const { multiplier: m, shift: n } = d;
  if (!Number.isInteger(m) || m < 0 || m > MAX_MULTIPLIER) {
    throw new ParamError(op, `${what}: multiplier must be an integer in [0, 2^31-1], got ${m}`);
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_SHIFT) {
    throw new ParamError(op, `${what}: shift must be an integer in [0, 62], got ${n}`);
  }
}

/** The exact real value of a Dyadic, as a Decimal. */
export function dyadicToDecimal(d: Dyadic): Decimal {
  return new Exact(d.multiplier).div(new Exact(2).pow(d.shift));
}

/** The real value as a float64; exact, since M < 2^31 and the shift is a power of two. */
export function dyadicToNumber(d: Dyadic): number {
  return d.multiplier * 2 ** -d.shift;
}

/**
 * The Dyadic nearest to a positive real x, with the multiplier normalized into
 * [2^30, 2^31) so that it carries 31 significant bits (round half up on the exact decimal).
 * Reals too large (>= 2^31) or too small (< 2^-32) for this form are rejected. A JS number is
 * read through its shortest decimal form (0.1 means one tenth, not the double nearest to it).
 */
export function dyadicFromReal(x: number | string | Decimal, op = 'dyadicFromReal'): Dyadic {
  let v: Decimal;
  try {
    v = new Exact(x);
  } catch {
    throw new ParamError(op, `scale must be a finite positive real, got ${String(x)}`);
  }
  if (!v.isFinite() || v.lte(0)) throw new ParamError(op, `scale must be a finite positive real, got ${v.toString()}`);
  const two = new Exact(2);
  if (v.lt(two.pow(-32)) || v.gte(two.pow(31))) {
    throw new ParamError(op, `scale ${v.toString()} is outside the representable range [2^-32, 2^31)`);
  }
  // Find n with v * 2^n in [2^30, 2^31). log2 estimate first, then fix by exact comparison.
  let n = 30 - Math.floor(Math.log2(v.toNumber()));
  const lo = two.pow(30);
  const hi = two.pow(31);
  while (v.times(two.pow(n)).lt(lo)) n++;
  while (v.times(two.pow(n)).gte(hi)) n--;
  let m = v.times(two.pow(n)).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  if (m === 2 ** 31) {
    // Rounded up to the next binade; at n = 0 there is none, and 2^31 - 1 is the nearest value.
    if (n === 0) m = MAX_MULTIPLIER;
    else {
      m = 2 ** 30;
      n -= 1;
    }
  }
  if (n < 0 || n > MAX_SHIFT) {
    throw new ParamError(op, `scale ${v.toString()} is outside the representable range [2^-32, 2^31)`);
  }
  return { multiplier: m, shift: n };
}
