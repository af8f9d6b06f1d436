/**
 * The webgpu backend against the cpu reference (engine/NUMERICS.md §16, §18): every conformance
 * case whose ops all have webgpu kernels runs on both backends and must agree byte for byte.
 * Cases of ops without a webgpu kernel would be left out, never loosened; today there are none.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/webgpu/index.js';
import { workgroupSizeFor, type WebGpuBackend } from '../../kernels/webgpu/backend.js';
import { dawnBackend } from '../../kernels/webgpu/device.js';
import { getBackend, listKernels, type Backend } from '../../lib/index.js';
import { CASES, PIPELINE_OPS, runCase, type Case, type OpName } from '../conformance/cases.js';
import { compareOutputs } from '../conformance/compare.js';

/** Kernels this backend implements so far, by kernel name. */
const IMPLEMENTED = [
  'Add', 'Argmax', 'Cast', 'CausalMask', 'Concat', 'ExpNeg', 'Gather', 'Isqrt', 'LayerNorm', 'Linear', 'Lut', 'MatMul', 'Mul', 'Relu',
  'Requantize', 'RmsNorm', 'Rope', 'Sample', 'Slice', 'Softmax', 'Transpose',
];

/** Public op → kernel it needs; reshape and quantize need none (metadata / host upload). */
const kernelOfOp = (op: OpName): string | undefined =>
  op === 'reshape' || op === 'quantize' ? undefined : op === 'matmul' ? 'MatMul' : op.charAt(0).toUpperCase() + op.slice(1);

function runnable(c: Case): boolean {
  const ops = PIPELINE_OPS[c.op] ?? [c.op];
  return ops.every((op) => {
    const k = kernelOfOp(op);
    return k === undefined || IMPLEMENTED.includes(k);
  });
}

const cases = CASES.filter(runnable);

let gpu: Backend;
let cpu: Backend;

beforeAll(async () => {
  gpu = await getBackend('webgpu');
  cpu = await getBackend('cpu');
});

describe('webgpu backend', () => {
  it('runs on a real WebGPU adapter (Dawn on OpenGL ES / Mesa, or on a GPU through Vulkan), not a fallback', () => {
    expect(gpu.name).toBe('webgpu');
    expect(gpu.description).not.toBe(cpu.description);
    const backend = dawnBackend(process.env);
    expect(gpu.description).toMatch(new RegExp(`^Dawn \\(webgpu npm, ${backend}; Node \\d[^)]*\\): `));
    // SPML_DAWN_BACKEND=vulkan is for a machine with a GPU: never a software rasterizer there.
    if (backend === 'opengles') expect(gpu.description).toMatch(/OpenGL ES|Mesa/);
    else expect(gpu.description).not.toMatch(/llvmpipe|lavapipe|swiftshader/i);
  });

  it("dispatches workgroups as wide as the device allows, up to 256, with the adapter's limits requested", () => {
    const g = gpu as WebGpuBackend;
    const device = g.device.limits;
    const adapter = g.gpu.adapter.limits;
    expect(device.maxComputeWorkgroupSizeX).toBe(adapter.maxComputeWorkgroupSizeX);
    expect(device.maxComputeInvocationsPerWorkgroup).toBe(adapter.maxComputeInvocationsPerWorkgroup);
    expect(g.workgroupSize).toBe(workgroupSizeFor(device));
    const limits = (x: number, inv: number) => ({ maxComputeWorkgroupSizeX: x, maxComputeInvocationsPerWorkgroup: inv }) as GPUSupportedLimits;
    expect(workgroupSizeFor(limits(1024, 1024))).toBe(256);
    expect(workgroupSizeFor(limits(128, 1024))).toBe(128);
    expect(workgroupSizeFor(limits(256, 64))).toBe(64);
  });

  it('registers exactly the implemented kernels', () => {
    expect(listKernels('webgpu')).toEqual([...IMPLEMENTED].sort());
  });

  it('implements every kernel of the cpu reference, so no conformance case is left out', () => {
    expect(IMPLEMENTED).toEqual(listKernels('cpu'));
    expect(cases.length).toBe(CASES.length);
  });

  it('covers some case of every implemented kernel', () => {
    const ops = new Set(cases.map((c) => kernelOfOp(c.op)));
    expect(IMPLEMENTED.filter((k) => !ops.has(k))).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s matches cpu byte for byte', async (_name, c) => {
    const expected = await runCase(c, cpu);
    const actual = await runCase(c, gpu);
    const mismatch = compareOutputs(c.name, actual, expected);
    expect(mismatch?.message).toBeUndefined();
  });
});
