/**
 * The conformance suite (NUMERICS.md §18), cpu's part: the case list covers every kernel and op,
 * every backend the CLI offers is enrolled in a family file (webgpu.test.ts, gpujs.test.ts) that
 * runs suite.ts on it in a worker of its own, and every case runs on cpu twice and compares the
 * runs (which catches nondeterminism, e.g. state leaking between calls). harness.test.ts shows
 * that the same comparison fails on deliberately broken backends.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { listBackends, listKernels, opOfKernel, type KernelName } from '../../lib/index.js';
import '../../apps/cli/backends.js';
import * as ops from '../../engine/ops/index.js';
import { BACKEND_FAMILIES, REFERENCE } from '../helpers/backends.js';
import { CASES, OP_NAMES, PIPELINE_OPS, type OpName } from './cases.js';
import { conformanceSuite } from './suite.js';

/** Exported op functions that produce no tensor (host-side helpers around quantize). */
const HOST_ONLY = new Set(['quantizeValues', 'dequantize', 'dequantizeValues', 'roundHalfAway']);


describe('the conformance case list', () => {
  const singleOps = new Set<string>(CASES.filter((c) => c.kind !== 'pipeline').map((c) => c.op));

  it('exercises every kernel the reference registers', () => {
    const missing = listKernels(REFERENCE).map((k) => opOfKernel(k as KernelName)).filter((op) => !singleOps.has(op));
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

  it('enrolls every backend the CLI offers, each family in a conformance file of its own', () => {
    const families = Object.values(BACKEND_FAMILIES).flat();
    expect(listBackends().sort()).toEqual([REFERENCE, ...families].sort());
    for (const family of Object.keys(BACKEND_FAMILIES)) {
      expect(existsSync(new URL(`./${family}.test.ts`, import.meta.url)), `test/conformance/${family}.test.ts`).toBe(true);
    }
  });
});

// Only the reference runs in this worker (the CLI import above registers the other backends but
// never starts them): a second run of every case on cpu still catches state leaking between calls.
conformanceSuite([REFERENCE]);
