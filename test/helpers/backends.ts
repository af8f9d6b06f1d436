/**
 * The backends under test. A test file imports the backend family it exercises (cpu is always
 * loaded as the reference), and parametrised suites run on every backend registered in that
 * file's worker. Families get a worker each because `webgpu` (EGL) and `gpujs-headlessgl` (GLX)
 * cannot share a Node process (kernels/shared/native_gl.ts).
 */
import '../../kernels/cpu/index.js';
import { getBackend, listBackends, type Backend } from '../../lib/index.js';

export const REFERENCE = 'cpu';

/** Every backend the CLI offers, by family; test/conformance/<family>.test.ts enrolls each one. */
export const BACKEND_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  webgpu: ['webgpu'],
  gpujs: ['gpujs-headlessgl', 'gpujs-webasm'],
};

export async function reference(): Promise<Backend> {
  return getBackend(REFERENCE);
}

/** Names of the backends under test (every registered one). */
export function backendsUnderTest(): string[] {
  return listBackends();
}

/** The backends under test other than the reference. */
export function backendsAgainstReference(): string[] {
  return listBackends().filter((b) => b !== REFERENCE);
}
