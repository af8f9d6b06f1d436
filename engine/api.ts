/**
 * The library API for embedding spml: load a model by shipped name, path or bytes, then generate
 * text or classify inputs. Every result carries its output hash and trace root, and the model
 * hash that protocol messages name. The model's architecture (engine/arch/) is found from its
 * file's config; nothing here depends on which one it is, only on the task it serves. A llama2.c
 * checkpoint or a GGUF file is converted on load exactly as `spml import` converts it
 * (import_model.ts), so it has the model hash of the .spml file that command writes.
 */
import type { Classifier, ClassifierArchitecture, LanguageModel, LanguageModelArchitecture } from './arch/architecture.js';
import { parameterCount } from './arch/config.js';
import { getArchitecture } from './arch/registry.js';
import type { Backend } from './backend.js';
import { defaultBackendName, getBackend } from './backend.js';
import { classifyWith, type ClassifyOptions, type ClassifyResult } from './classify.js';
import { ParamError } from './errors.js';
import { decodeModel, modelHash, type ModelFile } from './format/format.js';
import { detectModelFormat } from './format/import.js';
import { generate as generateWith, type GenerateOptions, type GenerateResult, type GeneratedToken } from './generate.js';
import { importModel, type ImportProgress } from './import_model.js';

/** Models shipped in the package's models/ folder, by name. */
export const SHIPPED_MODELS: Readonly<Record<string, string>> = {
  'moby-gpt': 'moby-gpt.spml',
  'mnist-mlp': 'mnist-mlp.spml',
  stories260k: 'stories260k.spml',
};

interface LoadedCommon {
  readonly name: string;
  /** SHA-256 of the model file (docs/MODEL_FORMAT.md): what protocol messages name. */
  readonly hash: string;
  readonly bytes: number;
  readonly file: ModelFile;
  readonly backend: Backend;
  /** The architecture's name (the config's `arch`): 'gpt', 'mlp', … */
  readonly kind: string;
}
/** A model that generates text (its architecture's task is 'generate'). */
export interface LoadedLanguageModel extends LoadedCommon {
  readonly task: 'generate';
  readonly architecture: LanguageModelArchitecture;
  readonly runtime: LanguageModel;
}
/** A model that classifies inputs (its architecture's task is 'classify'). */
export interface LoadedClassifier extends LoadedCommon {
  readonly task: 'classify';
  readonly architecture: ClassifierArchitecture;
  readonly runtime: Classifier;
}
export type SpmlModel = LoadedLanguageModel | LoadedClassifier;

export interface LoadOptions {
  /** Registered backend to run on (default: defaultBackendName(), 'wasm' where the package can run it, else 'cpu'). Never falls back to another. */
  backend?: string;
  /** A llama2.c checkpoint's tokenizer file: its path or its bytes (a GGUF file carries its own). */
  tokenizer?: string | Uint8Array;
  /** When converting a llama2.c or GGUF file: meta.name, as `spml import --name` sets it. */
  name?: string;
  /** When converting a llama2.c or GGUF file: how far the conversion is. */
  onProgress?: (p: ImportProgress) => void;
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
  const { basename, join } = await import('node:path');
  const shipped = SHIPPED_MODELS[source];
  const path = shipped ? join(await shippedModelsDir(), shipped) : source;
  const known = Object.keys(SHIPPED_MODELS).join(', ');
  const bytes = await readBytes(path, `model '${source}'`, `give a path to a .spml, llama2.c or GGUF file or a shipped name: ${known}`);
  return { bytes, name: shipped ? source : basename(path).replace(/\.spml$/, '') };
}

async function readBytes(path: string, what: string, hint: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new ParamError('loadModel', `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ${hint}`);
  }
}

/** The .spml bytes of a source: as they are, or converted from a llama2.c or GGUF file. */
async function spmlBytes(bytes: Uint8Array, options: LoadOptions): Promise<Uint8Array> {
  const { tokenizer } = options;
  if (detectModelFormat(bytes) === 'spml') {
    if (tokenizer !== undefined) throw new ParamError('loadModel', 'a .spml model carries its own vocabulary: give no tokenizer with it');
    return bytes;
  }
  if (tokenizer !== undefined && typeof tokenizer !== 'string' && !(tokenizer instanceof Uint8Array)) throw new ParamError('loadModel', 'tokenizer must be a path or a Uint8Array');
  const tokenizerBytes = typeof tokenizer === 'string' ? await readBytes(tokenizer, `tokenizer '${tokenizer}'`, 'give the path to the tokenizer.bin of the llama2.c checkpoint') : tokenizer;
  return importModel(bytes, { tokenizer: tokenizerBytes, name: options.name, onProgress: options.onProgress }).bytes;
}

