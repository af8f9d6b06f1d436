/**
 * The committed WebAssembly modules are what their source builds to: the AssemblyScript compiler
 * from node_modules rebuilds kernels/wasm/assembly with build.ts's flags, one-thread and
 * threaded, and the bytes (and their base64 copies that module.ts loads) must be identical. Also:
 * both validate, neither uses relaxed SIMD, the threaded one imports a shared memory with the
 * limits module.ts gives it, and a runtime that cannot compile it gets a BackendError, never a
 * silent fallback.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../engine/errors.js';
import { BYTES_MODULE_PATH, SHARED_MEMORY_PAGES as BUILT_PAGES, WASM_PATH, WASM_THREADS_PATH, buildSpmlWasm, bytesModuleText } from '../../kernels/wasm/build.js';
import { instantiateSpml, SHARED_MEMORY_PAGES, spmlWasmBytes, spmlWasmThreadsBytes } from '../../kernels/wasm/module.js';

describe('the spml WebAssembly module', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is rebuilt byte for byte from kernels/wasm/assembly, both variants', () => {
    const built = buildSpmlWasm('single');
    const threads = buildSpmlWasm('threads');
    expect(Buffer.from(built).equals(readFileSync(WASM_PATH)), 'build/spml.wasm is stale: npm run build:wasm').toBe(true);
    expect(Buffer.from(threads).equals(readFileSync(WASM_THREADS_PATH)), 'build/spml-threads.wasm is stale: npm run build:wasm').toBe(true);
    expect(readFileSync(BYTES_MODULE_PATH, 'utf8'), 'build/module_bytes.ts is stale: npm run build:wasm').toBe(bytesModuleText(built, threads));
    expect(Buffer.from(spmlWasmBytes()).equals(Buffer.from(built))).toBe(true);
    expect(Buffer.from(spmlWasmThreadsBytes()).equals(Buffer.from(threads))).toBe(true);
  }, 120_000);

  it.each([
    ['spml.wasm', spmlWasmBytes],
    ['spml-threads.wasm', spmlWasmThreadsBytes],
  ])('%s uses 128-bit SIMD and no relaxed-SIMD instruction', (_name, bytesOf) => {
    const bytes = Buffer.from(bytesOf());
    expect(WebAssembly.validate(bytes)).toBe(true);
    // dot_i16x8_s is 0xFD 0xBA 0x01; relaxed-SIMD opcodes are 0xFD 0x80..0x93 0x02.
    expect(bytes.includes(Buffer.from([0xfd, 0xba, 0x01]))).toBe(true);
    for (let op = 0x80; op <= 0x93; op++) expect(bytes.includes(Buffer.from([0xfd, op, 0x02])), `relaxed opcode 0x${op.toString(16)}`).toBe(false);
  });

  it('the threaded variant imports a shared memory with the limits module.ts makes it with', async () => {
    expect(SHARED_MEMORY_PAGES).toEqual(BUILT_PAGES);
    const module = await WebAssembly.compile(spmlWasmThreadsBytes());
    expect(WebAssembly.Module.imports(module).filter((i) => i.kind === 'memory')).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const memory = new WebAssembly.Memory({ ...SHARED_MEMORY_PAGES, shared: true });
    const { exports } = await WebAssembly.instantiate(module, { env: { memory, abort: () => undefined } });
    expect(exports.memory).toBe(memory);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    // The one-thread module keeps its own memory: it imports none.
    expect(WebAssembly.Module.imports(await WebAssembly.compile(spmlWasmBytes())).some((i) => i.kind === 'memory')).toBe(false);
  });

  it('throws a BackendError where the runtime cannot compile it', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    await expect(instantiateSpml()).rejects.toThrow(BackendError);
    await expect(instantiateSpml()).rejects.toThrow(/128-bit SIMD/);
  });
});
