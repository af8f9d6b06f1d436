/**
 * gpu.js data movement (engine/NUMERICS.md §15, §16.2 "transpose, slice, concat"): pure index
 * copies, exact by construction.
 *
 * int32 data runs as one copy over its packed plane (hi limbs, then lo limbs, planes.ts), so a
 * thread past `size` copies a lo limb from the same position of the lo half. Coordinates come
 * from exact floorDiv by per-axis strides (§16.1 G5), never from `%` or `/`, and every flat index
 * stays below 2^24 (G6). Two-piece concat (the KV cache's append) reads both pieces where they
 * are, so it stays on the GPU; more pieces are gathered into one host plane first.
 */
import type { DType } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from '../../engine/ops/layout.js';
import { rowMajorStrides, type Tensor } from '../../engine/tensor.js';
import { gpujs, type GpujsBackend, type KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import { packedPlane } from './planes.js';

/** floorDiv needs its dividend below 2^23. */
const INDEX_LIMIT = 2 ** 23;

// y[e] = x[base + Σ_a c_a·srcStride_a] with c the coordinates of e in the output shape;
// geom holds the output strides, then the source strides. Bound: indices < 2^23.
const STRIDED_COPY: KernelSource = {
  name: 'layout.stridedCopy',
  source: `function (x, geom, rank, size, inSize, base) {
  const t = this.thread.x;
  let e = t;
  let src = base;
  if (t >= size) {
    e = t - size;
    src = base + inSize;
  }
  for (let a = 0; a < rank; a++) {
    const c = floorDiv(e, geom[a]);
    e = e - c * geom[a];
    src = src + c * geom[rank + a];
  }
  return x[src];
}`,
  functions: [FLOOR_DIV],
};

// Concat reads piece p of `pieces` from one plane holding every piece in order (all hi limbs
// first for int32); table holds (axis start, axis length, offset in the plane) per piece.
// Bound: indices < 2^23.
const CONCAT: KernelSource = {
  name: 'layout.concat',
  source: `function (x, table, pieces, total, inner, size, inSize) {
  const t = this.thread.x;
  let e = t;
  let half = 0;
  if (t >= size) {
    e = t - size;
    half = inSize;
  }
  const row = floorDiv(e, inner);
  const i = e - row * inner;
  const o = floorDiv(row, total);
  const a = row - o * total;
  let src = 0;
  for (let p = 0; p < pieces; p++) {
    const start = table[3 * p];
    const len = table[3 * p + 1];
    if (a >= start && a < start + len) {
      src = table[3 * p + 2] + (o * len + a - start) * inner + i;
    }
  }
  return x[src + half];
}`,
  functions: [FLOOR_DIV],
  loopMax: 4096,
};

// Concat of two pieces a [outer, lenA, inner] and b [outer, lenB, inner] along the middle axis,
// each in its packed plane (int32: hi limbs, then lo limbs at +sizeA / +sizeB). Bound: indices < 2^23.
const CONCAT2: KernelSource = {
  name: 'layout.concat2',
  source: `function (a, b, lenA, lenB, inner, size, sizeA, sizeB) {
  const t = this.thread.x;
  let e = t;
  let half = 0;
  if (t >= size) {
    e = t - size;
    half = 1;
  }
  const total = lenA + lenB;
  const row = floorDiv(e, inner);
  const i = e - row * inner;
  const o = floorDiv(row, total);
  const ax = row - o * total;
  if (ax < lenA) {
    return a[(o * lenA + ax) * inner + i + half * sizeA];
  }
  return b[(o * lenB + ax - lenA) * inner + i + half * sizeB];
}`,
  functions: [FLOOR_DIV],
};

function limbs(dtype: DType): number {
  return dtype === 'int32' ? 2 : 1;
}

function checkIndexRange(op: string, elements: number, dtype: DType): void {
  if (limbs(dtype) * elements >= INDEX_LIMIT) {
    throw new BackendError(op, `${elements} ${dtype} elements exceed gpu.js's exact index range (§16 G6)`);
  }
}

function stridedCopy(op: string, g: GpujsBackend, x: Tensor, dtype: DType, outShape: readonly number[], srcStrides: readonly number[], base: number, size: number): unknown {
  if (size === 0) return g.result(op, new Float32Array(0), dtype, 0);
  checkIndexRange(op, Math.max(x.size, size), dtype);
  const strides = [...rowMajorStrides(outShape), ...srcStrides];
  const geom = g.keyed(`layout.geom:${strides.join()}`, () => Float32Array.from(strides));
  const y = g.dispatch(STRIDED_COPY, limbs(dtype) * size, [g.plane(x), geom, outShape.length, size, x.size, base]);
  return g.result(op, y, dtype, size);
}

export const transposeKernel: KernelFunc<TransposeAttrs> = ({ backend, inputs, attrs, out }) => {
  const x = inputs[0]!;
  const inStrides = rowMajorStrides(x.shape);
  const srcStrides = attrs.perm.map((p) => inStrides[p]!);
  return stridedCopy('transpose', gpujs(backend), x, out.dtype, out.shape, srcStrides, 0, out.size);
};

export const sliceKernel: KernelFunc<SliceAttrs> = ({ backend, inputs, attrs, out }) => {
  const x = inputs[0]!;
  const inStrides = rowMajorStrides(x.shape);
  const base = attrs.begin.reduce((acc, b, a) => acc + b * inStrides[a]!, 0);
  return stridedCopy('slice', gpujs(backend), x, out.dtype, out.shape, inStrides, base, out.size);
};

export const concatKernel: KernelFunc<ConcatAttrs> = ({ backend, inputs, attrs, out }) => {
  const { axis } = attrs;
  const g = gpujs(backend);
  if (out.size === 0) return g.result('concat', new Float32Array(0), out.dtype, 0);
  checkIndexRange('concat', out.size, out.dtype);
  const inner = out.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  if (inputs.length === 2) {
    const [a, b] = inputs as [Tensor, Tensor];
    const y = g.dispatch(CONCAT2, limbs(out.dtype) * out.size, [g.plane(a), g.plane(b), a.shape[axis]!, b.shape[axis]!, inner, out.size, a.size, b.size]);
    return g.result('concat', y, out.dtype, out.size);
  }
  if (inputs.length > CONCAT.loopMax!) throw new BackendError('concat', `${inputs.length} pieces exceed the kernel's ${CONCAT.loopMax} (§16 G6)`);
  // Every piece's values, one after another, in the packed layout of the whole.
  const n = limbs(out.dtype);
  const plane = new Float32Array(n * out.size);
  const table = new Float32Array(3 * inputs.length);
  let start = 0;
  let offset = 0;
  inputs.forEach((t, p) => {
    const data = g.host(t);
    const packed = packedPlane(data, out.dtype);
    plane.set(packed.subarray(0, data.length), offset);
    if (n === 2) plane.set(packed.subarray(data.length), out.size + offset);
    table.set([start, t.shape[axis]!, offset], 3 * p);
    start += t.shape[axis]!;
    offset += data.length;
  });
  const y = g.dispatch(CONCAT, n * out.size, [plane, table, inputs.length, start, inner, out.size, out.size]);
  return g.result('concat', y, out.dtype, out.size);
};

