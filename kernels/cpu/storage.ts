/**
 * The cpu backend's storage: a host typed array per tensor. Upload and read copy, so a caller
 * mutating its own array can never change a tensor after the fact.
 */
import type { Backend } from '../../engine/backend.js';
import type { DType, IntArray } from '../../engine/dtype.js';
import type { Tensor } from '../../engine/tensor.js';

export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly description = 'TypeScript reference (engine/NUMERICS.md), host memory';

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

/** The typed array behind a cpu tensor, without copying. Kernels must not write into it. */
export function cpuData(t: Tensor): IntArray {
  return t.storage as IntArray;
}
