/**
 * Loads every backend that this environment can run, so that parametrised suites cover each
 * registered backend. A backend folder only has to register itself in kernels/<name>/index.ts
 * and be imported here to receive the whole conformance suite.
 */
import '../../kernels/cpu/index.js';
import '../../kernels/webgpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, listBackends, type Backend } from '../../engine/index.js';

export const REFERENCE = 'cpu';

export async function reference(): Promise<Backend> {
  return getBackend(REFERENCE);
}

/** Names of the backends under test (every registered one). */
export function backendsUnderTest(): string[] {
  return listBackends();
}
