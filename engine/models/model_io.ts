/**
 * Bridge between the file codec (format.ts) and the in-memory int models: which tensors and
 * which `quant` structure each architecture stores, and strict validation of both on load
 * (docs/MODEL_FORMAT.md, "Architectures"). A file that decodes but does not describe a
 * consistent model is a ModelFormatError, never a model that computes garbage.
 */
import { MAX_MULTIPLIER, MAX_SHIFT } from '../quant.js';
import type { GptConfig, MlpConfig } from './config.js';
import { compareCodePoints, expectTensors, ModelFormatError, type ModelFile } from './format.js';
import {
  gptIntTensorSpecs,
  mlpIntTensorSpecs,
  type DyadicPair,
  type GptQuant,
  type IntGpt,
  type IntMlp,
  type IntTensor,
  type MlpQuant,
  type NormQuant,
} from './int_model.js';

const fail = (what: string): never => {
  throw new ModelFormatError(`invalid quant: ${what}`);
};

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkPair(where: string, v: unknown): DyadicPair {
  if (!Array.isArray(v) || v.length !== 2) return fail(`${where} is not a [multiplier, shift] pair`);
  const [m, n] = v as unknown[];
  if (!Number.isInteger(m) || (m as number) < 0 || (m as number) > MAX_MULTIPLIER) fail(`${where}: multiplier ${String(m)} outside [0, 2^31-1]`);
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > MAX_SHIFT) fail(`${where}: shift ${String(n)} outside [0, 62]`);
  return [m as number, n as number];
}

function checkPairs(where: string, v: unknown, count: number): DyadicPair[] {
  if (!Array.isArray(v) || v.length !== count) return fail(`${where} must list ${count} [multiplier, shift] pairs`);
  return v.map((p, i) => checkPair(`${where}[${i}]`, p));
}

function checkNorm(where: string, v: unknown): NormQuant {
  if (!isObj(v)) return fail(`${where} is not an object`);
  if (!Number.isInteger(v.eps) || (v.eps as number) < 0 || (v.eps as number) > 2 ** 31 - 1) fail(`${where}.eps is not an integer in [0, 2^31-1]`);
  return { eps: v.eps as number, scale: checkPair(`${where}.scale`, v.scale), out: checkPair(`${where}.out`, v.out) };
}

export function checkGptQuant(c: GptConfig, q: unknown): GptQuant {
  if (!isObj(q)) return fail('not an object');
  if (!Array.isArray(q.layers) || q.layers.length !== c.layers) fail(`layers must have ${c.layers} entries`);
  const C = c.width;
  const layers = (q.layers as unknown[]).map((l, i) => {
    const w = `layers[${i}]`;
    if (!isObj(l)) return fail(`${w} is not an object`);
    return {
      ln1: checkNorm(`${w}.ln1`, l.ln1),
      q: checkPairs(`${w}.q`, l.q, C),
      k: checkPairs(`${w}.k`, l.k, C),
      v: checkPairs(`${w}.v`, l.v, C),
      softmax: checkPair(`${w}.softmax`, l.softmax),
      pv: checkPair(`${w}.pv`, l.pv),
      o: checkPairs(`${w}.o`, l.o, C),
      ln2: checkNorm(`${w}.ln2`, l.ln2),
      up: checkPairs(`${w}.up`, l.up, c.mlpWidth),
      down: checkPairs(`${w}.down`, l.down, C),
    };
  });
  return {
    residual: checkPair('residual', q.residual),
    layers,
    lnf: checkNorm('lnf', q.lnf),
    head: checkPairs('head', q.head, c.vocabSize),
    logits: checkPair('logits', q.logits),
  };
}

export function checkMlpQuant(c: MlpConfig, q: unknown): MlpQuant {
  if (!isObj(q)) return fail('not an object');
  const n = c.sizes.length - 1;
  if (!Array.isArray(q.layers) || q.layers.length !== n) fail(`layers must have ${n} entries`);
  const layers = (q.layers as unknown[]).map((l, i) => {
    if (!isObj(l)) return fail(`layers[${i}] is not an object`);
    return { out: checkPairs(`layers[${i}].out`, l.out, c.sizes[i + 1]!) };
  });
  return { input: checkPair('input', q.input), layers, logits: checkPair('logits', q.logits) };
}

function tensorMap(file: ModelFile): Map<string, IntTensor> {
  return new Map(file.tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, data: t.data }]));
}

export function gptFromFile(file: ModelFile): IntGpt {
  const cfg = file.config as GptConfig;
  expectTensors(file, gptIntTensorSpecs(cfg));
  const vocab = file.meta.vocab;
  if (typeof vocab !== 'string' || [...vocab].length !== cfg.vocabSize || new Set(vocab).size !== cfg.vocabSize) {
    fail(`meta.vocab must hold ${cfg.vocabSize} distinct characters`);
  }
  return { config: cfg, quant: checkGptQuant(cfg, file.quant), vocab: vocab as string, tensors: tensorMap(file) };
}

export function mlpFromFile(file: ModelFile): IntMlp {
  const cfg = file.config as MlpConfig;
  expectTensors(file, mlpIntTensorSpecs(cfg));
  return { config: cfg, quant: checkMlpQuant(cfg, file.quant), tensors: tensorMap(file) };
}

function toEntries(tensors: ReadonlyMap<string, IntTensor>): ModelFile['tensors'] {
  return [...tensors.entries()]
    .map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape], data: t.data }))
    .sort((a, b) => compareCodePoints(a.name, b.name));
}

export function gptToFile(m: IntGpt, meta: { name: string; description?: string; [k: string]: string | number | undefined }): ModelFile {
  return {
    config: m.config,
    quant: JSON.parse(JSON.stringify(m.quant)),
    meta: { ...withoutUndefined(meta), vocab: m.vocab },
    tensors: toEntries(m.tensors),
  } as ModelFile;
}

export function mlpToFile(m: IntMlp, meta: { name: string; description?: string; [k: string]: string | number | undefined }): ModelFile {
  return { config: m.config, quant: JSON.parse(JSON.stringify(m.quant)), meta: withoutUndefined(meta), tensors: toEntries(m.tensors) } as ModelFile;
}

function withoutUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
