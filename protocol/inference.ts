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
import { modelHash } from '../engine/format/format.js';
import type { TraceLeaf } from '../engine/trace.js';
import type { TaskInput, TraceStep } from '../engine/arch/architecture.js';
import { inputHash } from './messages/encode.js';
import type { GenerationOptions, InferenceInput, InferenceOutput } from './messages/types.js';

export type { TraceStep };

export interface InferenceResult {
  /** The model the result claims to come from (what the server signs). */
  readonly modelHash: string;
  readonly inputHash: string;
  /** Generated token ids (a language model), or one class id per input (a classifier). */
  readonly output: readonly number[];
  /** The engine's outputHash: of the int32 token ids, or of the int32 logits of a classifier. */
  readonly outputHash: string;
  /** The int32 tensor outputHash is the hash of (token ids, or logits): what a response delivers. */
  readonly outputTensor: InferenceOutput;
  readonly traceRoot: string;
  readonly leaves: readonly TraceLeaf[];
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

/** The pixel bytes of an image input, checked against the classifier's input size. */
export function inputPixels(model: SpmlModel, input: InferenceInput): Uint8Array {
  if (input.kind !== 'pixels' || model.task !== 'classify') throw suitError(model, input);
  const pixels = hexToBytes(input.pixels);
  if (pixels.length !== input.count * model.runtime.inputSize) {
    throw new ParamError('inference', `input holds ${pixels.length} pixels, not ${input.count} images of ${model.runtime.inputSize}`);
  }
  return pixels;
}

const suitError = (model: SpmlModel, input: InferenceInput) =>
  new ParamError('inference', `a ${input.kind} input does not suit ${model.task === 'classify' ? 'a classifier' : 'a language model'} (${model.kind})`);

/**
 * A request's input as the engine runs it (engine/arch/architecture.ts), checked against the
 * model's task.
 */
export function taskInput(model: SpmlModel, input: InferenceInput): TaskInput {
  if (input.kind === 'pixels') return { kind: 'pixels', pixels: inputPixels(model, input), count: input.count };
  if (model.task !== 'generate') throw suitError(model, input);
  return { kind: 'text', prompt: input.prompt };
}

/** The engine's generate options for a request: only the request's fields, plus its seed. */
export function engineOptions(options: GenerationOptions, seed: bigint): GenerateOptions {
  const { maxTokens, temperature, topK, topP } = options;
  return { maxTokens, temperature, topK, topP, seed };
}

/** Run f(x): the model on the input, with the options and seed both servers were given. */
export async function runInference(model: SpmlModel, input: InferenceInput, options: GenerationOptions, seed: bigint): Promise<InferenceResult> {
  const common = { modelHash: model.hash, inputHash: inputHash(input) };
  const task = taskInput(model, input);
  if (task.kind === 'text') {
    const r = await generate(model, task.prompt, { ...engineOptions(options, seed), keepTrace: true });
    return { ...common, output: r.tokens, outputHash: r.outputHash, outputTensor: { shape: [r.tokens.length], data: r.tokens }, traceRoot: r.traceRoot, leaves: r.traceLeaves ?? [] };
  }
  const r = await classify(model, task.pixels, task.count, { keepTrace: true, keepLogits: true });
  const outputTensor: InferenceOutput = { shape: [...r.logits!.shape], data: Array.from(r.logits!.data) };
  return { ...common, output: r.labels, outputHash: r.outputHash, outputTensor, traceRoot: r.traceRoot, leaves: r.traceLeaves ?? [] };
}

/**
 * The leaves an honest run makes, in order, with each step's multiply-accumulates: the model's
 * architecture knows both (its cost model: engine/arch/decoder.ts and the decoders' blockCost,
 * engine/arch/mlp/model.ts).
 */
export function traceSchedule(model: SpmlModel, input: InferenceInput, options: GenerationOptions): TraceStep[] {
  return model.runtime.traceSchedule(taskInput(model, input), engineOptions(options, 0n));
}