/**
 * Load a model from a shipped name ('moby-gpt', 'mnist-mlp', 'stories260k'), a file path, or file
 * bytes: a .spml model, or a llama2.c checkpoint (with `tokenizer`) or GGUF file, told apart by
 * their first bytes.
 */
export async function loadModel(source: string | Uint8Array, options: LoadOptions = {}): Promise<SpmlModel> {
  const read = typeof source === 'string' ? await readSource(source) : { bytes: source, name: 'model' };
  if (!(read.bytes instanceof Uint8Array)) throw new ParamError('loadModel', 'source must be a name, a path or a Uint8Array');
  const bytes = await spmlBytes(read.bytes, options);
  const name = read.name;
  const file = decodeModel(bytes);
  const backend = await getBackend(options.backend ?? defaultBackendName());
  // decodeModel accepted the config, so its architecture is registered.
  const architecture = getArchitecture(file.config.arch)!;
  const common = { name: typeof file.meta.name === 'string' ? file.meta.name : name, hash: modelHash(bytes), bytes: bytes.length, file, backend, kind: architecture.name };
  const intModel = architecture.fromFile(file);
  return architecture.task === 'generate'
    ? { ...common, architecture, task: 'generate', runtime: architecture.instantiate(backend, intModel) }
    : { ...common, architecture, task: 'classify', runtime: architecture.instantiate(backend, intModel) };
}

export interface GenerationResult extends GenerateResult {
  readonly modelHash: string;
  /** The backend that ran it. */
  readonly backend: string;
}

/** Generate text with a language model; deterministic for a given model, prompt and options. */
export async function generate(model: SpmlModel, prompt: string, options: GenerateOptions = {}): Promise<GenerationResult> {
  if (model === null || typeof model !== 'object') throw new ParamError('generate', 'model must be a loaded model (loadModel)');
  if (model.task !== 'generate') throw new ParamError('generate', `generate needs a language model, and '${model.name}' is a ${model.kind} classifier (use classify)`);
  if (typeof prompt !== 'string') throw new ParamError('generate', 'prompt must be a string');
  return { ...(await generateWith(model.runtime, prompt, options)), modelHash: model.hash, backend: model.backend.name };
}

/** generateStream's result: the tokens as they are made (for await … of), then the whole result. */
export interface GenerationStream extends AsyncIterable<GeneratedToken> {
  /** Resolves once generation ends, with the hashes; rejects as generate would. */
  readonly result: Promise<GenerationResult>;
}

/**
 * generate, streaming: iterate to get each token and its text as soon as it is chosen (the texts
 * joined are the completion); `result` then gives the same result, hashes included, that
 * generate gives for the same arguments. Iterating ends with generate's error, if it fails.
 */
export function generateStream(model: SpmlModel, prompt: string, options: GenerateOptions = {}): GenerationStream {
  const queue: GeneratedToken[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  const onToken = (t: GeneratedToken) => {
    options.onToken?.(t);
    queue.push(t);
    wake?.();
  };
  const result = generate(model, prompt, { ...options, onToken });
  const end = () => {
    finished = true;
    wake?.();
  };
  result.then(end, end);
  return {
    result,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) yield queue.shift()!;
        else if (finished) return void (await result);
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

export interface ClassificationResult extends ClassifyResult {
  readonly modelHash: string;
  /** The backend that ran it. */
  readonly backend: string;
}

/** Classify `count` inputs given as consecutive rows of bytes 0..255 (pixels, for an image model). */
export async function classify(model: SpmlModel, images: Uint8Array, count?: number, options: ClassifyOptions = {}): Promise<ClassificationResult> {
  if (model === null || typeof model !== 'object') throw new ParamError('classify', 'model must be a loaded model (loadModel)');
  if (model.task !== 'classify') throw new ParamError('classify', `classify needs a classifier, and '${model.name}' is a ${model.kind} language model (use generate)`);
  return { ...(await classifyWith(model.runtime, images, count, options)), modelHash: model.hash, backend: model.backend.name };
}

/** A summary of a model file for `spml inspect`. */
export function inspectModel(model: SpmlModel) {
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
    architecture: model.file.config,
    parameters: parameterCount(model.file.config),
    tensors: model.file.tensors.length,
    byDtype,
    meta: model.file.meta,
  };
}

export type { GenerateOptions, GenerateResult, GeneratedToken, ClassifyOptions, ClassifyResult, ImportProgress };
