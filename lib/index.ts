/**
 * The package entry point, `import 'spml'`: the engine's API (engine/index.ts) with the reference
 * backend, cpu, registered, so a model loads out of the box. The engine itself registers no
 * backend (docs/ARCHITECTURE.md); other backends register from their own entry points
 * (`import 'spml/webgpu'`, kernels/backends.ts).
 */
import '../kernels/cpu/index.js';
export * from '../engine/index.js';
