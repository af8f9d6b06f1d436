/**
 * Data movement: reshape, transpose, slice and concat (engine/NUMERICS.md §15). They copy
 * integers and compute nothing, so they are exact by construction; they exist so that attention
 * heads and the KV cache never leave the backend.
 */
import type { Dyadic } from '../quant.js';
import { DTypeError, ParamError, ShapeError } from '../errors.js';
import { Tensor, checkShape, shapeSize } from '../tensor.js';
import { checkTensor, fmt, runKernel, sameShape } from './dispatch.js';

/** Same data, new shape; shares storage with x (no copy, no kernel). */
/** `x`'s storage as a tensor of `shape` and `scale`: no kernel, safe because tensors are immutable (§15). */
export function view(x: Tensor, shape: readonly number[], scale: Dyadic | undefined): Tensor {
  return new Tensor(x.backend, x.storage, x.dtype, [...shape], scale);
}

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('reshape', 'x', x);
  if (!Array.isArray(shape)) throw new ParamError('reshape', 'shape must be an array of dimensions');
  checkShape('reshape', shape);
  if (shapeSize(shape) !== x.size) throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  return view(x, shape, x.scale);
}

export interface TransposeAttrs {
  perm: number[];
}

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const op = 'transpose';
  checkTensor(op, 'x', x);
  if (!Array.isArray(perm)) throw new ParamError(op, 'perm must be an array of axes');
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.rank || sorted.some((p, i) => p !== i)) {
    throw new ParamError(op, `perm [${perm.join(', ')}] is not a permutation of the ${x.rank} axes of ${fmt(x.shape)}`);
  }
  const shape = perm.map((p) => x.shape[p]!);
  // Axes of length 1 can move freely: when the longer axes keep their order, every element
  // already sits where the transpose puts it, so the result is a view, as reshape gives (§15).
  const moved = perm.filter((p) => x.shape[p]! > 1);
  if (moved.every((p, i) => i === 0 || moved[i - 1]! < p)) return view(x, shape, x.scale);
  return runKernel('Transpose', [x], { perm: [...perm] } satisfies TransposeAttrs, shape, x.dtype, x.scale);
}

export interface SliceAttrs {
  begin: number[];
}

/** The block of x starting at `begin` with extent `size` in every axis. */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const op = 'slice';
  checkTensor(op, 'x', x);
  if (!Array.isArray(begin) || !Array.isArray(size)) throw new ParamError(op, 'begin and size must be arrays');
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new ParamError(op, `begin and size need ${x.rank} entries for ${fmt(x.shape)}`);
  }
  for (let i = 0; i < x.rank; i++) {
    const b = begin[i]!;
    const s = size[i]!;
    if (!Number.isInteger(b) || !Number.isInteger(s) || b < 0 || s < 0 || b + s > x.shape[i]!) {
      throw new ShapeError(op, `axis ${i}: [${b}, ${b + s}) is outside [0, ${x.shape[i]})`);
    }
  }
  // The whole of x (a decode step's last row of logits): a view, as reshape gives (§15).
  if (sameShape(size, x.shape)) return view(x, size, x.scale);
  return runKernel('Slice', [x], { begin: [...begin] } satisfies SliceAttrs, [...size], x.dtype, x.scale);
}

export interface ConcatAttrs {
  axis: number;
}

/** Join tensors of one dtype along `axis`; every other axis must agree. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const op = 'concat';
  if (!Array.isArray(xs) || xs.length === 0) throw new ParamError(op, 'needs at least one tensor');
  xs.forEach((t, i) => checkTensor(op, `xs[${i}]`, t));
  const first = xs[0]!;
  if (!Number.isInteger(axis) || axis < 0 || axis >= first.rank) throw new ParamError(op, `axis ${axis} is outside [0, ${first.rank})`);
  let total = 0;
  for (const [i, t] of xs.entries()) {
    if (t.dtype !== first.dtype) throw new DTypeError(op, `xs[${i}] is ${t.dtype}, xs[0] is ${first.dtype}`);
    const other = (s: readonly number[]) => s.filter((_, j) => j !== axis);
    if (t.rank !== first.rank || !sameShape(other(t.shape), other(first.shape))) {
      throw new ShapeError(op, `xs[${i}] ${fmt(t.shape)} does not match xs[0] ${fmt(first.shape)} outside axis ${axis}`);
    }
    total += t.shape[axis]!;
  }
  const shape = first.shape.map((d: number, j: number) => (j === axis ? total : d));
  return runKernel('Concat', xs, { axis } satisfies ConcatAttrs, shape, first.dtype, first.scale);
}
