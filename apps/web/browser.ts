/**
 * The browser entry point of spml: the whole engine API (engine/index.ts, which registers 'cpu')
 * plus the backends a browser can run, 'webgpu' (navigator.gpu) and 'gpujs-webgl2' /
 * 'gpujs-webasm'. apps/web/build.ts bundles it, unchanged sources and all, as dist-web/spml.js.
 */
export * from '../../lib/index.js';
import '../../kernels/webgpu/index.js';
import '../../kernels/gpujs/index.js';
