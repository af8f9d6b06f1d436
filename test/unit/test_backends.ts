/**
 * Extra backends for the unit tests: a clone of cpu under another name (so that tensors can live
 * on two backends at once) and a backend with storage but no kernels.
 */
import { CPU_KERNELS, CpuBackend } from '../../kernels/cpu/index.js';
import { getBackend, registerBackend, registerKernel, type Backend, type KernelFunc } from '../../lib/index.js';

/** A Backend that stores like cpu but answers to `name`. */
export function hostBackend(name: string): Backend {
  const inner = new CpuBackend();
  return {
    name,
    description: `test clone of cpu named ${name}`,
    upload: (dtype, data) => inner.upload(dtype, data),
    read: (storage) => inner.read(storage),
    readSync: (storage) => inner.readSync(storage),
    dispose: () => inner.dispose(),
  };
}

/** Register `name` as a copy of cpu with every cpu kernel, and start it. */
export async function registerCpuClone(name: string): Promise<Backend> {
  registerBackend(name, () => hostBackend(name));
  for (const [kernelName, kernelFunc] of Object.entries(CPU_KERNELS)) {
    registerKernel({ kernelName, backendName: name, kernelFunc: kernelFunc as KernelFunc });
  }
  return getBackend(name);
}

/** Register `name` with host storage and no kernels at all, and start it. */
export async function registerEmpty(name: string): Promise<Backend> {
  registerBackend(name, () => hostBackend(name));
  return getBackend(name);
}
