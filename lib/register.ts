/**
 * What the package entry points (`spml`, `spml/protocol`) do on import: register the reference
 * backend, cpu, and the WebAssembly backend, wasm, which is the default wherever this runtime
 * compiles its module (WebAssembly 128-bit SIMD); and, for every other backend of the backend list (kernels/backends.ts), a hint
 * that says which import registers it and which npm package it needs. Asking for a backend that
 * was not imported then names both (engine/backend.ts) instead of only listing what is registered.
 */
import '../kernels/cpu/index.js';
import '../kernels/wasm/index.js';
import { registerBackendHint, setDefaultBackend } from '../engine/backend.js';
import { wasmSupported } from '../kernels/wasm/module.js';
import { BACKEND_FAMILIES, type Runtime } from '../kernels/backends.js';

const runtime: Runtime = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string' ? 'node' : 'browser';

for (const family of BACKEND_FAMILIES) {
  // The npm packages are what Node loads; a browser bundle carries what it needs.
  const packages = runtime === 'node' ? family.packages : [];
  for (const name of family.backends[runtime]) registerBackendHint(name, { importPath: family.importPath, packages });
}

// The default is wasm where it can start; where it cannot, cpu, and asking for wasm by name is an error.
if (wasmSupported()) setDefaultBackend('wasm');
