/**
 * linear: a matmul whose int32 result goes straight through requantize, and optionally onto a
 * residual (engine/NUMERICS.md §5.1).
 *
 *   linear(a, b, scale, outDtype, {bias, transposeB, outScale})
 *     = requantize(matmul(a, b, {bias, transposeB}), scale, outDtype, outScale)      bit for bit
 *   with {residual}: add(residual, that, outDtype)
 *
 * Every projection of a layer is this pair, and the last one of each sublayer is added to the
 * residual stream. As one op, a backend may compute it in one pass and never store the int32
 * product (webgpu: one dispatch instead of three); a backend may also run its MatMul,
 * Requantize and Add kernels in turn (kernels/shared/linear_by_parts.ts). The checks are those
 * of the ops it stands for, with errors that name `linear`.
 */
import type { DType } from '../dtype.js';
import type { Dyadic } from '../quant.js';
import { DTypeError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkMatMul, type MatMulAttrs, type MatMulOptions } from './matmul.js';
import { checkRequantize, type RequantizeAttrs } from './requantize.js';
import { checkTensor, fmt, runKernel, sameShape } from './dispatch.js';

export interface LinearOptions extends MatMulOptions {
  /** The output's scale (as requantize's `outScale`). */
  outScale?: Dyadic;
  /** Added to the requantized result, saturating to outDtype (§6.1): `outDtype`, the output's shape. */
  residual?: Tensor;
}

export interface LinearAttrs {
  matmul: MatMulAttrs;
  requantize: RequantizeAttrs;
  /** The last input is a residual to add. */
  hasResidual: boolean;
}

export function linear(a: Tensor, b: Tensor, scale: Dyadic | readonly Dyadic[], outDtype: DType, options: LinearOptions = {}): Tensor {
  const op = 'linear';
  const { inputs, attrs, shape } = checkMatMul(op, a, b, options);
  const requantize = checkRequantize(op, shape, scale, outDtype, options.outScale);
  const { residual } = options;
  if (residual !== undefined) {
    checkTensor(op, 'residual', residual);
    if (residual.dtype !== outDtype) throw new DTypeError(op, `residual must be ${outDtype} (the output's dtype), got ${residual.dtype}`);
    if (!sameShape(residual.shape, shape)) throw new ShapeError(op, `residual must have the output's shape ${fmt(shape)}, got ${fmt(residual.shape)}`);
    inputs.push(residual);
  }
  const linearAttrs: LinearAttrs = { matmul: attrs, requantize, hasResidual: residual !== undefined };
  return runKernel('Linear', inputs, linearAttrs, shape, outDtype, options.outScale);
}
