/**
 * Model configs in general: every architecture's config names it in `arch`, and the registered
 * architecture (engine/arch/registry.ts) checks the rest and says which parameters it has.
 */
import { configChecker } from './config_check.js';
import { getArchitecture } from './registry.js';

export { configChecker };

/** What every config has; each architecture extends it with its own fields. */
export interface ArchConfig {
  readonly arch: string;
}

/**
 * Any registered architecture's config: its `arch` and the fields that architecture defines.
 * (`any` because an interface such as GptConfig is only assignable to an index signature of any.)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ModelConfig = ArchConfig & { readonly [field: string]: any };


/** Check a config: an object naming a registered architecture, whose own check it passes. */
export function checkConfig(op: string, c: unknown): ModelConfig {
  const { bad } = configChecker(op);
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return bad('not an object');
  const o = c as Record<string, unknown>;
  const arch = typeof o.arch === 'string' ? getArchitecture(o.arch) : undefined;
  if (!arch) return bad(`unknown arch ${JSON.stringify(o.arch)}`);
  return arch.checkConfig(op, o);
}

/** Float parameter names and shapes of a config, in canonical order. */
export function parameterShapes(c: ModelConfig): [string, number[]][] {
  return getArchitecture(c.arch)!.parameterShapes(c);
}

export function parameterCount(c: ModelConfig): number {
  return parameterShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}
