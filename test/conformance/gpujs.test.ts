/**
 * The conformance suite (NUMERICS.md §18) on the gpujs backends, in a worker of their own
 * (kernels/shared/native_gl.ts says why gpujs cannot share a process with every other backend).
 */
import { expect, it } from 'vitest';
import '../../kernels/gpujs/index.js';
import { BACKEND_FAMILIES, backendsAgainstReference } from '../helpers/backends.js';
import { conformanceSuite } from './suite.js';

it('registers exactly the gpujs family', () => {
  expect(backendsAgainstReference()).toEqual(BACKEND_FAMILIES.gpujs);
});

conformanceSuite(backendsAgainstReference());
