/**
 * LayerNorm and RMSNorm with an exact integer square root (engine/NUMERICS.md §10).
 *
 * Per row of C values, widened to 16 bits (w = x·2^8 for int8, w = x for int16):
 *   LayerNorm: μ = round(Σw / C), d_i = w_i - μ      RMSNorm: d_i = w_i
 *   Q = Σ d_i² + eps,   r = floor(sqrt(Q)),   z_i = round(d_i·2^14 / r)   (0 when r = 0)
 *   y_i = sat_out( requantize(wrap32(z_i·γ_i + β_i), M, n) )
 * z = d/‖d‖ carries the 1/sqrt(C) of the usual definition; the converter folds sqrt(C) into
 * {M, n} and β. Since |d_i| ≤ r, |z_i| ≤ 2^14 and every step fits 32 bits except Q (< 2^47).
 */
import type { DType } from '../dtype.js';
import { ParamError, ShapeError } from '../errors.js';
import { checkDyadic, type Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkInt, checkTensor, fmt, runKernel } from './dispatch.js';

/** Longest normalized row: keeps Σ d² + eps below 2^47 and |Σ w| at most 2^29. */
export const MAX_NORM_LENGTH = 16384;

export interface NormOptions {
  /** int32 [C] added after the gain (LayerNorm only). */
  beta?: Tensor;
  /** Integer added to Σ d² before the square root, in units of w² (w the widened input). */
  eps: number;
  /** Requantization from the accumulator z·γ + β to the output. */
  scale: Dyadic;
  outDtype: DType;
  outScale?: Dyadic;
}

export interface NormAttrs {
  eps: number;
  multiplier: number;
  shift: number;
  subtractMean: boolean;
  hasBeta: boolean;
}

function norm(op: string, subtractMean: boolean, x: Tensor, gamma: Tensor, o: NormOptions): Tensor {
  checkTensor(op, 'x', x);
  checkTensor(op, 'gamma', gamma);
  checkDType(op, 'x', x, ['int8', 'int16']);
  checkDType(op, 'gamma', gamma, ['int16']);
  if (x.rank < 1) throw new ShapeError(op, `x must have rank >= 1, got ${fmt(x.shape)}`);
  const c = x.shape[x.rank - 1]!;
  if (c < 1 || c > MAX_NORM_LENGTH) throw new ShapeError(op, `rows of ${c} are outside [1, ${MAX_NORM_LENGTH}]`);
  if (gamma.rank !== 1 || gamma.shape[0] !== c) throw new ShapeError(op, `gamma must have shape [${c}], got ${fmt(gamma.shape)}`);
  if (o === null || typeof o !== 'object') throw new ParamError(op, 'options {eps, scale, outDtype} are required');
  const inputs = [x, gamma];
  if (o.beta !== undefined) {
    if (!subtractMean) throw new ParamError(op, 'rmsNorm takes no beta');
    checkTensor(op, 'beta', o.beta);
    checkDType(op, 'beta', o.beta, ['int32']);
    if (o.beta.rank !== 1 || o.beta.shape[0] !== c) throw new ShapeError(op, `beta must have shape [${c}], got ${fmt(o.beta.shape)}`);
    inputs.push(o.beta);
  }
  checkInt(op, 'eps', o.eps, 0, 2 ** 31 - 1);
  checkDyadic(op, o.scale, 'scale');
  if (o.outScale !== undefined) checkDyadic(op, o.outScale, 'outScale');
  if (o.outDtype !== 'int8' && o.outDtype !== 'int16' && o.outDtype !== 'int32') {
    throw new ParamError(op, `outDtype must be int8, int16 or int32, got ${String(o.outDtype)}`);
  }
  const attrs: NormAttrs = {
    eps: o.eps,
    multiplier: o.scale.multiplier,
    shift: o.scale.shift,
    subtractMean,
    hasBeta: o.beta !== undefined,
  };
  return runKernel(subtractMean ? 'LayerNorm' : 'RmsNorm', inputs, attrs, x.shape, o.outDtype, o.outScale);
}

export function layerNorm(x: Tensor, gamma: Tensor, options: NormOptions): Tensor {
  return norm('layerNorm', true, x, gamma, options);
}

export function rmsNorm(x: Tensor, gamma: Tensor, options: Omit<NormOptions, 'beta'>): Tensor {
  return norm('rmsNorm', false, x, gamma, options);
}
