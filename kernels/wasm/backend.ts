/**
 * The wasm backend (engine/NUMERICS.md §0): tensors live in the spml module's linear memory
 * (heap.ts) from upload to dispose, and kernels pass addresses, so activations never cross into
 * JavaScript between ops; only `read` copies out.
 */
import type { Backend } from '../../engine/backend.js';
import { DTYPE_BYTES, type DType, type IntArray } from '../../engine/dtype.js';
import type { Tensor } from '../../engine/tensor.js';
import { WasmHeap, type Block } from './heap.js';
import type { SpmlExports } from './module.js';

/** A tensor's bytes in linear memory, and, for a [K, N] matmul operand, its [N, K] copy. */
export interface WasmStorage {
  readonly block: Block;
  readonly bytes: number;
  transposed?: Block;
  released?: boolean;
}

const VIEWS = { int8: Int8Array, int16: Int16Array, int32: Int32Array } as const;

export class WasmBackend implements Backend {
  readonly name = 'wasm';
  readonly description = 'WebAssembly 128-bit SIMD (AssemblyScript), 1 thread';
  readonly heap: WasmHeap;

  constructor(readonly wasm: SpmlExports) {
    this.heap = new WasmHeap(wasm.memory, wasm.heapBase());
  }

  /** New storage of `bytes` bytes, contents undefined. */
  allocate(bytes: number): WasmStorage {
    return { block: this.heap.alloc(bytes), bytes };
  }

  upload(_dtype: DType, data: IntArray): WasmStorage {
    const s = this.allocate(data.byteLength);
    new Uint8Array(this.wasm.memory.buffer, s.block.ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return s;
  }

  /** A view of a tensor's elements, valid until the next allocation (memory may grow). */
  view(storage: WasmStorage, dtype: DType, size: number): IntArray {
    return new VIEWS[dtype](this.wasm.memory.buffer, storage.block.ptr, size);
  }

  readSync(storage: unknown, dtype: DType, size: number): IntArray {
    return this.view(storage as WasmStorage, dtype, size).slice();
  }

  read(storage: unknown, dtype: DType, size: number): Promise<IntArray> {
    return Promise.resolve(this.readSync(storage, dtype, size));
  }

  dispose(storage: unknown): void {
    const s = storage as WasmStorage;
    if (s.released) return;
    s.released = true;
    this.heap.release(s.block);
    if (s.transposed) this.heap.release(s.transposed);
  }
}

/** The address of a tensor of the wasm backend. */
export const addr = (t: Tensor): number => (t.storage as WasmStorage).block.ptr;

/** Element width in bytes, the dtype code of the module's kernels. */
export const width = (dtype: DType): number => DTYPE_BYTES[dtype];
