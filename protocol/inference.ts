/**
 * The computation f(x) that spML servers perform (paper §2.1 step 1, §3.2 steps 2 and 5): run a
 * shipped model on a request's input with the request's options and seed, and return the output,
 * its hash, and the per-layer trace (leaves and Merkle root) that arbitration bisects.
 *
 * Both parties run the same deterministic integer engine with the same seed (§3.1 "Deterministic
 * ML Execution"), so honest runs agree byte for byte and any difference in a leaf is evidence.
 * Inputs and options are the message types of protocol/messages/types.ts; the input hash is theirs.
 */
import { ParamError } from '../engine/errors.js';
import { classify, generate, loadModel, type GenerateOptions, type SpmlModel } from '../engine/api.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { modelHash } from '../engine/models/format.js';
import { checkGenerateOptions } from '../engine/models/generate.js';
import type { TraceLeaf } from '../engine/trace.js';
import { inputHash } from './messages/encode.js';
import type { GenerationOptions, InferenceInput } from './messages/types.js';

export interface InferenceResult {
  /** The model the result claims to come from (what the server signs). */
  readonly modelHash: string;
  readonly inputHash: string;
  /** Generated token ids (GPT), or one class id per image (MLP). */
  readonly output: readonly number[];
  /** The engine's outputHash: of the int32 token ids (GPT), of the int32 logits (MLP). */
  readonly outputHash: string;
  readonly traceRoot: string;
  readonly leaves: readonly TraceLeaf[];
}

/** One leaf of a run's trace as the model and request determine it before anything is run. */
export interface TraceStep {
  readonly label: string;
  /** Multiply-accumulates of the layer that makes this leaf: the work to re-execute it. */
  readonly macs: number;
}

/** Models loaded once and looked up by model hash (what every protocol message names). */
export class ModelStore {
  private readonly byHash = new Map<string, SpmlModel>();
  private readonly byName = new Map<string, string>();

  /** Load a shipped name, path or file bytes, or return the copy already loaded. */
  async load(source: string | Uint8Array): Promise<SpmlModel> {
    const known = typeof source === 'string' ? this.byName.get(source) : modelHash(source);
    if (known !== undefined && this.byHash.has(known)) return this.byHash.get(known)!;
    const model = this.add(await loadModel(source));
    if (typeof source === 'string') this.byName.set(source, model.hash);
    return model;
  }

  /** Register a model built in memory (a perturbed copy, for instance); the first one of a hash wins. */
  add(model: SpmlModel): SpmlModel {
    if (!this.byHash.has(model.hash)) this.byHash.set(model.hash, model);
    return this.byHash.get(model.hash)!;
  }

  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  get(hash: string): SpmlModel {
    const model = this.byHash.get(hash);
    if (!model) throw new ParamError('ModelStore.get', `no model with hash ${hash} is loaded`);
    return model;
  }
}

/** The pixel bytes of an image input, checked against the model's input size. */
export function inputPixels(model: SpmlModel, input: InferenceInput): Uint8Array {
  if (input.kind !== 'pixels' || model.kind !== 'mlp') throw suitError(model, input);
  const pixels = hexToBytes(input.pixels);
  if (pixels.length !== input.count * model.mlp.inputSize) {
    throw new ParamError('inference', `input holds ${pixels.length} pixels, not ${input.count} images of ${model.mlp.inputSize}`);
  }
  return pixels;
}

const suitError = (model: SpmlModel, input: InferenceInput) =>
  new ParamError('inference', `a ${input.kind} input does not suit ${model.kind === 'mlp' ? 'an MLP' : 'a GPT'} model`);

function promptOf(model: SpmlModel, input: InferenceInput): string {
  if (input.kind !== 'text' || model.kind !== 'gpt') throw suitError(model, input);
  return input.prompt;
}

/** The engine's generate options for a request: only the request's fields, plus its seed. */
export function engineOptions(options: GenerationOptions, seed: bigint): GenerateOptions {
  const { maxTokens, temperature, topK, topP } = options;
  return { maxTokens, temperature, topK, topP, seed };
}

/** Run f(x): the model on the input, with the options and seed both servers were given. */
export async function runInference(model: SpmlModel, input: InferenceInput, options: GenerationOptions, seed: bigint): Promise<InferenceResult> {
  const common = { modelHash: model.hash, inputHash: inputHash(input) };
  if (input.kind === 'text') {
    const prompt = promptOf(model, input);
    const r = await generate(model, prompt, { ...engineOptions(options, seed), keepTrace: true });
    return { ...common, output: r.tokens, outputHash: r.outputHash, traceRoot: r.traceRoot, leaves: r.traceLeaves ?? [] };
  }
  const r = await classify(model, inputPixels(model, input), input.count, { keepTrace: true });
  return { ...common, output: r.labels, outputHash: r.outputHash, traceRoot: r.traceRoot, leaves: r.traceLeaves ?? [] };
}

/**
 * The leaves an honest run makes, in order, with each layer's multiply-accumulates. A GPT pass
 * over T new tokens after `offset` cached ones costs T·(4C² + 2CM + 2PC) per block (q, k, v and
 * output projections, the MLP, then scores and probabilities·values over P = offset + T
 * positions) and T·V·C for the head; generation runs one pass over the prompt, then one per
 * further token. An MLP layer costs N·in·out.
 */
export function traceSchedule(model: SpmlModel, input: InferenceInput, options: GenerationOptions): TraceStep[] {
  if (model.kind === 'mlp') {
    const n = inputPixels(model, input).length / model.mlp.inputSize;
    const sizes = model.mlp.config.sizes;
    return Array.from({ length: model.mlp.layers }, (_, i) => ({ label: model.mlp.layerLabel(i), macs: n * sizes[i]! * sizes[i + 1]! }));
  }
  const { width: C, mlpWidth: M, vocabSize: V, layers } = model.gpt.config;
  const promptTokens = model.gpt.encode(promptOf(model, input)).length;
  const passes = Math.max(1, checkGenerateOptions(engineOptions(options, 0n)).maxTokens);
  const steps: TraceStep[] = [];
  for (let p = 0; p < passes; p++) {
    const label = p === 0 ? 'prefill' : `step${p - 1}`;
    const T = p === 0 ? promptTokens : 1;
    const P = p === 0 ? promptTokens : promptTokens + p;
    for (let l = 0; l < layers; l++) steps.push({ label: `${label}.h${l}`, macs: T * (4 * C * C + 2 * C * M + 2 * P * C) });
    steps.push({ label: `${label}.logits`, macs: T * V * C });
  }
  return steps;
}
