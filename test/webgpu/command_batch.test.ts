/**
 * The webgpu backend's queue discipline (kernels/webgpu/command_batch.ts): a generation's passes,
 * their trace read-backs and the sampled token go to the GPU as one submission per token, with
 * the same bytes as cpu; a device error fails the reads of the submission it happened in, and
 * the next submission is clean again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/webgpu/index.js';
import { WebGpuBackend } from '../../kernels/webgpu/index.js';
import { BackendError, generate, getBackend, loadModel } from '../../lib/index.js';

let gpu: WebGpuBackend;

beforeAll(async () => {
  const b = await getBackend('webgpu');
  if (!(b instanceof WebGpuBackend)) throw new Error(`webgpu registered ${b.constructor.name}`);
  gpu = b;
});

describe('webgpu submissions', () => {
  it('generates with one submission per token, and cpu bytes', async () => {
    const options = { maxTokens: 8, seed: 42n, temperature: 0.8 };
    const cpu = await generate(await loadModel('moby-gpt', { backend: 'cpu' }), 'Call me Ishmael. ', options);
    const model = await loadModel('moby-gpt', { backend: 'webgpu' });
    const before = gpu.deviceStats;
    const r = await generate(model, 'Call me Ishmael. ', options);
    const after = gpu.deviceStats;
    expect({ outputHash: r.outputHash, traceRoot: r.traceRoot }).toEqual({ outputHash: cpu.outputHash, traceRoot: cpu.traceRoot });
    const submissions = after.submissions - before.submissions;
    const dispatches = after.dispatches - before.dispatches;
    const reads = after.reads - before.reads;
    // Every trace leaf and every token is read back, yet each token's work is one submission:
    // a dispatch or a read of its own would make these as many as dispatches + reads.
    expect(reads).toBeGreaterThan(r.tokens.length * 2);
    expect(dispatches).toBeGreaterThan(r.tokens.length * 20);
    expect(submissions).toBe(r.tokens.length);
  });

  it('fails the reads of a submission that hit a device error, and recovers after it', async () => {
    const good = gpu.upload('int32', Int32Array.of(1, 2, 3)) as GPUBuffer;
    const out = gpu.createBuffer(1);
    gpu.run('this is not WGSL', [out], [], 1);
    const first = gpu.read(good, 'int32', 3);
    const second = gpu.read(out, 'int32', 1);
    await expect(first).rejects.toThrow(BackendError);
    await expect(second).rejects.toThrow(/device error/);
    expect(Array.from(await gpu.read(good, 'int32', 3))).toEqual([1, 2, 3]);
    gpu.release(good);
    gpu.release(out);
  });
});
