/**
 * Elementwise integer ops (engine/NUMERICS.md §6): saturating add and mul, ReLU, cast, and the
 * integer square root.
 *
 *   add(a, b) = sat_out(a + b)          mul(a, b) = sat_out(a · b)
 *
 * Sums and products are exact before saturation (|a·b| ≤ 2^62 for int32 operands). `b` may
 * broadcast: its shape must equal a trailing part of `a`'s shape.
 */
import type { DType } from '../dtype.js';
import { DTypeError, ParamError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkTensor, fmt, runKernel } from './dispatch.js';

const INT_DTYPES: readonly DType[] = ['int8', 'int16', 'int32'];

function checkOutDtype(op: string, d: unknown): DType {
  if (d !== 'int8' && d !== 'int16' && d !== 'int32') throw new ParamError(op, `outDtype must be int8, int16 or int32, got ${String(d)}`);
  return d;
}

function checkBroadcast(op: string, a: Tensor, b: Tensor): void {
  checkTensor(op, 'a', a);
  checkTensor(op, 'b', b);
  checkDType(op, 'a', a, INT_DTYPES);
  checkDType(op, 'b', b, INT_DTYPES);
  if (a.dtype !== b.dtype) throw new DTypeError(op, `a is ${a.dtype} but b is ${b.dtype}; cast or requantize one first`);
  const tail = a.shape.slice(a.rank - b.rank);
  if (b.rank > a.rank || tail.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(op, `b ${fmt(b.shape)} must equal a trailing part of a ${fmt(a.shape)}`);
  }
}

export function add(a: Tensor, b: Tensor, outDtype?: DType): Tensor {
  checkBroadcast('add', a, b);
  return runKernel('Add', [a, b], {}, a.shape, checkOutDtype('add', outDtype ?? a.dtype));
}

export function mul(a: Tensor, b: Tensor, outDtype?: DType): Tensor {
  checkBroadcast('mul', a, b);
  return runKernel('Mul', [a, b], {}, a.shape, checkOutDtype('mul', outDtype ?? a.dtype));
}

/** max(x, 0); exact in every dtype. */
export function relu(x: Tensor): Tensor {
  checkTensor('relu', 'x', x);
  checkDType('relu', 'x', x, INT_DTYPES);
  return runKernel('Relu', [x], {}, x.shape, x.dtype, x.scale);
}

/** Convert to another dtype, saturating. The scale is kept: the integers mean the same reals. */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor('cast', 'x', x);
  checkDType('cast', 'x', x, INT_DTYPES);
  return runKernel('Cast', [x], {}, x.shape, checkOutDtype('cast', dtype), x.scale);
}

/** floor(sqrt(x)) elementwise on int32; negative inputs saturate to 0 (§6.4). */
export function isqrt(x: Tensor): Tensor {
  checkTensor('isqrt', 'x', x);
  checkDType('isqrt', 'x', x, ['int32']);
  return runKernel('Isqrt', [x], {}, x.shape, 'int32');
}
