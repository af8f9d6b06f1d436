/** gpu.js elementwise kernels (engine/NUMERICS.md §6, §16.2): relu, …. */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { gpujs, hostData, type KernelSource } from './backend.js';
import { fromPacked, packedPlane } from './planes.js';

// One float per int8/int16 element; for int32 the planes are hi limbs then lo limbs, and the
// sign of the value is the sign of its hi limb. Bound: values only, |x| ≤ 2^16.
const RELU: KernelSource = {
  name: 'relu',
  source: `function (x, size, limbs) {
  const t = this.thread.x;
  let h = x[t];
  if (limbs > 0) {
    if (t < size) { h = x[t]; } else { h = x[t - size]; }
  }
  if (h < 0) { return 0; }
  return x[t];
}`,
};

export const reluKernel: KernelFunc = ({ backend, inputs, out }) => {
  const limbs = out.dtype === 'int32' ? 2 : 1;
  const y = gpujs(backend).run(RELU, limbs * out.size, [packedPlane(hostData(inputs[0]!), out.dtype), out.size, limbs - 1]);
  return fromPacked('relu', y, out.dtype, out.size);
};

export const ELEMENTWISE_KERNELS: Readonly<Record<string, KernelFunc>> = { Relu: reluKernel };
