/**
 * Builders of the lookup tables that turn smooth functions into exact integer ops
 * (engine/NUMERICS.md §7 activations, §12 rotary tables).
 *
 * Tables are built once, when a model is converted or loaded, with decimal.js: its arithmetic is
 * plain JavaScript on decimal digits, so every platform builds the same table bit for bit, and
 * each entry is the correctly rounded value (round half away from zero). Inference then only
 * looks entries up. Nothing here runs per token.
 */
import { Decimal } from 'decimal.js';
import { DTYPE_MAX, DTYPE_MIN } from './dtype.js';
import { ParamError } from './errors.js';
import { ROPE_BITS } from './constants.js';
import { checkDyadic, dyadicToDecimal, type Dyadic } from './quant.js';

const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });

export type LutDType = 'int8' | 'int16';

function roundSat(v: Decimal, dtype: LutDType): number {
  const r = v.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
  return Math.min(DTYPE_MAX[dtype], Math.max(DTYPE_MIN[dtype], r));
}

/** Table of f over every int8 input: entry i holds round(f((i-128)·s_in) / s_out), saturated. */
export function buildLut(f: (x: Decimal) => Decimal, inScale: Dyadic, outScale: Dyadic, outDtype: LutDType = 'int8'): Int8Array | Int16Array {
  checkDyadic('buildLut', inScale, 'inScale');
  checkDyadic('buildLut', outScale, 'outScale');
  if (outScale.multiplier === 0) throw new ParamError('buildLut', 'outScale must be positive');
  const sIn = new D(dyadicToDecimal(inScale));
  const sOut = new D(dyadicToDecimal(outScale));
  const table = outDtype === 'int8' ? new Int8Array(256) : new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = roundSat(f(sIn.times(i - 128)).div(sOut), outDtype);
  return table;
}

const HALF = new D(0.5);
const GELU_K = new D(2).div(D.acos(-1)).sqrt(); // sqrt(2/pi)
const GELU_C = new D('0.044715');

/** GELU, tanh form as in GPT-2: 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))). */
export function geluReal(x: Decimal): Decimal {
  const inner = GELU_K.times(x.plus(GELU_C.times(x.pow(3))));
  return HALF.times(x).times(D.tanh(inner).plus(1));
}

/** SiLU (swish): x·σ(x) = x / (1 + e^-x). */
export function siluReal(x: Decimal): Decimal {
  return x.div(D.exp(x.neg()).plus(1));
}

export const geluTable = (inScale: Dyadic, outScale: Dyadic, outDtype: LutDType = 'int8') => buildLut(geluReal, inScale, outScale, outDtype);
export const siluTable = (inScale: Dyadic, outScale: Dyadic, outDtype: LutDType = 'int8') => buildLut(siluReal, inScale, outScale, outDtype);

/**
 * Rotary tables (§12): cos[p][i] = round(2^14·cos(p·θ_i)), sin likewise, with
 * θ_i = base^(-2i/dim) for i < dim/2 and positions p < maxPos. Shapes [maxPos, dim/2], int16.
 */
export function ropeTables(maxPos: number, dim: number, base = 10000): { cos: Int16Array; sin: Int16Array } {
  const op = 'ropeTables';
  if (!Number.isInteger(maxPos) || maxPos < 1 || maxPos > 1 << 20) throw new ParamError(op, `maxPos must be an integer in [1, 2^20], got ${maxPos}`);
  if (!Number.isInteger(dim) || dim < 2 || dim % 2 !== 0) throw new ParamError(op, `dim must be a positive even integer, got ${dim}`);
  if (!(base > 1)) throw new ParamError(op, `base must be > 1, got ${base}`);
  const half = dim / 2;
  const one = new D(2).pow(ROPE_BITS);
  const cos = new Int16Array(maxPos * half);
  const sin = new Int16Array(maxPos * half);
  for (let i = 0; i < half; i++) {
    const theta = new D(base).pow(new D(-2 * i).div(dim));
    for (let p = 0; p < maxPos; p++) {
      const angle = theta.times(p);
      cos[p * half + i] = roundSat(D.cos(angle).times(one), 'int16');
      sin[p * half + i] = roundSat(D.sin(angle).times(one), 'int16');
    }
  }
  return { cos, sin };
}
