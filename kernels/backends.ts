/**
 * The one list of backends: every folder under kernels/ with the backend names it registers in
 * Node and in a browser. The CLI (apps/cli/backends.ts), the browser bundle (apps/web/browser.ts),
 * the tests (vitest.config.ts runs the per-backend suites once per family, each in processes of
 * its own) and the benches (bench/child.ts, bench/determinism.ts) all read it. Adding a backend
 * is its folder plus one line here (docs/ARCHITECTURE.md, "Adding a backend").
 *
 * A family is a folder whose index.ts registers its backends on import. Families load in
 * processes of their own where they hold native GL (kernels/shared/native_gl.ts).
 */
export type Runtime = 'node' | 'browser';

export interface BackendFamily {
  /** The folder under kernels/, and the package subpath `spml/<family>`. */
  readonly family: string;
  /** The backends the family registers in each runtime, in registration order. */
  readonly backends: Readonly<Record<Runtime, readonly string[]>>;
  /** The import a user adds to register the family: 'spml' for the reference, else `spml/<family>`. */
  readonly importPath: string;
  /**
   * npm packages the family loads in Node beside spml's own dependencies. They are optional peer
   * dependencies of spml (package.json), so a cpu-only install builds nothing native; a family
   * whose package is missing throws a BackendError naming it when a backend of it starts.
   */
  readonly packages: readonly string[];
  /** Import the family's entry point, which registers its backends and their kernels. */
  readonly load: () => Promise<unknown>;
}

export const BACKEND_FAMILIES: readonly BackendFamily[] = [
  { family: 'cpu', backends: { node: ['cpu'], browser: ['cpu'] }, importPath: 'spml', packages: [], load: () => import('./cpu/index.js') },
  { family: 'wasm', backends: { node: ['wasm'], browser: ['wasm'] }, importPath: 'spml/wasm', packages: [], load: () => import('./wasm/index.js') },
  { family: 'webgpu', backends: { node: ['webgpu'], browser: ['webgpu'] }, importPath: 'spml/webgpu', packages: ['webgpu'], load: () => import('./webgpu/index.js') },
  { family: 'gpujs', backends: { node: ['gpujs-headlessgl', 'gpujs-webasm'], browser: ['gpujs-webgl2', 'gpujs-webasm'] }, importPath: 'spml/gpujs', packages: ['gpu.js'], load: () => import('./gpujs/index.js') },
];

/** The reference backend: the living definition of engine/NUMERICS.md, always registered. */
export const REFERENCE_BACKEND = 'cpu';

/** The backends the package entry point registers by itself (lib/register.ts): no package to install. */
export const ENTRY_BACKENDS: readonly string[] = [REFERENCE_BACKEND, 'wasm'];

/** Every backend name a runtime offers, family by family. */
export function backendNames(runtime: Runtime): string[] {
  return BACKEND_FAMILIES.flatMap((f) => f.backends[runtime]);
}

/** The family named `family`; an unknown name is an error listing the known ones. */
export function backendFamily(family: string): BackendFamily {
  const found = BACKEND_FAMILIES.find((f) => f.family === family);
  if (!found) throw new Error(`unknown backend family '${family}' (known: ${BACKEND_FAMILIES.map((f) => f.family).join(', ')})`);
  return found;
}

/** The family that registers backend `name` in `runtime`, if any. */
export function familyOf(name: string, runtime: Runtime): BackendFamily | undefined {
  return BACKEND_FAMILIES.find((f) => f.backends[runtime].includes(name));
}

/**
 * Import every family, registering all their backends. Registering starts nothing, so the GL
 * families can be loaded together; only starting two of them in one Node process fails
 * (kernels/shared/native_gl.ts).
 */
export async function loadAllBackends(): Promise<void> {
  for (const f of BACKEND_FAMILIES) await f.load();
}
