/**
 * The architecture registry, as engine/backend.ts is for backends: the engine finds an
 * architecture by the `arch` of a model's config. The built-in ones come from builtin.ts; an
 * embedder may register its own.
 */
import { ParamError } from '../errors.js';
import type { Architecture } from './architecture.js';
import { BUILTIN_ARCHITECTURES } from './builtin.js';

// Filled on first use rather than at load: builtin.ts imports the architectures, which import
// the format and config modules that call back in here, so the table must not be read earlier.
let architectures: Map<string, Architecture> | undefined;

function table(): Map<string, Architecture> {
  return (architectures ??= new Map(BUILTIN_ARCHITECTURES.map((a) => [a.name, a])));
}

export function registerArchitecture(architecture: Architecture): void {
  if (table().has(architecture.name)) throw new ParamError('registerArchitecture', `architecture '${architecture.name}' is already registered`);
  table().set(architecture.name, architecture);
}

/** The architecture named `name`, or undefined. */
export function getArchitecture(name: string): Architecture | undefined {
  return table().get(name);
}

/** Names of every registered architecture, built-ins first. */
export function listArchitectures(): string[] {
  return [...table().keys()];
}
