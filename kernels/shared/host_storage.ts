/**
 * Host storage for backends whose tensors live in host memory (cpu, and gpujs, which uploads
 * operands per kernel run): a typed array per tensor (engine/NUMERICS.md §0.2). Upload and read
 * copy, so a caller mutating its own array can never change a tensor after the fact.
 */
import type { Backend } from '../../engine/backend.js';
import type { DType, IntArray } from '../../engine/dtype.js';
import type { Tensor } from '../../engine/tensor.js';

/** A backend whose storage is a host typed array; subclasses name it and run its kernels. */
export abstract class HostStorageBackend implements Backend {
  abstract readonly name: string;
  abstract readonly description: string;

  upload(_dtype: DType, data: IntArray): IntArray {
    return data.slice();
  }

  readSync(storage: unknown): IntArray {
    return (storage as IntArray).slice();
  }

  read(storage: unknown): Promise<IntArray> {
    return Promise.resolve(this.readSync(storage));
  }

  dispose(): void {
    // Host arrays are reclaimed by the garbage collector.
  }
}

/**
 * The host array behind a tensor of a host-storage backend, without copying. Kernels must not
 * write into it.
 */
export function hostData(t: Tensor): IntArray {
  return t.storage as IntArray;
}
