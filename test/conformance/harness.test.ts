/**
 * The conformance suite can fail: with only cpu registered, conformance.test.ts compares cpu with
 * itself, so this file registers test doubles (in this worker only; vitest runs each test file
 * in its own module graph, so conformance.test.ts never sees them) and runs the same cases and
 * the same comparison on them:
 *
 *   cpu-clone       cpu's storage and every cpu kernel under another name: passes every case.
 *   mutant-requant  as cpu, but Requantize rounds ties to even instead of away from zero.
 *   mutant-matmul   as cpu, but MatMul saturates its accumulator instead of wrapping mod 2^32.
 *
 * Each mutant must be caught by the adversarial cases built for its bug, and only by cases that
 * run the mutated kernel. compareOutputs itself is checked on hand-made mismatches.
 */
import { describe, expect, it } from 'vitest';
import {
  DTYPE_MAX,
  DTYPE_MIN,
  allocate,
  getBackend,
  registerBackend,
  registerKernel,
  saturate,
  type Backend,
  type KernelFunc,
} from '../../lib/index.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { CPU_KERNELS, CpuBackend } from '../../kernels/cpu/index.js';
import { hostData as cpuData } from '../../kernels/shared/host_storage.js';
import { backendsUnderTest, reference } from '../helpers/backends.js';
import { CASES, PIPELINE_OPS, findCase, runCase, td, type OpName } from './cases.js';
import { compareOutputs, type Mismatch } from './compare.js';

/** A backend that stores like cpu (host typed arrays) but answers to `name`. */
function hostBackend(name: string): Backend {
  const inner = new CpuBackend();
  return {
    name,
    description: `conformance test double '${name}' (cpu storage)`,
    upload: (dtype, data) => inner.upload(dtype, data),
    read: (storage) => inner.read(storage),
    readSync: (storage) => inner.readSync(storage),
    dispose: () => inner.dispose(),
  };
}

/** Register `name` with cpu storage and every cpu kernel, some of them replaced. */
function registerVariant(name: string, replace: Readonly<Record<string, KernelFunc<never>>> = {}): void {
  registerBackend(name, () => hostBackend(name));
  for (const [kernelName, kernelFunc] of Object.entries(CPU_KERNELS)) {
    registerKernel({ kernelName, backendName: name, kernelFunc: (replace[kernelName] ?? kernelFunc) as KernelFunc });
  }
}

/** Requantize with round half to EVEN (the classic wrong choice), computed exactly in BigInt. */
const requantizeTiesToEven: KernelFunc<RequantizeAttrs> = ({ inputs, attrs, out }) => {
  const x = cpuData(inputs[0]!);
  const y = allocate(out.dtype, out.size);
  const channels = attrs.multipliers.length;
  for (let i = 0; i < x.length; i++) {
    const c = channels === 1 ? 0 : i % channels;
    const num = BigInt(Math.abs(x[i]!)) * BigInt(attrs.multipliers[c]!);
    const den = 1n << BigInt(attrs.shifts[c]!);
    let q = num / den;
    const twice = 2n * (num - q * den);
    if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
    const lo = BigInt(DTYPE_MIN[out.dtype]);
    const hi = BigInt(DTYPE_MAX[out.dtype]);
    const v = x[i]! < 0 ? -q : q;
    y[i] = Number(v < lo ? lo : v > hi ? hi : v);
  }
  return y;
};

/** MatMul whose int32 accumulator saturates instead of wrapping (not associative: wrong). */
const matmulSaturating: KernelFunc<MatMulAttrs> = ({ inputs, attrs, out }) => {
  const { batch, m, k, n, bBatched, transposeB, hasBias } = attrs;
  const a = cpuData(inputs[0]!);
  const b = cpuData(inputs[1]!);
  const bias = hasBias ? cpuData(inputs[2]!) : undefined;
  const c = new Int32Array(out.size);
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = bias ? bias[j]! : 0; // exact: |acc| ≤ K·2^22 + 2^31 < 2^53
        for (let q = 0; q < k; q++) {
          const bv = transposeB ? b[(bBatched ? p * n * k : 0) + j * k + q]! : b[(bBatched ? p * k * n : 0) + q * n + j]!;
          acc += a[p * m * k + i * k + q]! * bv;
        }
        c[(p * m + i) * n + j] = saturate(acc, 'int32');
      }
    }
  }
  return c;
};

registerVariant('cpu-clone');
registerVariant('mutant-requant', { Requantize: requantizeTiesToEven as KernelFunc<never> });
registerVariant('mutant-matmul', { MatMul: matmulSaturating as KernelFunc<never> });

/** Run every case on `backendName` and on cpu; the mismatches, in case order. */
async function mismatchesOf(backendName: string): Promise<Mismatch[]> {
  const [backend, cpu] = [await getBackend(backendName), await reference()];
  const found: Mismatch[] = [];
  for (const c of CASES) {
    const m = compareOutputs(c.name, await runCase(c, backend), await runCase(c, cpu));
    if (m) found.push(m);
  }
  return found;
}

/** Ops whose cases run kernel `op`: the op itself and the pipelines that call it. */
function opsRunning(op: OpName): Set<OpName> {
  const s = new Set<OpName>([op]);
  for (const [pipeline, uses] of Object.entries(PIPELINE_OPS)) if (uses?.includes(op)) s.add(pipeline as OpName);
  return s;
}

