/**
 * The conformance suite (NUMERICS.md §18) on one backend family of kernels/backends.ts, run by
 * vitest.config.ts once per family other than cpu, each in processes of its own. The family
 * must register exactly the backends the list says, and each must match cpu byte for byte.
 */
import { expect, it } from 'vitest';
import { backendsAgainstReference, familyUnderTest } from '../helpers/backends.js';
import { conformanceSuite } from './suite.js';

const { family, backends } = await familyUnderTest();

it(`registers exactly the ${family} family`, () => {
  expect(backendsAgainstReference()).toEqual(backends);
});

conformanceSuite(backendsAgainstReference());
