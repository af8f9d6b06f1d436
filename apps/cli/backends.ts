/**
 * Loads the backends the CLI can offer. Each backend folder registers itself on import; a later
 * backend is added here with one line.
 */
import '../../kernels/cpu/index.js';
import '../../kernels/webgpu/index.js';
import '../../kernels/gpujs/index.js';

export { getBackend, listBackends } from '../../engine/backend.js';
