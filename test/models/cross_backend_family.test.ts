/**
 * The shipped models' hashes on one backend family of kernels/backends.ts equal cpu's
 * (cross_backend.ts), run by vitest.config.ts once per family other than cpu, each in processes
 * of its own.
 */
import { expect, it } from 'vitest';
import { backendsAgainstReference, familyUnderTest } from '../helpers/backends.js';
import { shippedModelsMatchCpu } from './cross_backend.js';

const { family, backends } = await familyUnderTest();

it(`registers exactly the ${family} family`, () => {
  expect(backendsAgainstReference()).toEqual(backends);
});

shippedModelsMatchCpu();
