/**
 * The committed WebAssembly module is what its source builds to: the AssemblyScript compiler
 * from node_modules rebuilds kernels/wasm/assembly with build.ts's flags, and the bytes (and
 * their base64 copy that module.ts loads) must be identical. Also: the module validates, and a
 * runtime that cannot compile it gets a BackendError, never a silent fallback.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../engine/errors.js';
import { BYTES_MODULE_PATH, WASM_PATH, buildSpmlWasm, bytesModuleText } from '../../kernels/wasm/build.js';
import { instantiateSpml, spmlWasmBytes } from '../../kernels/wasm/module.js';

describe('the spml WebAssembly module', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is rebuilt byte for byte from kernels/wasm/assembly', () => {
    const built = buildSpmlWasm();
    expect(Buffer.from(built).equals(readFileSync(WASM_PATH)), 'build/spml.wasm is stale: npm run build:wasm').toBe(true);
    expect(readFileSync(BYTES_MODULE_PATH, 'utf8'), 'build/module_bytes.ts is stale: npm run build:wasm').toBe(bytesModuleText(built));
    expect(Buffer.from(spmlWasmBytes()).equals(Buffer.from(built))).toBe(true);
  }, 120_000);

  it('uses 128-bit SIMD and no relaxed-SIMD instruction', () => {
    const bytes = Buffer.from(spmlWasmBytes());
    expect(WebAssembly.validate(bytes)).toBe(true);
    // dot_i16x8_s is 0xFD 0xBA 0x01; relaxed-SIMD opcodes are 0xFD 0x80..0x93 0x02.
    expect(bytes.includes(Buffer.from([0xfd, 0xba, 0x01]))).toBe(true);
    for (let op = 0x80; op <= 0x93; op++) expect(bytes.includes(Buffer.from([0xfd, op, 0x02])), `relaxed opcode 0x${op.toString(16)}`).toBe(false);
  });

  it('throws a BackendError where the runtime cannot compile it', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    await expect(instantiateSpml()).rejects.toThrow(BackendError);
    await expect(instantiateSpml()).rejects.toThrow(/128-bit SIMD/);
  });
});
