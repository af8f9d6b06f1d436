/**
 * The wasm backend (engine/NUMERICS.md §0): tensors live in the spml module's linear memory
 * (heap.ts) from upload to dispose, and kernels pass addresses, so activations never cross into
 * JavaScript between ops; only `read` copies out. With a thread pool (threads.ts) the memory is
 * shared and matmul's rows are split across threads, which cannot change its bytes (§5: rows are
 * independent); without one, everything runs on the calling thread.
 */
import type { Backend } from '../../engine/backend.js';
import { DTYPE_BYTES, type DType, type IntArray } from '../../engine/dtype.js';
import type { Tensor } from '../../engine/tensor.js';
import { WasmHeap, type Block } from './heap.js';
import type { SpmlExports } from './module.js';
import type { WasmThreadPool } from './threads.js';

/** A tensor's bytes in linear memory, and, for a [K, N] matmul operand, its [N, K] copy. */
export interface WasmStorage {
  readonly block: Block;
  readonly bytes: number;
  transposed?: Block;
  released?: boolean;
}

const VIEWS = { int8: Int8Array, int16: Int16Array, int32: Int32Array } as const;

export interface WasmBackendOptions {
  /** The registry name (kernels are looked up by it); 'wasm' unless registered under another. */
  name?: string;
  /** The workers beside the calling thread; none: one thread. */
  pool?: WasmThreadPool;
  /** Why it runs on one thread though more were asked for, said in the description. */
  singleThreadReason?: string;
}

export class WasmBackend implements Backend {
  readonly name: string;
  readonly description: string;
  readonly heap: WasmHeap;
  readonly pool: WasmThreadPool | undefined;
  /** Threads that run matmul: the calling thread and the pool's workers. */
  readonly threads: number;

  constructor(
    readonly wasm: SpmlExports,
    options: WasmBackendOptions = {},
  ) {
    this.name = options.name ?? 'wasm';
    this.pool = options.pool;
    this.threads = this.pool?.threads ?? 1;
    const threads = this.threads === 1 ? `1 thread${options.singleThreadReason ? `: ${options.singleThreadReason}` : ''}` : `${this.threads} threads`;
    this.description = `WebAssembly 128-bit SIMD (AssemblyScript), ${threads}`;
    this.heap = new WasmHeap(wasm.memory, wasm.heapBase());
  }

  /** End the worker threads (a later matmul throws); Node exits without this too. */
  shutdown(): void {
    this.pool?.shutdown();
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

/** Run `use` with `words` copied into linear memory, then free them. */
export function withWords<T>(be: WasmBackend, words: Int32Array, use: (ptr: number) => T): T {
  const s = be.upload('int32', words);
  try {
    return use(s.block.ptr);
  } finally {
    be.dispose(s);
  }
}
