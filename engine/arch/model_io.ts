/**
 * The pieces every architecture uses to read its int model from a decoded file and write it
 * back (docs/MODEL_FORMAT.md, "Architectures"): strict checks of the `quant` structure, the
 * tensor table, and the file's meta. A file that decodes but does not describe a consistent
 * model is a ModelFormatError, never a model that computes garbage.
 */
import { compareCodePoints } from '../format/canonical_json.js';
import { ModelFormatError, type ModelFile } from '../format/format.js';
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
