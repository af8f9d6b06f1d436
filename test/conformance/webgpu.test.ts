/**
 * The conformance suite (NUMERICS.md §18) on the webgpu backend, in a worker of its own
 * (kernels/shared/native_gl.ts says why webgpu cannot share a process with every other backend).
 */
import { expect, it } from 'vitest';
import '../../kernels/webgpu/index.js';
import { BACKEND_FAMILIES, backendsAgainstReference } from '../helpers/backends.js';
import { conformanceSuite } from './suite.js';

it('registers exactly the webgpu family', () => {
  expect(backendsAgainstReference()).toEqual(BACKEND_FAMILIES.webgpu);
});

conformanceSuite(backendsAgainstReference());
