/**
 * The backend contract and the backend registry (engine/NUMERICS.md §0; in the spirit of
 * tfjs-core's engine and tinygrad's runtime/ops_<name>).
 *
 * A backend owns tensor storage (typed arrays, GPU buffers, textures) and is a folder under
 * kernels/ that registers itself here and its kernels in kernel_registry.ts. Selecting a
 * backend that cannot start must throw a BackendError that says what is missing; there is no
 * silent fallback to another backend.
 */
import { BackendError } from './errors.js';
import type { DType, IntArray } from './dtype.js';

export interface Backend {
  /** Registry name, e.g. 'cpu'. */
  readonly name: string;
  /** What actually runs the kernels: a device, an adapter, a mode. Shown in benchmarks. */
  readonly description: string;
  /** Copy host data into new storage owned by this backend. */
  upload(dtype: DType, data: IntArray): unknown;
  /** Copy storage back to the host. The copy is taken when this is called. */
  read(storage: unknown, dtype: DType, size: number): Promise<IntArray>;
  /** Synchronous read, for backends whose storage lives on the host. */
  readSync?(storage: unknown, dtype: DType, size: number): IntArray;
  /** Release storage. Using a tensor after it is disposed is an error. */
  dispose(storage: unknown): void;
}

export type BackendFactory = () => Backend | Promise<Backend>;

const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Promise<Backend>>();

export function registerBackend(name: string, factory: BackendFactory): void {
  if (factories.has(name)) throw new BackendError('registerBackend', `backend '${name}' is already registered`);
  factories.set(name, factory);
}

/** Names of every registered backend, in registration order. */
export function listBackends(): string[] {
  return [...factories.keys()];
}

/**
 * The backend instance for `name`, started on first use and shared after that. A failed start
 * is not cached, so a caller can install what was missing and try again.
 */
export function getBackend(name: string): Promise<Backend> {
  const cached = instances.get(name);
  if (cached) return cached;
  const factory = factories.get(name);
  if (!factory) {
    const known = listBackends().join(', ') || 'none';
    return Promise.reject(new BackendError('getBackend', `unknown backend '${name}' (registered: ${known})`));
  }
  const started = Promise.resolve()
    .then(factory)
    .catch((e: unknown) => {
      instances.delete(name);
      throw e;
    });
  instances.set(name, started);
  return started;
}
