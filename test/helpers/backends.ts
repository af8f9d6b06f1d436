/**
 * The backends under test. Suites that run on every backend (the conformance suite, the shipped
 * models' hashes) run once per family of the backend list (kernels/backends.ts): vitest.config.ts
 * makes a project per family and hands it the family's name, so each family's test files run in
 * processes of their own, since `webgpu` (EGL) and `gpujs-headlessgl` (GLX) cannot share a Node
 * process (kernels/shared/native_gl.ts). cpu is always loaded as the reference.
 */
import { inject } from 'vitest';
import { backendFamily, ENTRY_BACKENDS, REFERENCE_BACKEND } from '../../kernels/backends.js';
import { getBackend, listBackends, type Backend } from '../../lib/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The backend family a per-family project tests (vitest.config.ts). */
    backendFamily: string;
  }
}

export const REFERENCE = REFERENCE_BACKEND;

/** The family this test file's project tests, loaded (its backends registered beside cpu). */
let familyBackends: readonly string[] = [];

export async function familyUnderTest(): Promise<{ family: string; backends: readonly string[] }> {
  const family = backendFamily(inject('backendFamily'));
  await family.load();
  familyBackends = family.backends.node;
  return { family: family.family, backends: family.backends.node };
}

export async function reference(): Promise<Backend> {
  return getBackend(REFERENCE);
}

/** Names of the backends under test (every registered one). */
export function backendsUnderTest(): string[] {
  return listBackends();
}

/**
 * The backends under test other than the reference: every registered one, except those the
 * package entry registers by itself (wasm), which are tested in their own family's project.
 */
export function backendsAgainstReference(): string[] {
  return listBackends().filter((b) => b !== REFERENCE && (!ENTRY_BACKENDS.includes(b) || familyBackends.includes(b)));
}
