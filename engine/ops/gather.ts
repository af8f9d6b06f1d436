/**
 * Embedding gather and rotary position embedding (engine/NUMERICS.md §11, §12).
 */
import { ParamError, ShapeError, ValueRangeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkInt, checkRank, checkTensor, fmt, runKernel } from './dispatch.js';

export interface GatherAttrs {
  ids: Int32Array;
}

/**
 * Rows of `table` [V, C] picked by host-side token ids; output [ids.length, C]. Ids come from
 * the host (a tokenizer or a read-back sample), so they are checked here, before any backend
 * runs, and an id outside [0, V) is a RANGE error that names its position.
 */
export function gather(table: Tensor, ids: Int32Array | readonly number[]): Tensor {
  const op = 'gather';
  checkTensor(op, 'table', table);
  checkDType(op, 'table', table, ['int8', 'int16', 'int32']);
  checkRank(op, 'table', table, [2]);
  if (!Array.isArray(ids) && !(ids instanceof Int32Array)) throw new ParamError(op, 'ids must be an Int32Array or an array of integers');
  const [v, c] = table.shape as [number, number];
  const copy = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= v) throw new ValueRangeError(op, `ids[${i}] = ${id} is outside the table's ${v} rows`);
    copy[i] = id;
  }
  return runKernel('Gather', [table], { ids: copy } satisfies GatherAttrs, [ids.length, c], table.dtype, table.scale);
}

export interface RopeAttrs {
  offset: number;
}

/**
 * Rotate consecutive pairs (x[2i], x[2i+1]) of x [..., T, D] by the angle of position
 * offset + t, with Q14 tables cos, sin [P, D/2] from engine/tables.ts#ropeTables:
 *   y[2i]   = sat(round((x[2i]·cos - x[2i+1]·sin) / 2^14))
 *   y[2i+1] = sat(round((x[2i]·sin + x[2i+1]·cos) / 2^14))
 */
export function rope(x: Tensor, cos: Tensor, sin: Tensor, offset = 0): Tensor {
  const op = 'rope';
  checkTensor(op, 'x', x);
  checkTensor(op, 'cos', cos);
  checkTensor(op, 'sin', sin);
  checkDType(op, 'x', x, ['int8', 'int16']);
  checkDType(op, 'cos', cos, ['int16']);
  checkDType(op, 'sin', sin, ['int16']);
  if (x.rank < 2) throw new ShapeError(op, `x must have rank >= 2 ([..., T, D]), got ${fmt(x.shape)}`);
  const [t, d] = x.shape.slice(-2) as [number, number];
  if (d % 2 !== 0) throw new ShapeError(op, `the last dimension ${d} must be even`);
  checkRank(op, 'cos', cos, [2]);
  if (cos.shape[1] !== d / 2 || sin.rank !== 2 || sin.shape[0] !== cos.shape[0] || sin.shape[1] !== d / 2) {
    throw new ShapeError(op, `cos ${fmt(cos.shape)} and sin ${fmt(sin.shape)} must both be [P, ${d / 2}]`);
  }
  checkInt(op, 'offset', offset, 0, 2 ** 31 - 1);
  if (offset + t > cos.shape[0]!) {
    throw new ValueRangeError(op, `positions up to ${offset + t - 1} exceed the tables' ${cos.shape[0]} positions`);
  }
  return runKernel('Rope', [x, cos, sin], { offset } satisfies RopeAttrs, x.shape, x.dtype, x.scale);
}