describe('conformance harness: the comparison catches broken backends', () => {
  it('registering a backend enrolls it in backendsUnderTest (so conformance.test.ts would run it)', () => {
    expect(backendsUnderTest()).toEqual(expect.arrayContaining(['cpu', 'cpu-clone', 'mutant-requant', 'mutant-matmul']));
  });

  it('a faithful clone of cpu passes every case', async () => {
    const found = await mismatchesOf('cpu-clone');
    expect(found.map((m) => m.message)).toEqual([]);
  });

  it('mutant-requant (ties to even) is caught by the tie cases, and only where Requantize runs', async () => {
    const found = await mismatchesOf('mutant-requant');
    const names = found.map((m) => m.caseName);
    expect(names).toEqual(
      expect.arrayContaining([
        'requantize/ties-M1-n1-int32-odd-values',
        'requantize/ties-int8-input-M3-n2',
        'requantize/ties-int16-input-per-channel',
        'requantize/tie-n62-min-int32-M2^30',
        'requantize/tie-n61-2^30-M2^30',
        ...[1, 2, 5, 14, 24, 30, 31, 32].map((n) => `requantize/ties-n${n}-both-signs`),
        'requantize/saturation-edges-M1-n1',
      ]),
    );
    const allowed = opsRunning('requantize');
    expect(found.filter((m) => !allowed.has(findCase(m.caseName).op)).map((m) => m.caseName)).toEqual([]);
    // Cases without ties still agree: the comparison is exact, not merely strict.
    for (const ok of ['requantize/M0-all-zero', 'requantize/n0-M-max-saturates', 'requantize/n62-all-extremes-round-to-zero', 'requantize/cap-2^31-n0-M2']) {
      expect(names).not.toContain(ok);
    }
    // The report names the case, the first differing element and both values: −41/2 = −20.5.
    const m = found.find((x) => x.caseName === 'requantize/ties-M1-n1-int32-odd-values')!;
    expect(m).toMatchObject({ what: 'data', index: 0, actual: -20, expected: -21 });
    expect(m.message).toContain('requantize/ties-M1-n1-int32-odd-values');
    expect(m.message).toContain('element 0 is -20, cpu gives -21');
  });

  it('mutant-matmul (saturating accumulator) is caught by the wrap cases, and only where MatMul runs', async () => {
    const found = await mismatchesOf('mutant-matmul');
    const names = found.map((m) => m.caseName);
    expect(names).toEqual(
      expect.arrayContaining([
        'matmul/int8-min-min-K65536-bias-2^30-wraps-to-min',
        'matmul/int8-min-min-K131072-wraps',
        'matmul/int8-max-min-K65536-bias-min-wraps-positive',
        'matmul/int8-max-max-bias-max-wraps',
        'matmul/int16-min-x-int8-min-K512',
        'matmul/int16-min-x-int8-min-K513',
        'matmul/int16-min-x-int8-min-K65537',
        'matmul/int16-max-x-int8-min-K4096-wraps-negative',
        'matmul/int16-extremes-biased-signs-K2048-wraps',
      ]),
    );
    const allowed = opsRunning('matmul');
    expect(found.filter((m) => !allowed.has(findCase(m.caseName).op)).map((m) => m.caseName)).toEqual([]);
    // Right at the no-wrap bounds of NUMERICS.md §5 nothing wraps, so the mutant agrees there.
    for (const ok of ['matmul/int8-min-min-K65536-sum-2^30', 'matmul/int16-min-x-int8-min-K511', 'matmul/int8-64x64x64', 'matmul/K0-bias-only']) {
      expect(names).not.toContain(ok);
    }
    const m = found.find((x) => x.caseName === 'matmul/int8-min-min-K65536-bias-2^30-wraps-to-min')!;
    expect(m).toMatchObject({ what: 'data', index: 0, actual: 2147483647, expected: -2147483648 });
  });
});

describe('compareOutputs', () => {
  const base = td('int32', [2, 3], [0, 1, -1, 2147483647, -2147483648, 7]);

  it('accepts identical outputs (equal canonical bytes)', () => {
    expect(compareOutputs('x', base, td('int32', [2, 3], Array.from(base.data)))).toBeUndefined();
    expect(compareOutputs('empty', td('int8', [0, 4], []), td('int8', [0, 4], []))).toBeUndefined();
  });

  it('reports the first differing element and both values, never with a tolerance', () => {
    const off = Array.from(base.data);
    off[3] = 2147483646; // one bit
    off[5] = 8;
    const m = compareOutputs('case/one-bit', td('int32', [2, 3], off), base);
    expect(m).toMatchObject({ caseName: 'case/one-bit', what: 'data', index: 3, actual: 2147483646, expected: 2147483647, count: 2 });
    expect(m!.message).toMatch(/^case\/one-bit: .*element 3 is 2147483646, cpu gives 2147483647/);
    const high = Array.from(base.data);
    high[4] = -2147483647;
    expect(compareOutputs('c', td('int32', [2, 3], high), base)).toMatchObject({ index: 4, actual: -2147483647, expected: -2147483648 });
  });

  it('reports a different dtype, shape, or data container even when the values agree', () => {
    expect(compareOutputs('d', td('int16', [2], [1, 2]), td('int32', [2], [1, 2]))?.what).toBe('dtype');
    expect(compareOutputs('s', td('int8', [2, 1], [1, 2]), td('int8', [1, 2], [1, 2]))?.what).toBe('shape');
    expect(compareOutputs('r', td('int8', [2], [1, 2]), td('int8', [2, 1], [1, 2]))?.what).toBe('shape');
    const wrongArray = { dtype: 'int8' as const, shape: [2], data: new Int16Array([1, 2]) };
    expect(compareOutputs('a', wrongArray, td('int8', [2], [1, 2]))?.what).toBe('container');
    const short = { dtype: 'int8' as const, shape: [3], data: new Int8Array([1, 2]) };
    expect(compareOutputs('l', short, td('int8', [3], [1, 2, 0]))?.what).toBe('container');
  });
});
