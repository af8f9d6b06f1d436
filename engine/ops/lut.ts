/**
 * lut: exact table lookup over int8 inputs (engine/NUMERICS.md §7). GELU and SiLU are lookups
 * into tables built by engine/tables.ts, so their only error is the table's rounding.
 *
 *   y = table[x + 128]
 */
import { ShapeError } from '../errors.js';
import { checkDyadic, type Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkTensor, fmt, runKernel } from './dispatch.js';

export function lut(x: Tensor, table: Tensor, outScale?: Dyadic): Tensor {
  const op = 'lut';
  checkTensor(op, 'x', x);
  checkTensor(op, 'table', table);
  checkDType(op, 'x', x, ['int8']);
  checkDType(op, 'table', table, ['int8', 'int16']);
  if (table.rank !== 1 || table.shape[0] !== 256) throw new ShapeError(op, `table must have shape [256], got ${fmt(table.shape)}`);
  if (outScale !== undefined) checkDyadic(op, outScale, 'outScale');
  return runKernel('Lut', [x, table], {}, x.shape, table.dtype, outScale);
}
