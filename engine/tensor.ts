/**
 * The Tensor type: shape, dtype, optional quantization scale, and storage owned by one
 * backend (engine/NUMERICS.md §1).
 *
 * Tensors are immutable. Ops never read data back to the host unless the caller asks, so a GPU
 * backend keeps data resident from op to op.
 */
import type { Backend } from './backend.js';
import { DTYPE_MAX, DTYPE_MIN, allocate, dtypeOfArray, isDType, type DType, type IntArray, type TypedArrayFor } from './dtype.js';
import { BackendError, DTypeError, ShapeError, ValueRangeError } from './errors.js';
import { checkDyadic, type Dyadic } from './quant.js';
import { track } from './scope.js';

/**
 * How many live tensors share each storage: reshape makes a view on its input's storage, so the
 * storage is released to the backend only when the last tensor on it is disposed. A WeakMap, so
 * tensors never disposed (host backends rely on the garbage collector) cost nothing here.
 */
const sharers = new WeakMap<object, number>();

export class Tensor<D extends DType = DType> {
  readonly size: number;
  private disposed = false;

  constructor(
    readonly backend: Backend,
    readonly storage: unknown,
    readonly dtype: D,
    readonly shape: readonly number[],
    /** Real value of an element = q * scale. Metadata only: integer ops never look at it. */
    readonly scale?: Dyadic,
  ) {
    this.size = shapeSize(shape);
    if (typeof storage === 'object' && storage !== null) sharers.set(storage, (sharers.get(storage) ?? 0) + 1);
    track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Copy the data to the host. */
  async data(): Promise<TypedArrayFor<D>> {
    this.assertLive('data');
    return (await this.backend.read(this.storage, this.dtype, this.size)) as TypedArrayFor<D>;
  }

  /** Copy the data to the host synchronously; only backends with host storage can. */
  dataSync(): TypedArrayFor<D> {
    this.assertLive('dataSync');
    if (!this.backend.readSync) {
      throw new BackendError('dataSync', `backend '${this.backend.name}' cannot read synchronously; use await tensor.data()`);
    }
    return this.backend.readSync(this.storage, this.dtype, this.size) as TypedArrayFor<D>;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const s = this.storage;
    if (typeof s === 'object' && s !== null) {
      const left = (sharers.get(s) ?? 1) - 1;
      if (left > 0) return void sharers.set(s, left);
      sharers.delete(s);
    }
    this.backend.dispose(s);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  assertLive(op: string): void {
    if (this.disposed) throw new BackendError(op, 'tensor was disposed');
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Element strides of a dense row-major tensor: the last axis is contiguous. */
export function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let ax = shape.length - 2; ax >= 0; ax--) s[ax] = s[ax + 1]! * shape[ax + 1]!;
  return s;
}

export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new ShapeError(op, `shape must be an array of dimensions`);
  // The canonical byte layout stores the rank in one byte (NUMERICS.md §2).
  if (shape.length > 255) throw new ShapeError(op, `rank ${shape.length} exceeds 255`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 2 ** 31 - 1) {
      throw new ShapeError(op, `dimension ${d} in shape [${shape.join(', ')}] is not an integer in [0, 2^31-1]`);
    }
  }
}

/**
 * Create a tensor on `backend` from integer data. Plain number arrays are checked to hold
 * integers inside the dtype's range; they are never wrapped or rounded silently.
 */
export function tensor<D extends DType>(
  backend: Backend,
  data: IntArray | readonly number[],
  shape: readonly number[],
  dtype?: D,
  scale?: Dyadic,
): Tensor<D> {
  const op = 'tensor';
  checkShape(op, shape);
  const size = shapeSize(shape);
  let array: IntArray;
  if (ArrayBuffer.isView(data)) {
    const actual = dtypeOfArray(data);
    if (actual === undefined) {
      throw new DTypeError(op, `data is a ${data.constructor.name}; only Int8Array, Int16Array and Int32Array hold tensor data`);
    }
    if (dtype !== undefined && dtype !== actual) throw new DTypeError(op, `data is ${actual} but dtype '${dtype}' was asked for`);
    array = data as IntArray;
  } else {
    if (dtype === undefined) throw new DTypeError(op, 'a dtype is required when data is a plain array');
    if (!isDType(dtype)) throw new DTypeError(op, `unknown dtype '${String(dtype)}'`);
    array = allocate(dtype, data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isInteger(v) || v < DTYPE_MIN[dtype] || v > DTYPE_MAX[dtype]) {
        throw new ValueRangeError(op, `element ${i} is ${v}, not an integer in the ${dtype} range [${DTYPE_MIN[dtype]}, ${DTYPE_MAX[dtype]}]`);
      }
      array[i] = v;
    }
  }
  if (array.length !== size) {
    throw new ShapeError(op, `${array.length} elements do not fill shape [${shape.join(', ')}] (${size} elements)`);
  }
  if (scale !== undefined) checkDyadic(op, scale, 'scale');
  const dt = dtypeOfArray(array) as D;
  return new Tensor(backend, backend.upload(dt, array), dt, [...shape], scale);
}
