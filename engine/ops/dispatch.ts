/**
 * Shared plumbing of the op layer: input checks that every op repeats, and the call into the
 * kernel registry. Ops validate everything (shapes, dtypes, parameters) before dispatch, so a
 * backend's kernels never see bad input and every backend rejects it the same way.
 */
import { BackendError, DTypeError, ParamError, ShapeError } from '../errors.js';
import type { DType } from '../dtype.js';
import { getKernel } from '../kernel_registry.js';
import { opOfKernel, type KernelName, type OpAttrs } from './op_table.js';
import { Tensor, shapeSize } from '../tensor.js';
import type { Dyadic } from '../quant.js';

export function checkTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new ParamError(op, `${name} must be a Tensor`);
  t.assertLive(op);
}

export function checkDType(op: string, name: string, t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw new DTypeError(op, `${name} must be ${allowed.join(' or ')}, got ${t.dtype}`);
  }
}

export function checkRank(op: string, name: string, t: Tensor, ranks: readonly number[]): void {
  if (!ranks.includes(t.rank)) {
    throw new ShapeError(op, `${name} must have rank ${ranks.join(' or ')}, got shape [${t.shape.join(', ')}]`);
  }
}

export function checkInt(op: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ParamError(op, `${name} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
  }
  return v;
}

export const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Run kernel `name` on the inputs' backend and wrap its output storage in a Tensor. */
export function runKernel<K extends KernelName>(
  name: K,
  inputs: readonly Tensor[],
  attrs: OpAttrs[K],
  shape: readonly number[],
  dtype: DType,
  scale?: Dyadic,
): Tensor {
  const backend = inputs[0]!.backend;
  for (const t of inputs) {
    if (t.backend !== backend) {
      throw new BackendError(opOfKernel(name), `inputs live on different backends ('${backend.name}' and '${t.backend.name}')`);
    }
  }
  const kernel = getKernel(backend.name, name);
  const out = { shape: [...shape], dtype, size: shapeSize(shape) };
  const storage = kernel.kernelFunc({ backend, inputs, attrs, out });
  return new Tensor(backend, storage, dtype, out.shape, scale);
}
