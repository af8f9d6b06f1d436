/**
 * Integer exp, softmax and the causal mask (engine/NUMERICS.md §8, §9).
 *
 * The scale {M, n} given to expNeg and softmax is not the input's scale s itself but
 * s·log2(e)·2^8, folded at conversion time (with 1/sqrt(d_head) for attention scores, and
 * 1/temperature for sampling), so that exp becomes a shift and one table lookup:
 *   u = round(d·M/2^n) counts 2^-8 steps of log2 units, exp(-d·s) = 2^-(u/256).
 */
import { ShapeError } from '../errors.js';
import { checkDyadic, type Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkInt, checkTensor, fmt, runKernel } from './dispatch.js';
import { view } from './layout.js';

export interface ScaleAttrs {
  multiplier: number;
  shift: number;
}

export interface CausalMaskAttrs {
  offset: number;
}

/** Longest softmax row: keeps Σ e_i ≤ 2^16 · 2^15 = 2^31. */
export const MAX_SOFTMAX_LENGTH = 65536;

/** exp(x·s) in Q15 (int32, 1.0 = 32768) for x ≤ 0; positive x saturate to 1.0. */
export function expNeg(x: Tensor, scale: Dyadic): Tensor {
  const op = 'expNeg';
  checkTensor(op, 'x', x);
  checkDType(op, 'x', x, ['int32']);
  checkDyadic(op, scale, 'scale');
  return runKernel('ExpNeg', [x], { multiplier: scale.multiplier, shift: scale.shift }, x.shape, 'int32');
}

/**
 * Softmax along the last axis of int32 scores; probabilities in Q14 (int16, 1.0 = 16384).
 * Entries equal to MASKED get exactly 0; a row with every entry masked is all 0.
 */
export function softmax(x: Tensor, scale: Dyadic): Tensor {
  const op = 'softmax';
  checkTensor(op, 'x', x);
  checkDType(op, 'x', x, ['int32']);
  if (x.rank < 1) throw new ShapeError(op, `x must have rank >= 1, got ${fmt(x.shape)}`);
  const len = x.shape[x.rank - 1]!;
  if (len > MAX_SOFTMAX_LENGTH) throw new ShapeError(op, `rows of ${len} exceed the maximum ${MAX_SOFTMAX_LENGTH}`);
  checkDyadic(op, scale, 'scale');
  return runKernel('Softmax', [x], { multiplier: scale.multiplier, shift: scale.shift }, x.shape, 'int16');
}

/**
 * Causal mask on scores [..., T, S]: entry (i, j) becomes MASKED when j > i + offset. With a KV
 * cache holding `offset` earlier positions, query i sits at absolute position offset + i.
 */
export function causalMask(x: Tensor, offset = 0): Tensor {
  const op = 'causalMask';
  checkTensor(op, 'x', x);
  checkDType(op, 'x', x, ['int32']);
  if (x.rank < 2) throw new ShapeError(op, `x must have rank >= 2 ([..., T, S]), got ${fmt(x.shape)}`);
  checkInt(op, 'offset', offset, 0, 2 ** 31 - 1);
  // Every key j ≤ S − 1 ≤ offset + i: nothing to mask (a decode step), so the result is x's bytes (§8).
  if (offset >= x.shape[x.rank - 1]! - 1) return view(x, x.shape, undefined);
  return runKernel('CausalMask', [x], { offset }, x.shape, 'int32');
}

