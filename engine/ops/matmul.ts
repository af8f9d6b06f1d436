/**
 * matmul: int8/int16 × int8 → int32 with optional int32 bias (engine/NUMERICS.md §5).
 *
 *   C[b,i,j] = bias[j] + Σ_k A[b,i,k] · B[b,k,j]      accumulated in Z / 2^32
 *
 * Accumulation is exact and then wrapped to 32 bits, which is associative, so every summation
 * order gives the same bits. Nothing wraps while K·2^14 + |bias| ≤ 2^31 - 1 (int8 A: products
 * ≤ 2^14) or K·2^22 + |bias| ≤ 2^31 - 1 (int16 A: products ≤ 2^22); see NUMERICS.md §5.
 */
import { ParamError, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkRank, checkTensor, fmt, runKernel } from './dispatch.js';

export interface MatMulOptions {
  /** int32 [N], added to every row. */
  bias?: Tensor;
  /** B is given as [..., N, K] (for Q·Kᵀ and a tied LM head). */
  transposeB?: boolean;
}

export interface MatMulAttrs {
  batch: number;
  m: number;
  k: number;
  n: number;
  /** B has its own batch dimension; otherwise one B serves every batch. */
  bBatched: boolean;
  transposeB: boolean;
  hasBias: boolean;
}

/** A checked matmul: its kernel inputs, attributes and output shape (shared with linear.ts). */
export interface MatMulCall {
  readonly inputs: Tensor[];
  readonly attrs: MatMulAttrs;
  readonly shape: number[];
}

/** Check matmul's operands as op `op` and work out its attributes; every error names `op`. */
export function checkMatMul(op: string, a: Tensor, b: Tensor, options: MatMulOptions): MatMulCall {
  if (options === null || typeof options !== 'object') throw new ParamError(op, 'options must be an object');
  checkTensor(op, 'a', a);
  checkTensor(op, 'b', b);
  checkDType(op, 'a', a, ['int8', 'int16']);
  checkDType(op, 'b', b, ['int8']);
  checkRank(op, 'a', a, [2, 3]);
  checkRank(op, 'b', b, [2, 3]);
  const transposeB = options.transposeB === true;
  const batch = a.rank === 3 ? a.shape[0]! : 1;
  const [m, k] = a.shape.slice(-2) as [number, number];
  const bBatched = b.rank === 3;
  if (bBatched && (a.rank !== 3 || b.shape[0] !== batch)) {
    throw new ShapeError(op, `batched b ${fmt(b.shape)} needs a of the same batch, got a ${fmt(a.shape)}`);
  }
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const [kb, n] = transposeB ? [b1, b0] : [b0, b1];
  if (kb !== k) {
    throw new ShapeError(op, `inner dimensions differ: a ${fmt(a.shape)} and b ${fmt(b.shape)}${transposeB ? ' (transposed)' : ''}`);
  }
  const inputs = [a, b];
  if (options.bias !== undefined) {
    checkTensor(op, 'bias', options.bias);
    checkDType(op, 'bias', options.bias, ['int32']);
    if (options.bias.rank !== 1 || options.bias.shape[0] !== n) {
      throw new ShapeError(op, `bias must have shape [${n}], got ${fmt(options.bias.shape)}`);
    }
    inputs.push(options.bias);
  }
  const attrs: MatMulAttrs = { batch, m, k, n, bBatched, transposeB, hasBias: options.bias !== undefined };
  const shape = a.rank === 3 ? [batch, m, n] : [m, n];
  return { inputs, attrs, shape };
}

export function matmul(a: Tensor, b: Tensor, options: MatMulOptions = {}): Tensor {
  const { inputs, attrs, shape } = checkMatMul('matmul', a, b, options);
  return runKernel('MatMul', inputs, attrs, shape, 'int32');
}
