/**
 * The browser entry point of spml: the whole engine API (lib/index.ts, which registers 'cpu')
 * plus every backend family of the backend list (kernels/backends.ts) that a browser runs:
 * 'webgpu' (navigator.gpu), 'gpujs-webgl2' and 'gpujs-webasm'. apps/web/build.ts bundles it,
 * unchanged sources and all, as dist-web/spml.js.
 */
import { loadAllBackends } from '../../kernels/backends.js';

export * from '../../lib/index.js';
export { BACKEND_FAMILIES, backendNames } from '../../kernels/backends.js';

await loadAllBackends();
