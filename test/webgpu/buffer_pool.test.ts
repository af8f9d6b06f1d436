/**
 * The webgpu backend's buffer reuse (kernels/webgpu/buffer_pool.ts): a freed tensor's buffer comes
 * back only after the submission that used it has completed, so recorded work never sees a later
 * tensor's words; after that, a tensor of the same size reuses it, preferably the one its place in
 * the submission had last time, so that decode steps reuse their bind groups (bind_groups.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/webgpu/index.js';
import { WebGpuBackend } from '../../kernels/webgpu/index.js';
import { add, generate, getBackend, loadModel, tensor } from '../../lib/index.js';

let gpu: WebGpuBackend;

beforeAll(async () => {
  const b = await getBackend('webgpu');
  if (!(b instanceof WebGpuBackend)) throw new Error(`webgpu registered ${b.constructor.name}`);
  gpu = b;
});

describe('webgpu buffer reuse', () => {
  it('keeps a freed buffer from recorded work that still reads it, then reuses it', async () => {
    const n = 4099; // a size no other test of this file makes
    const a = tensor(gpu, Int32Array.from({ length: n }, (_, i) => i), [n], 'int32');
    const doubled = add(a, a); // recorded, not yet submitted
    a.dispose();
    // A tensor made now must not take a's buffer: its upload runs before the recorded add.
    const b = tensor(gpu, new Int32Array(n).fill(-7), [n], 'int32');
    expect(b.storage).not.toBe(a.storage);
    expect(await doubled.data()).toEqual(Int32Array.from({ length: n }, (_, i) => 2 * i));
    // The submission has completed: the next tensor of that size gets a's buffer, with its own words.
    const c = tensor(gpu, new Int32Array(n).fill(5), [n], 'int32');
    expect(c.storage).toBe(a.storage);
    expect(await c.data()).toEqual(new Int32Array(n).fill(5));
    expect(await b.data()).toEqual(new Int32Array(n).fill(-7));
  });

  it('gives a decode step the buffers of the step before, so most bind groups are reused, with cpu bytes', async () => {
    const options = { maxTokens: 12, seed: 7n, temperature: 0.8 };
    const cpu = await generate(await loadModel('moby-gpt', { backend: 'cpu' }), 'Call me Ishmael. ', options);
    const model = await loadModel('moby-gpt', { backend: 'webgpu' });
    await generate(model, 'Call me Ishmael. ', options);
    const before = { ...gpu.bindGroups.counts };
    const r = await generate(model, 'Call me Ishmael. ', options);
    const reused = gpu.bindGroups.counts.reused - before.reused;
    const made = gpu.bindGroups.counts.made - before.made;
    expect({ outputHash: r.outputHash, traceRoot: r.traceRoot }).toEqual({ outputHash: cpu.outputHash, traceRoot: cpu.traceRoot });
    // The prompt's pass and the tensors that grow every step (the key/value cache, the scores)
    // make new groups; without buffers handed out by place, none would be reused at all.
    expect(reused).toBeGreaterThan(made / 2);
  });
});
