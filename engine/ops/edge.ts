/**
 * The float edges: quantize host floats into a tensor and dequantize results for display
 * (engine/NUMERICS.md §1.3). These run on the host in IEEE-754 double precision, whose basic
 * operations are correctly rounded on every platform JavaScript runs on, so they are as
 * deterministic as the integer ops. Backends never see a float.
 *
 *   quantize:   q = sat( roundHalfAway( fl(v / s) ) ),   s = M·2^-n exactly
 *   dequantize: v = fl(q·M) · 2^-n
 */
import type { Backend } from '../backend.js';
import { DTYPE_MAX, DTYPE_MIN, allocate, isDType, type DType, type IntArray } from '../dtype.js';
import { DTypeError, ParamError, ShapeError, ValueRangeError } from '../errors.js';
import { checkDyadic, dyadicToNumber, type Dyadic } from '../quant.js';
import { checkShape, shapeSize, tensor, type Tensor } from '../tensor.js';
import { checkTensor } from './dispatch.js';

/** Round a double to the nearest integer, ties away from zero, with no intermediate rounding. */
export function roundHalfAway(t: number): number {
  const r = Math.trunc(t);
  const frac = t - r; // exact: t and r share their leading bits (Sterbenz)
  if (frac >= 0.5) return r + 1;
  if (frac <= -0.5) return r - 1;
  return r === 0 ? 0 : r; // no -0
}

export function quantizeValues(values: ArrayLike<number>, dtype: DType, scale: Dyadic, op = 'quantize'): IntArray {
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new ParamError(op, 'values must be an array of numbers');
  }
  if (!isDType(dtype)) throw new DTypeError(op, `unknown dtype '${String(dtype)}'`);
  checkDyadic(op, scale, 'scale');
  if (scale.multiplier === 0) throw new ParamError(op, 'scale must be positive (multiplier 0)');
  const s = dyadicToNumber(scale);
  const lo = DTYPE_MIN[dtype];
  const hi = DTYPE_MAX[dtype];
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueRangeError(op, `value ${i} is ${String(v)}, not a finite number`);
    const q = roundHalfAway(v / s);
    out[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return out;
}

/** Quantize host floats into a new tensor on `backend` with the given scale. */
export function quantize(backend: Backend, values: ArrayLike<number>, shape: readonly number[], dtype: DType, scale: Dyadic): Tensor {
  checkShape('quantize', shape);
  const q = quantizeValues(values, dtype, scale);
  if (q.length !== shapeSize(shape)) {
    throw new ShapeError('quantize', `${q.length} values do not fill shape [${shape.join(', ')}] (${shapeSize(shape)} elements)`);
  }
  return tensor(backend, q, shape, dtype, scale);
}

export function dequantizeValues(q: ArrayLike<number>, scale: Dyadic, op = 'dequantize'): Float64Array {
  checkDyadic(op, scale, 'scale');
  const pow = 2 ** -scale.shift;
  const out = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! * scale.multiplier * pow;
  return out;
}

/** Read a tensor back as reals, using its own scale unless one is given. */
export async function dequantize(t: Tensor, scale?: Dyadic): Promise<Float64Array> {
  checkTensor('dequantize', 't', t);
  const s = scale ?? t.scale;
  if (s === undefined) throw new ParamError('dequantize', 'tensor has no scale; pass one');
  return dequantizeValues(await t.data(), s);
}
