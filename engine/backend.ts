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
  /** For a backend that drives a device: what it has asked of the device so far (benches report it per token). */
  readonly deviceStats?: DeviceStats;
}

/** Counts of a device backend's work since it started; the difference of two readings is a run's. */
export interface DeviceStats {
  /** Kernel launches (compute dispatches, gpu.js kernel calls). */
  readonly dispatches: number;
  /** Copies of a tensor back to the host. */
  readonly reads: number;
  /** Batches handed to the device (queue submissions), where the backend batches. */
  readonly submissions: number;
}

export type BackendFactory = () => Backend | Promise<Backend>;

const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Promise<Backend>>();

/**
 * How to get a backend that is not registered: the import that registers it and the npm packages
 * it needs. The engine knows no backend; the package entry points (lib/) fill this in from the
 * backend list, kernels/backends.ts, so that asking for an unregistered backend says what to add.
 */
export interface BackendHint {
  /** The module whose import registers the backend, e.g. 'spml/webgpu'. */
  readonly importPath: string;
  /** npm packages the backend needs beside spml (optional peer dependencies), e.g. ['webgpu']. */
  readonly packages: readonly string[];
}

const hints = new Map<string, BackendHint>();

/** Record how to get backend `name`; a later hint for the same name replaces the earlier one. */
export function registerBackendHint(name: string, hint: BackendHint): void {
  hints.set(name, { importPath: hint.importPath, packages: [...hint.packages] });
}

/** The message for a backend that is not registered: what to import and install, where known. */
function unknownBackendMessage(name: string): string {
  const known = listBackends().join(', ') || 'none';
  const hint = hints.get(name);
  if (!hint) return `unknown backend '${name}' (registered: ${known})`;
  const install = hint.packages.length > 0 ? ` (and \`npm install ${hint.packages.join(' ')}\`)` : '';
  return `unknown backend '${name}': it is not registered; add \`import '${hint.importPath}'\`${install} before using it (registered: ${known})`;
}

let defaultName = 'cpu';

/**
 * The backend loadModel uses when none is named: 'cpu' in the bare engine; the package entry point
 * (lib/register.ts) makes it 'wasm' where this runtime can compile the WebAssembly module.
 */
export function defaultBackendName(): string {
  return defaultName;
}

export function setDefaultBackend(name: string): void {
  if (!factories.has(name)) throw new BackendError('setDefaultBackend', unknownBackendMessage(name));
  defaultName = name;
}

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
  if (!factory) return Promise.reject(new BackendError('getBackend', unknownBackendMessage(name)));
  const started = Promise.resolve()
    .then(factory)
    .catch((e: unknown) => {
      instances.delete(name);
      throw e;
    });
  instances.set(name, started);
  return started;
}
