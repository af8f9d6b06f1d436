/**
 * Instantiates the spml WebAssembly module (built from kernels/wasm/assembly by build.ts; the
 * bytes are embedded in module_bytes.ts so that Node and browser bundles load it the same way,
 * without fetching anything). Fails with a BackendError where WebAssembly or its 128-bit SIMD is
 * unavailable: asking for wasm there is an error, never a fallback.
 */
import { BackendError } from '../../engine/errors.js';
import { SPML_WASM_BASE64 } from './build/module_bytes.js';

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

/** Whether this runtime can compile the module (WebAssembly with 128-bit SIMD). */
export function wasmSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(spmlWasmBytes());
}

export async function instantiateSpml(): Promise<SpmlExports> {
  if (typeof WebAssembly !== 'object') throw new BackendError('wasm', 'this runtime has no WebAssembly');
  const bytes = spmlWasmBytes();
  if (!WebAssembly.validate(bytes)) {
    throw new BackendError('wasm', 'this runtime cannot compile the spml module: it needs WebAssembly 128-bit SIMD (Node 16.4+, Chrome 91+, Firefox 89+, Safari 16.4+)');
  }
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: { abort: () => { throw new BackendError('wasm', 'the module aborted'); } } });
  return instance.exports as unknown as SpmlExports;
}
