/** The shipped models' hashes on the gpujs family equal cpu's (cross_backend.ts), in a worker of their own. */
import { expect, it } from 'vitest';
import '../../kernels/gpujs/index.js';
import { BACKEND_FAMILIES, backendsAgainstReference } from '../helpers/backends.js';
import { shippedModelsMatchCpu } from './cross_backend.js';

it('registers exactly the gpujs family', () => {
  expect(backendsAgainstReference()).toEqual(BACKEND_FAMILIES.gpujs);
});

shippedModelsMatchCpu();
