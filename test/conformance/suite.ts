/**
 * The byte-equality half of the conformance suite (NUMERICS.md §18): every case of cases.ts runs
 * on a backend and on the cpu reference, and the outputs must be identical byte for byte (same
 * dtype, same shape, same canonical bytes). Each backend family calls this from its own test file
 * (conformance.test.ts for cpu itself, webgpu.test.ts, gpujs.test.ts), so that each runs in a
 * worker of its own.
 */
import { describe, expect, it } from 'vitest';
import { getBackend } from '../../lib/index.js';
import { reference } from '../helpers/backends.js';
import { CASES, runCase, type Case, type TensorData } from './cases.js';
import { compareOutputs } from './compare.js';

/** cpu's output of each case, computed once per worker and shared by every backend's test. */
const expectedCache = new Map<string, Promise<TensorData>>();
function expectedOutput(c: Case): Promise<TensorData> {
  let p = expectedCache.get(c.name);
  if (!p) {
    p = reference().then((cpu) => runCase(c, cpu));
    expectedCache.set(c.name, p);
  }
  return p;
}

/** Every case on each of `names`, compared with cpu byte for byte. */
export function conformanceSuite(names: readonly string[]): void {
  describe.each(names)('backend %s matches cpu byte for byte', (name) => {
    it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const backend = await getBackend(name);
      const actual = await runCase(c, backend);
      const expected = await expectedOutput(c);
      const mismatch = compareOutputs(c.name, actual, expected);
      expect(mismatch?.message, `backend ${name} differs from cpu`).toBeUndefined();
    });
  });
}
