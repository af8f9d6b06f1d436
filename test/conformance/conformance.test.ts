/**
 * The conformance suite (NUMERICS.md §18), cpu's part: the case list covers every kernel and op,
 * every backend the CLI offers is enrolled through its family's test project (vitest.config.ts
 * runs family.test.ts once per family of kernels/backends.ts, in processes of its own), and every
 * case runs on cpu twice and compares the runs (which catches nondeterminism, e.g. state leaking
 * between calls). harness.test.ts shows
 * that the same comparison fails on deliberately broken backends.
 */
import { describe, expect, it } from 'vitest';
import { listBackends, listKernels, opOfKernel, type KernelName } from '../../lib/index.js';
import '../../apps/cli/backends.js';
import * as ops from '../../engine/ops/index.js';
import { BACKEND_FAMILIES, backendNames } from '../../kernels/backends.js';
import vitestConfig from '../../vitest.config.js';
import { REFERENCE } from '../helpers/backends.js';
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

  it('enrolls every backend the CLI offers: each family of the backend list has a test project of its own', () => {
    expect(listBackends().sort()).toEqual(backendNames('node').sort());
    const projects = (vitestConfig.test?.projects ?? []) as { test?: { name?: string; provide?: { backendFamily?: string } } }[];
    const enrolled = projects.map((p) => p.test?.provide?.backendFamily).filter((f) => f !== undefined);
    expect(enrolled).toEqual(BACKEND_FAMILIES.filter((f) => !f.backends.node.includes(REFERENCE)).map((f) => f.family));
  });
});

// Only the reference runs in this worker (the CLI import above registers the other backends but
// never starts them): a second run of every case on cpu still catches state leaking between calls.
conformanceSuite([REFERENCE]);
