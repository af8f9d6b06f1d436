/**
 * The package entry point, `import 'spml'`: the engine's API (engine/index.ts) with the reference
 * backend, cpu, registered, so a model loads out of the box. The engine itself registers no
 * backend (docs/ARCHITECTURE.md); other backends register from their own entry points
 * (`import 'spml/webgpu'`, kernels/backends.ts), and lib/register.ts tells the engine which
 * import and npm package each one needs, so that asking for one that is missing says so.
 */
import './register.js';
export * from '../engine/index.js';
