/**
 * The test projects: every test file once, and the suites that run on every backend
 * (PER_FAMILY) once more for each family of the backend list (kernels/backends.ts) other than
 * the reference, with the family's name provided to them. Adding a backend to the list adds its
 * project; no per-family suite names a backend.
 */
import { defineConfig } from 'vitest/config';
import { BACKEND_FAMILIES, familyOf, REFERENCE_BACKEND } from './kernels/backends.js';

const PER_FAMILY = ['test/conformance/family.test.ts', 'test/models/cross_backend_family.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'spml', include: ['test/**/*.test.ts'], exclude: PER_FAMILY } },
      ...BACKEND_FAMILIES.filter((f) => f !== familyOf(REFERENCE_BACKEND, 'node')).map((f) => ({
        extends: true as const,
        test: { name: `backend:${f.family}`, include: PER_FAMILY, provide: { backendFamily: f.family } },
      })),
    ],
  },
});
