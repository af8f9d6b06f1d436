/**
 * How many WebAssembly memories gpujs-webasm keeps alive at once.
 *
 * gpu.js 2.24's WebAssemblyKernel bakes every offset into its bytecode, so it builds one module
 * and one `WebAssembly.Memory` per size signature (the output size and each array argument's
 * length) and caches up to 8 of them per kernel. spml's kernels meet a new signature at almost
 * every decoded token, so the determinism bench's cases hold about 190 memories at once. Node 20
 * (no V8 sandbox) does not mind. Chromium does: its V8 places every wasm memory inside the 1 TiB
 * sandbox with 8 GiB of address space reserved for each, whatever its initial and maximum size,
 * so a page holds at most about 125 (Chromium 156, measured: the same with maximum 1 page or
 * 4096, shared or not) and the next one throws 'WebAssembly.Memory(): could not allocate memory'.
 * A smaller maximum would not help. Firefox holds up to 1000.
 *
 * So the backend keeps one least-recently-used list of the (kernel, signature) entries of all its
 * kernels, at most WASM_MEMORY_BUDGET long, and lifts gpu.js's own per-kernel limit so that this
 * list alone decides. An evicted entry leaves its kernel's cache; its memory is then garbage, and
 * the engine collects it when an allocation would otherwise fail. Should an allocation fail anyway (a page
 * holding memories of its own, a smaller sandbox), every entry is released, the budget halves and
 * the kernel runs once more. An entry is a pure function of the kernel's source and the sizes, so
 * eviction changes what gets recompiled, never a byte of a result.
 *
 * This reads fields of gpu.js's WebAssemblyKernel that are not its API (`_moduleCache`, `_active`,
 * `moduleCacheLimit`); they are checked on first use, for gpu.js 2.24.1, the version package.json
 * pins.
 */
import { BackendError } from '../../engine/errors.js';

/**
 * Half of what a Chromium page can hold. On the bench's cases this compiles about 10% more
 * modules than gpu.js's 8 per kernel did (which held up to 190 memories); 32 would compile 4 times
 * as many.
 */
export const WASM_MEMORY_BUDGET = 64;
/** The budget never halves below this: under it, nearly every run would compile a module. */
const MIN_BUDGET = 8;

/** One cached module and its memory, as gpu.js 2.24.1's WebAssemblyKernel keeps them. */
interface Entry {
  readonly sizeSignature: string;
}
/** The internals of a gpu.js 2.24.1 WebAssemblyKernel this module touches. */
interface WasmKernelInternals {
  moduleCacheLimit: number;
  _moduleCache: Map<string, Entry>;
  _active: Entry | null;
}

/** The error V8 ('could not allocate memory') or SpiderMonkey ('out of memory') throws. */
function isAllocationFailure(e: unknown): boolean {
  return e instanceof RangeError && /could not allocate memory|out of memory/i.test(e.message);
}

function internals(kernel: unknown, name: string): WasmKernelInternals {
  const k = kernel as Partial<WasmKernelInternals> | undefined;
  const active = k?._active;
  if (!(k?._moduleCache instanceof Map) || typeof k.moduleCacheLimit !== 'number' || !active || k._moduleCache.get(active.sizeSignature) !== active) {
    throw new BackendError(name, "gpu.js's WebAssemblyKernel is not the one gpujs-webasm adapts (its module cache is missing); install gpu.js@2.24.1");
  }
  return k as WasmKernelInternals;
}

export class WasmMemoryBudget {
  /** Every cached entry of every kernel, least recently used first, with its kernel. */
  private readonly lru = new Map<Entry, WasmKernelInternals>();
  private readonly seen = new WeakSet<WasmKernelInternals>();

  constructor(private budget = WASM_MEMORY_BUDGET) {}

  /** How many memories the backend's kernels hold now. */
  get live(): number {
    return this.lru.size;
  }

  /** Runs a kernel; when its memory cannot be allocated, releases every other and runs it again. */
  run<T>(name: string, call: () => T): T {
    try {
      return call();
    } catch (e) {
      if (!isAllocationFailure(e)) throw e;
      this.budget = Math.max(MIN_BUDGET, Math.floor(this.lru.size / 2));
      this.releaseAll();
      try {
        return call();
      } catch (again) {
        if (!isAllocationFailure(again)) throw again;
        throw new BackendError(name, `no WebAssembly memory can be allocated even with every cached one released (${String(again)})`);
      }
    }
  }

  /** After a run on `kernel` (a WebAssemblyKernel): counts the entry it ran on, evicts past the budget. */
  note(name: string, kernel: unknown): void {
    const k = internals(kernel, name);
    if (!this.seen.has(k)) {
      this.seen.add(k);
      k.moduleCacheLimit = Number.POSITIVE_INFINITY;
      for (const entry of k._moduleCache.values()) this.lru.set(entry, k);
    }
    const entry = k._active!;
    this.lru.delete(entry);
    this.lru.set(entry, k);
    while (this.lru.size > this.budget) this.evict(this.lru.keys().next().value!);
  }

  private evict(entry: Entry): void {
    const k = this.lru.get(entry)!;
    this.lru.delete(entry);
    k._moduleCache.delete(entry.sizeSignature);
    if (k._active === entry) k._active = null;
  }

  private releaseAll(): void {
    for (const entry of [...this.lru.keys()]) this.evict(entry);
  }
}
