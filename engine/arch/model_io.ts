/**
 * The pieces every architecture uses to read its int model from a decoded file and write it
 * back (docs/MODEL_FORMAT.md, "Architectures"): strict checks of the `quant` structure, the
 * tensor table, and the file's meta. A file that decodes but does not describe a consistent
 * model is a ModelFormatError, never a model that computes garbage.
 *
 * This module imports nothing from the format codec or the registry but types, so that an
 * architecture's modules load in any order (the registry imports the architectures).
 */
import type { DType } from '../dtype.js';
import { ModelFormatError } from '../errors.js';
import { compareCodePoints } from '../format/canonical_json.js';
import type { ModelFile } from '../format/format.js';
import { MAX_MULTIPLIER, MAX_SHIFT } from '../quant.js';
import type { FileMeta } from './architecture.js';
import type { DyadicPair, IntModel, IntTensor, NormQuant } from './int_model.js';

export const failQuant = (what: string): never => {
  throw new ModelFormatError(`invalid quant: ${what}`);
};

export function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function checkPair(where: string, v: unknown): DyadicPair {
  if (!Array.isArray(v) || v.length !== 2) return failQuant(`${where} is not a [multiplier, shift] pair`);
  const [m, n] = v as unknown[];
  if (!Number.isInteger(m) || (m as number) < 0 || (m as number) > MAX_MULTIPLIER) failQuant(`${where}: multiplier ${String(m)} outside [0, 2^31-1]`);
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > MAX_SHIFT) failQuant(`${where}: shift ${String(n)} outside [0, 62]`);
  return [m as number, n as number];
}

export function checkPairs(where: string, v: unknown, count: number): DyadicPair[] {
  if (!Array.isArray(v) || v.length !== count) return failQuant(`${where} must list ${count} [multiplier, shift] pairs`);
  return v.map((p, i) => checkPair(`${where}[${i}]`, p));
}

export function checkNorm(where: string, v: unknown): NormQuant {
  if (!isObj(v)) return failQuant(`${where} is not an object`);
  if (!Number.isInteger(v.eps) || (v.eps as number) < 0 || (v.eps as number) > 2 ** 31 - 1) failQuant(`${where}.eps is not an integer in [0, 2^31-1]`);
  return { eps: v.eps as number, scale: checkPair(`${where}.scale`, v.scale), out: checkPair(`${where}.out`, v.out) };
}

/** The file's tensors by name. */
export function tensorMap(file: ModelFile): Map<string, IntTensor> {
  return new Map(file.tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, data: t.data }]));
}

/** The file form of an int model: its tensors sorted by name, `extraMeta` added to `meta`. */
export function intModelToFile(m: IntModel, meta: FileMeta, extraMeta: Record<string, string> = {}): ModelFile {
  const tensors = [...m.tensors.entries()]
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape], data: t.data }))
    .sort((a, b) => compareCodePoints(a.name, b.name));
  const definedMeta = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
  return { config: m.config, quant: JSON.parse(JSON.stringify(m.quant)), meta: { ...definedMeta, ...extraMeta }, tensors } as ModelFile;
}

/** A tensor the architecture expects: name, dtype, shape. */
export type TensorSpec = readonly [string, DType, readonly number[]];
/**
 * Require that `file` holds exactly the tensors `specs` lists (any order), each with its dtype
 * and shape; the ModelFormatError (op `expectTensors`) lists every missing, extra and
 * mismatched tensor.
 */
export function expectTensors(file: ModelFile, specs: readonly TensorSpec[]): void {
  const have = new Map(file.tensors.map((t) => [t.name, t]));
  const want = new Map(specs.map((s) => [s[0], s]));
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [name, dtype, shape] of specs) {
    const t = have.get(name);
    if (!t) missing.push(name);
    else if (t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      mismatched.push(`${name} is ${t.dtype} [${t.shape.join(', ')}], expected ${dtype} [${shape.join(', ')}]`);
    }
  }
  const extra = file.tensors.filter((t) => !want.has(t.name)).map((t) => t.name);
  if (missing.length + extra.length + mismatched.length === 0) return;
  const list = (label: string, xs: string[]) =>
    xs.length === 0 ? [] : [`${label} (${xs.length}): ${xs.slice(0, 20).join('; ')}${xs.length > 20 ? `; and ${xs.length - 20} more` : ''}`];
  const parts = [...list('missing', missing), ...list('extra', extra), ...list('mismatched', mismatched)];
  throw new ModelFormatError(`tensors do not match the architecture: ${parts.join('; ')}`, undefined, 'expectTensors');
}
