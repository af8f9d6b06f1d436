/**
 * linear: a matmul whose int32 result goes straight through requantize (engine/NUMERICS.md §5.1).
 *
 *   linear(a, b, scale, outDtype, {bias, transposeB, outScale})
 *     = requantize(matmul(a, b, {bias, transposeB}), scale, outDtype, outScale)      bit for bit
 *
 * Every projection of a layer is this pair. As one op, a backend may compute it in one pass and
 * never store the int32 product (webgpu: one dispatch instead of two); a backend may also run its
 * MatMul and Requantize kernels in turn (kernels/shared/linear_by_parts.ts). The checks are
 * those of the two ops, with errors that name `linear`.
 */
import type { DType } from '../dtype.js';
import type { Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { checkMatMul, type MatMulAttrs, type MatMulOptions } from './matmul.js';
import { checkRequantize, type RequantizeAttrs } from './requantize.js';
import { runKernel } from './dispatch.js';

export interface LinearOptions extends MatMulOptions {
  /** The output's scale (as requantize's `outScale`). */
  outScale?: Dyadic;
}

export interface LinearAttrs {
  matmul: MatMulAttrs;
  requantize: RequantizeAttrs;
}

export function linear(a: Tensor, b: Tensor, scale: Dyadic | readonly Dyadic[], outDtype: DType, options: LinearOptions = {}): Tensor {
  const op = 'linear';
  const { inputs, attrs, shape } = checkMatMul(op, a, b, options);
  const requantize = checkRequantize(op, shape, scale, outDtype, options.outScale);
  return runKernel('Linear', inputs, { matmul: attrs, requantize }, shape, outDtype, options.outScale);
}
