/** Reference data movement kernels (engine/NUMERICS.md §15). */
import { allocate } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from '../../engine/ops/layout.js';
import { rowMajorStrides } from '../../engine/tensor.js';
import { hostData } from '../shared/host_storage.js';

/** Visit every index of `shape` in row-major order, passing its coordinates. */
function forEachIndex(shape: readonly number[], visit: (coords: number[], flat: number) => void): void {
  const size = shape.reduce((a, b) => a * b, 1);
  const coords = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    visit(coords, flat);
    for (let ax = shape.length - 1; ax >= 0; ax--) {
      if (++coords[ax]! < shape[ax]!) break;
      coords[ax] = 0;
    }
  }
}

export const transposeKernel: KernelFunc<TransposeAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const inStrides = rowMajorStrides(inputs[0]!.shape);
  const y = allocate(out.dtype, out.size);
  forEachIndex(out.shape, (c, flat) => {
    let src = 0;
    for (let ax = 0; ax < c.length; ax++) src += c[ax]! * inStrides[attrs.perm[ax]!]!;
    y[flat] = x[src]!;
  });
  return y;
};

export const sliceKernel: KernelFunc<SliceAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const inStrides = rowMajorStrides(inputs[0]!.shape);
  const y = allocate(out.dtype, out.size);
  forEachIndex(out.shape, (c, flat) => {
    let src = 0;
    for (let ax = 0; ax < c.length; ax++) src += (c[ax]! + attrs.begin[ax]!) * inStrides[ax]!;
    y[flat] = x[src]!;
  });
  return y;
};

export const concatKernel: KernelFunc<ConcatAttrs> = ({ inputs, attrs, out }) => {
  const y = allocate(out.dtype, out.size);
  const outStrides = rowMajorStrides(out.shape);
  let offset = 0;
  for (const t of inputs) {
    const x = hostData(t);
    forEachIndex(t.shape, (c, flat) => {
      let dst = 0;
      for (let ax = 0; ax < c.length; ax++) dst += (ax === attrs.axis ? c[ax]! + offset : c[ax]!) * outStrides[ax]!;
      y[dst] = x[flat]!;
    });
    offset += t.shape[attrs.axis]!;
  }
  return y;
};
