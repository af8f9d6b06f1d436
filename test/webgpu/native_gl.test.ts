/**
 * webgpu (EGL) and gpujs-headlessgl (GLX) cannot share a Node process (kernels/shared/native_gl.ts).
 * Unguarded, the second one to start ends the whole process with an X error; here it must be a
 * BackendError that says why and what to use instead, and the process must carry on.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import '../../kernels/webgpu/index.js';
import '../../kernels/gpujs/index.js';
import { getBackend, relu, tensor } from '../../lib/index.js';
import { BackendError } from '../../engine/errors.js';

describe('one native GL API per process', () => {
  it('gpujs-headlessgl after webgpu is a BackendError, and both webgpu and gpujs-webasm keep working', async () => {
    const webgpu = await getBackend('webgpu');
    const refused = getBackend('gpujs-headlessgl');
    await expect(refused).rejects.toBeInstanceOf(BackendError);
    await expect(refused).rejects.toThrow(/'webgpu' already holds the GPU driver through EGL.*separate process/);

    const input = Int32Array.from([-3, 0, 5]);
    for (const backend of [webgpu, await getBackend('gpujs-webasm')]) {
      expect(Array.from(await relu(tensor(backend, input, [3], 'int32')).data())).toEqual([0, 0, 5]);
    }
  });
});
