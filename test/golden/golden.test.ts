/**
 * Golden vectors: the cpu reference must still produce, for every conformance case, the output
 * whose SHA-256 is pinned in golden.json (with the same shape and dtype), and the pinned set of
 * cases must be exactly the current one. This pins the living definition of the numerics: any
 * change to a kernel's bits, or to a case, fails here until golden.json is deliberately
 * regenerated (`npm run golden:update`).
 */
import { describe, expect, it } from 'vitest';
import { reference } from '../helpers/backends.js';
import { CASES } from '../conformance/cases.js';
import { REGENERATE, byName, computeVector, numericsVersion, readGolden, type GoldenVector } from './vectors.js';

const golden = readGolden();
const pinned = new Map<string, GoldenVector>(golden.vectors.map((v) => [v.name, v]));

describe('golden.json', () => {
  it('was generated under the numerics version stated in engine/NUMERICS.md', () => {
    expect(golden.numericsVersion, `golden.json is for numerics version ${golden.numericsVersion}, NUMERICS.md says ${numericsVersion()}. ${REGENERATE}`).toBe(
      numericsVersion(),
    );
  });

  it('lists each case once, sorted by name', () => {
    const names = golden.vectors.map((v) => v.name);
    expect(names, 'duplicate names in golden.json').toEqual([...new Set(names)]);
    expect(names, 'golden.json is not sorted by name').toEqual([...golden.vectors].sort(byName).map((v) => v.name));
  });

  it('pins exactly the current set of conformance cases', () => {
    const current = new Set(CASES.map((c) => c.name));
    const missing = CASES.map((c) => c.name).filter((n) => !pinned.has(n));
    const extra = golden.vectors.map((v) => v.name).filter((n) => !current.has(n));
    expect({ missing, extra }, `cases without a golden vector (missing) or vectors without a case (extra). ${REGENERATE}`).toEqual({ missing: [], extra: [] });
  });
});

describe('cpu reference reproduces every golden vector', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const want = pinned.get(name);
    expect(want, `no golden vector for case ${name}. ${REGENERATE}`).toBeDefined();
    const got = await computeVector(c, await reference());
    expect(got, `cpu output of ${name} no longer matches its golden vector. ${REGENERATE}`).toEqual(want);
  });
});
