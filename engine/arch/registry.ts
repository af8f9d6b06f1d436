/**
 * The architecture registry, as engine/backend.ts is for backends: the engine finds an
 * architecture by the `arch` of a model's config. The built-in ones come from builtin.ts; an
 * embedder may register its own.
 */
import { ParamError } from '../errors.js';
import type { Architecture } from './architecture.js';
import { BUILTIN_ARCHITECTURES } from './builtin.js';

// No architecture module imports this one (test/architecture/load_order.test.ts), so the
// built-ins are complete when this line runs.
const architectures = new Map<string, Architecture>(BUILTIN_ARCHITECTURES.map((a) => [a.name, a]));

export function registerArchitecture(architecture: Architecture): void {
  if (architectures.has(architecture.name)) throw new ParamError('registerArchitecture', `architecture '${architecture.name}' is already registered`);
  architectures.set(architecture.name, architecture);
}

/** The architecture named `name`, or undefined. */
export function getArchitecture(name: string): Architecture | undefined {
  return architectures.get(name);
}

/** Names of every registered architecture, built-ins first. */
export function listArchitectures(): string[] {
  return [...architectures.keys()];
}
