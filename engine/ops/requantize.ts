/**
 * requantize: rescale integers by a dyadic multiplier M·2^-n and saturate
 * (engine/NUMERICS.md §4).
 *
 *   y = sat_out( sign(x) · floor((|x|·M + 2^(n-1)) / 2^n) )
 *
 * i.e. x·M/2^n rounded half away from zero. The 31×32-bit product is exact (64 bits, built
 * from 16-bit limbs); only the final saturation can clip. Per-channel multipliers apply along
 * the last axis.
 */
import type { DType } from '../dtype.js';
import { ParamError, ShapeError } from '../errors.js';
import { checkDyadic, type Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkTensor, runKernel } from './dispatch.js';

export interface RequantizeAttrs {
  /** One entry per channel (last axis), or a single entry for the whole tensor. */
  multipliers: Int32Array;
  shifts: Int32Array;
  /** Set when these attrs come back on later calls (a model's frozen scales): a backend may keep its copy. */
  reused?: boolean;
}

/** Frozen scale lists, validated once: a model's own, used on every pass (arch/int_model.ts channels). */
const checked = new WeakMap<readonly Dyadic[], RequantizeAttrs>();

function checkedScales(op: string, list: readonly Dyadic[]): RequantizeAttrs {
  // A frozen list whose entries were frozen when it was first seen can never change after.
  const hit = Object.isFrozen(list) ? checked.get(list) : undefined;
  if (hit) return hit;
  const frozen = Object.isFrozen(list) && list.every(Object.isFrozen);
  list.forEach((d, i) => checkDyadic(op, d, list.length > 1 ? `scale[${i}]` : 'scale'));
  const attrs: RequantizeAttrs = {
    multipliers: Int32Array.from(list, (d) => d.multiplier),
    shifts: Int32Array.from(list, (d) => d.shift),
  };
  if (!frozen) return attrs;
  const kept = { ...attrs, reused: true };
  checked.set(list, kept);
  return kept;
}

/** Check requantize's scales and output for an input of `shape` as op `op`; every error names `op`. */
export function checkRequantize(op: string, shape: readonly number[], scale: Dyadic | readonly Dyadic[], outDtype: DType, outScale?: Dyadic): RequantizeAttrs {
  if (outDtype !== 'int8' && outDtype !== 'int16' && outDtype !== 'int32') {
    throw new ParamError(op, `outDtype must be int8, int16 or int32, got ${String(outDtype)}`);
  }
  const list = Array.isArray(scale) ? (scale as readonly Dyadic[]) : [scale as Dyadic];
  const channels = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  if (list.length !== 1 && list.length !== channels) {
    throw new ShapeError(op, `${list.length} per-channel scales do not match the last dimension ${channels}`);
  }
  const attrs = checkedScales(op, list);
  if (outScale !== undefined) checkDyadic(op, outScale, 'outScale');
  return attrs;
}

export function requantize(x: Tensor, scale: Dyadic | readonly Dyadic[], outDtype: DType, outScale?: Dyadic): Tensor {
  const op = 'requantize';
  checkTensor(op, 'x', x);
  checkDType(op, 'x', x, ['int8', 'int16', 'int32']);
  const attrs = checkRequantize(op, x.shape, scale, outDtype, outScale);
  return runKernel('Requantize', [x], attrs, x.shape, outDtype, outScale);
}
