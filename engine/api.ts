/**
 * The library API for embedding spml (issue 3): load a model by shipped name, path or bytes,
 * then generate text or classify images. Every result carries its output hash and trace root,
 * and the model hash that protocol messages name.
 */
import type { Backend } from './backend.js';
import { getBackend } from './backend.js';
import { ParamError } from './errors.js';
import { hashData, bytesToHex } from './hash.js';
import { Trace, type TraceLeaf } from './trace.js';
import { parameterCount, type GptConfig, type MlpConfig } from './models/config.js';
import { decodeModel, modelHash, ModelFormatError, type ModelFile } from './models/format.js';
import { GptModel } from './models/gpt.js';
import { generate as generateWith, type GenerateOptions, type GenerateResult } from './models/generate.js';
import { MlpModel, checkPixels } from './models/mlp.js';
import { gptFromFile, mlpFromFile } from './models/model_io.js';

/** Models shipped in the package's models/ folder, by name. */
export const SHIPPED_MODELS: Readonly<Record<string, string>> = {
  'moby-gpt': 'moby-gpt.spml',
  'mnist-mlp': 'mnist-mlp.spml',
};

interface LoadedCommon {
  readonly name: string;
  /** SHA-256 of the model file (docs/MODEL_FORMAT.md): what protocol messages name. */
  readonly hash: string;
  readonly bytes: number;
  readonly file: ModelFile;
  readonly backend: Backend;
}
export interface LoadedGpt extends LoadedCommon {
  readonly kind: 'gpt';
  readonly gpt: GptModel;
}
export interface LoadedMlp extends LoadedCommon {
  readonly kind: 'mlp';
  readonly mlp: MlpModel;
}
export type SpmlModel = LoadedGpt | LoadedMlp;

export interface LoadOptions {
  /** Registered backend to run on (default 'cpu'). Never falls back to another. */
  backend?: string;
}

/** The package's models/ folder, found from this module's location (source or dist/). */
async function shippedModelsDir(): Promise<string> {
  const { dirname, join } = await import('node:path');
  const { existsSync, readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'spml') return join(dir, 'models');
    const up = dirname(dir);
    if (up === dir) throw new ParamError('loadModel', 'cannot find the spml package folder holding the shipped models');
    dir = up;
  }
}

async function readSource(source: string): Promise<{ bytes: Uint8Array; name: string }> {
  const { readFile } = await import('node:fs/promises');
  const { basename, join } = await import('node:path');
  const shipped = SHIPPED_MODELS[source];
  const path = shipped ? join(await shippedModelsDir(), shipped) : source;
  try {
    return { bytes: new Uint8Array(await readFile(path)), name: shipped ? source : basename(path).replace(/\.spml$/, '') };
  } catch (e) {
    const known = Object.keys(SHIPPED_MODELS).join(', ');
    throw new ParamError('loadModel', `cannot read model '${source}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a path to a .spml file or a shipped name: ${known}`);
  }
}

/** Load a model from a shipped name ('moby-gpt', 'mnist-mlp'), a file path, or file bytes. */
export async function loadModel(source: string | Uint8Array, options: LoadOptions = {}): Promise<SpmlModel> {
  const { bytes, name } = typeof source === 'string' ? await readSource(source) : { bytes: source, name: 'model' };
  if (!(bytes instanceof Uint8Array)) throw new ParamError('loadModel', 'source must be a name, a path or a Uint8Array');
  const file = decodeModel(bytes);
  const backend = await getBackend(options.backend ?? 'cpu');
  const common = { name: typeof file.meta.name === 'string' ? file.meta.name : name, hash: modelHash(bytes), bytes: bytes.length, file, backend };
  if (file.config.arch === 'gpt') return { ...common, kind: 'gpt', gpt: new GptModel(backend, gptFromFile(file)) };
  if (file.config.arch === 'mlp') return { ...common, kind: 'mlp', mlp: new MlpModel(backend, mlpFromFile(file)) };
  throw new ModelFormatError(`unsupported architecture`);
}

export interface GenerationResult extends GenerateResult {
  readonly modelHash: string;
}

/** Generate text from a GPT model; deterministic for a given model, prompt and options. */
export async function generate(model: SpmlModel, prompt: string, options: GenerateOptions = {}): Promise<GenerationResult> {
  if (model?.kind !== 'gpt') throw new ParamError('generate', 'generate needs a GPT model (use classify for an MLP)');
  if (typeof prompt !== 'string') throw new ParamError('generate', 'prompt must be a string');
  return { ...(await generateWith(model.gpt, prompt, options)), modelHash: model.hash };
}

export interface ClassifyResult {
  readonly labels: readonly number[];
  /** SHA-256 of the int32 logits [N, classes] (NUMERICS.md §2). */
  readonly outputHash: string;
  readonly traceRoot: string;
  readonly modelHash: string;
  /** The trace's leaves (one per layer), in order; present when `keepTrace` was set. */
  readonly traceLeaves?: readonly TraceLeaf[];
  readonly ms: number;
}

export interface ClassifyOptions {
  /** Also return the trace's leaves as `traceLeaves` (default false). */
  keepTrace?: boolean;
}

/** Classify `count` images given as consecutive rows of pixels 0..255. */
export async function classify(model: SpmlModel, images: Uint8Array, count?: number, options: ClassifyOptions = {}): Promise<ClassifyResult> {
  if (model?.kind !== 'mlp') throw new ParamError('classify', 'classify needs an MLP model');
  const pixels = checkPixels('classify', images);
  const n = count ?? pixels.length / model.mlp.inputSize;
  if (!Number.isInteger(n) || n < 1) throw new ParamError('classify', `pixel count ${pixels.length} is not a positive multiple of ${model.mlp.inputSize}`);
  const started = performance.now();
  const trace = new Trace();
  const logits = model.mlp.forward(model.mlp.encodeImages(pixels, n), trace);
  const data = await logits.data();
  const classes = logits.shape[1]!;
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (data[i * classes + j]! > data[i * classes + best]!) best = j;
    labels.push(best);
  }
  const { root, leaves } = await trace.finish();
  return {
    labels,
    outputHash: bytesToHex(hashData('int32', logits.shape, data)),
    traceRoot: root,
    modelHash: model.hash,
    ...(options.keepTrace ? { traceLeaves: leaves } : {}),
    ms: performance.now() - started,
  };
}

/** A summary of a model file for `spml inspect`. */
export function inspectModel(model: SpmlModel) {
  const cfg = model.file.config as GptConfig | MlpConfig;
  const byDtype: Record<string, { tensors: number; elements: number; bytes: number }> = {};
  for (const t of model.file.tensors) {
    const e = (byDtype[t.dtype] ??= { tensors: 0, elements: 0, bytes: 0 });
    e.tensors++;
    e.elements += t.data.length;
    e.bytes += t.data.byteLength;
  }
  return {
    name: model.name,
    hash: model.hash,
    fileBytes: model.bytes,
    architecture: cfg,
    parameters: parameterCount(cfg),
    tensors: model.file.tensors.length,
    byDtype,
    meta: model.file.meta,
  };
}

export type { GenerateOptions, GenerateResult };
