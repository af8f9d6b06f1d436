/**
 * The cpu backend's storage: a host typed array per tensor (kernels/shared/host_storage.ts,
 * engine/NUMERICS.md §0.2); its kernels are the reference definitions themselves.
 */
import { HostStorageBackend } from '../shared/host_storage.js';

export class CpuBackend extends HostStorageBackend {
  readonly name = 'cpu';
  readonly description = 'TypeScript reference (engine/NUMERICS.md), host memory';
}
