/**
 * The conformance suite (NUMERICS.md §18): every case of cases.ts runs on every registered
 * backend and on the cpu reference, and the outputs must be identical byte for byte (same dtype,
 * same shape, same canonical bytes). A backend only has to be imported in
 * test/helpers/backends.ts to be enrolled here.
 *
 * With only cpu registered, this runs each case on cpu twice and compares the runs (which still
 * catches nondeterminism, e.g. state leaking between calls). harness.test.ts shows that the same
 * comparison fails on deliberately broken backends.
 */
import { describe, expect, it } from 'vitest';
import { getBackend, listKernels } from '../../engine/index.js';
import * as ops from '../../engine/ops/index.js';
import { REFERENCE, backendsUnderTest, reference } from '../helpers/backends.js';
import { CASES, OP_NAMES, PIPELINE_OPS, runCase, type Case, type OpName, type TensorData } from './cases.js';
import { compareOutputs } from './compare.js';

/** cpu's output of each case, computed once and shared by every backend's test. */
const expectedCache = new Map<string, Promise<TensorData>>();
function expectedOutput(c: Case): Promise<TensorData> {
  let p = expectedCache.get(c.name);
  if (!p) {
    p = reference().then((cpu) => runCase(c, cpu));
    expectedCache.set(c.name, p);
  }
  return p;
}

/** Exported op functions that produce no tensor (host-side helpers around quantize). */
const HOST_ONLY = new Set(['quantizeValues', 'dequantize', 'dequantizeValues', 'roundHalfAway']);

/** Public op named by a kernel: MatMul → matmul, ExpNeg → expNeg. */
const opOfKernel = (k: string) => (k === 'MatMul' ? 'matmul' : k.charAt(0).toLowerCase() + k.slice(1));

describe('the conformance case list', () => {
  const singleOps = new Set<string>(CASES.filter((c) => c.kind !== 'pipeline').map((c) => c.op));

  it('exercises every kernel the reference registers', () => {
    const missing = listKernels(REFERENCE).map(opOfKernel).filter((op) => !singleOps.has(op));
    expect(missing, 'kernels with no conformance case').toEqual([]);
  });

  it('exercises every tensor-producing function of the op API', () => {
    const fns = Object.entries(ops)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k)
      .filter((k) => !HOST_ONLY.has(k));
    expect(fns.filter((f) => !singleOps.has(f)), 'op functions with no conformance case').toEqual([]);
  });

  it('has seeded random and adversarial cases for every single op, and pipelines that chain ops', () => {
    for (const op of OP_NAMES) {
      const kinds = new Set(CASES.filter((c) => c.op === op).map((c) => c.kind));
      if (PIPELINE_OPS[op]) expect([...kinds], op).toEqual(['pipeline']);
      else expect([...kinds].sort(), op).toEqual(['adversarial', 'random']);
    }
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    const ops: readonly OpName[] = OP_NAMES;
    expect(CASES.every((c) => ops.includes(c.op))).toBe(true);
  });

  it('enrolls only real backends (the test doubles of harness.test.ts live in their own worker)', () => {
    const names = backendsUnderTest();
    expect(names).toContain(REFERENCE);
    expect(names.filter((n) => n.startsWith('mutant-') || n === 'cpu-clone')).toEqual([]);
  });
});

describe.each(backendsUnderTest())('backend %s matches cpu byte for byte', (name) => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const backend = await getBackend(name);
    const actual = await runCase(c, backend);
    const expected = await expectedOutput(c);
    const mismatch = compareOutputs(c.name, actual, expected);
    expect(mismatch?.message, `backend ${name} differs from cpu`).toBeUndefined();
  });
});
