/**
 * Instantiates the spml WebAssembly module (built from kernels/wasm/assembly by build.ts; the
 * bytes are embedded in module_bytes.ts so that Node and browser bundles load it the same way,
 * without fetching anything). Fails with a BackendError where WebAssembly or its 128-bit SIMD is
 * unavailable: asking for wasm there is an error, never a fallback.
 */
import { BackendError } from '../../engine/errors.js';
import { SPML_WASM_BASE64, SPML_WASM_THREADS_BASE64 } from './build/module_bytes.js';

/** The module's exports (kernels/wasm/assembly/index.ts). Pointers are byte addresses. */
export interface SpmlExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  matmul(a: number, aBytes: number, bt: number, bias: number, c: number, batch: number, m: number, k: number, n: number, bBatched: number, row0: number, row1: number): void;
  transposeB(b: number, bt: number, batch: number, k: number, n: number): void;
  requantize(x: number, xBytes: number, y: number, yBytes: number, size: number, mults: number, shifts: number, channels: number): void;
  binary(op: number, a: number, b: number, xBytes: number, y: number, yBytes: number, size: number, bSize: number): void;
  unary(op: number, x: number, xBytes: number, y: number, yBytes: number, size: number): void;
  lut(x: number, table: number, y: number, yBytes: number, size: number): void;
  stridedCopy(src: number, dst: number, bytes: number, rank: number, dims: number): void;
  rope(x: number, bytes: number, cos: number, sin: number, y: number, rows: number, t: number, d: number, offset: number): void;
  norm(x: number, xBytes: number, gamma: number, beta: number, y: number, yBytes: number, rows: number, c: number, eps: number, m: number, n: number, subtractMean: number): void;
  argmax(x: number, xBytes: number, y: number, rows: number, len: number): void;
  sample(x: number, y: number, rows: number, v: number, m: number, n: number, seedLo: number, seedHi: number, stepLo: number, stepHi: number, topK: number, topP: number, table: number, scratch: number): void;
  expNeg(x: number, y: number, size: number, m: number, n: number, table: number): void;
  softmax(x: number, y: number, rows: number, len: number, m: number, n: number, table: number): void;
  causalMask(x: number, y: number, count: number, t: number, s: number, offset: number): void;
}

function decodeBase64(b64: string): Uint8Array {
  const g = globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array }; atob?: (s: string) => string };
  if (g.Buffer) return new Uint8Array(g.Buffer.from(b64, 'base64'));
  const bin = g.atob!(b64);
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** The module's bytes, as committed. */
export function spmlWasmBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(decodeBase64(SPML_WASM_BASE64));
}

/** The threaded variant's bytes: the same code on an imported, shared memory (build.ts). */
export function spmlWasmThreadsBytes(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(decodeBase64(SPML_WASM_THREADS_BASE64));
}

/**
 * The limits of the threaded module's memory, as build.ts declares them in its import (a shared
 * memory must have a maximum; the one given must fit the import's).
 */
export const SHARED_MEMORY_PAGES = { initial: 17, maximum: 32768 } as const;

/**
 * Why threads cannot run here, or undefined where they can: they need SharedArrayBuffer (which a
 * browser offers only to cross-origin-isolated pages, COOP + COEP), a shared WebAssembly.Memory
 * and a runtime that compiles the threaded module.
 */
export function sharedMemoryUnavailable(): string | undefined {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  if (typeof WebAssembly !== 'object') return 'no WebAssembly';
  if (typeof g.SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer (a browser page needs cross-origin isolation)';
  if (g.crossOriginIsolated === false) return 'the page is not cross-origin isolated';
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(m.buffer instanceof SharedArrayBuffer)) return 'no shared WebAssembly memory';
  } catch {
    return 'no shared WebAssembly memory';
  }
  if (!WebAssembly.validate(spmlWasmThreadsBytes())) return 'this runtime cannot compile the threaded module';
  return undefined;
}

/** Whether this runtime can compile the module (WebAssembly with 128-bit SIMD). */
export function wasmSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(spmlWasmBytes());
}

/** The compiled module and its instance on this thread. */
export interface SpmlInstance {
  readonly module: WebAssembly.Module;
  readonly exports: SpmlExports;
}

/**
 * Compile and instantiate the module: the one-thread variant with its own memory, or, given a
 * shared `memory` (SHARED_MEMORY_PAGES), the threaded variant on it, whose compiled module the
 * workers instantiate on the same memory (threads.ts).
 */
export async function compileSpml(memory?: WebAssembly.Memory): Promise<SpmlInstance> {
  if (typeof WebAssembly !== 'object') throw new BackendError('wasm', 'this runtime has no WebAssembly');
  const bytes = memory ? spmlWasmThreadsBytes() : spmlWasmBytes();
  if (!WebAssembly.validate(bytes)) {
    throw new BackendError('wasm', 'this runtime cannot compile the spml module: it needs WebAssembly 128-bit SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+)');
  }
  const module = await WebAssembly.compile(bytes);
  const env: Record<string, unknown> = { abort: () => { throw new BackendError('wasm', 'the module aborted'); } };
  if (memory) env.memory = memory;
  const instance = await WebAssembly.instantiate(module, { env } as WebAssembly.Imports);
  // The threaded variant imports its memory and re-exports it, so `exports.memory` is `memory`.
  return { module, exports: instance.exports as unknown as SpmlExports };
}

export async function instantiateSpml(): Promise<SpmlExports> {
  return (await compileSpml()).exports;
}
