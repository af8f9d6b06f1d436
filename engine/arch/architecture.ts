/**
 * The architecture plug-in contract (docs/ARCHITECTURE.md, "Adding a model architecture"). An
 * architecture is a folder under engine/arch/ that owns everything about one kind of model: its
 * config and its validation, its tensors and quantization parameters in the .spml file
 * (docs/MODEL_FORMAT.md), the integer forward pass with its trace leaves (engine/NUMERICS.md,
 * "Model recipes"), the float64 reference, the quantizer, the re-execution of one trace step for
 * arbitration, and the cost model of a run's steps. The API (engine/api.ts), the generation loop
 * (engine/generate.ts) and the protocol ask an architecture for these and never switch on its name.
 *
 * Every step of a run reads only the request and earlier trace leaves (NUMERICS.md §20.8), so an
 * arbiter re-executes any one leaf from the leaves it reads: `replayInputs` names them and
 * `replayStep` runs the step.
 *
 * An architecture serves one task, which fixes its instances' interface: a LanguageModel
 * ('generate') or a Classifier ('classify').
 */
import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import { ParamError } from '../errors.js';
import type { FloatCheckpoint } from '../format/checkpoint.js';
import type { ModelFile, ModelMeta } from '../format/format.js';
import type { Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { Trace } from '../trace.js';
import type { ArchConfig } from './config.js';
import type { IntModel } from './int_model.js';

export type Task = 'generate' | 'classify';

/** A request's input, as the engine runs it. */
export type TaskInput =
  | { readonly kind: 'text'; readonly prompt: string }
  | { readonly kind: 'pixels'; readonly pixels: Uint8Array; readonly count: number };

/**
 * The options of a generation that decide its trace (engine/generate.ts checks them): how many
 * passes it runs, and how each pass's token is picked from the previous pass's logits.
 */
export interface TraceOptions {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly seed?: bigint | number;
  readonly topK?: number;
  readonly topP?: number;
}

/** One leaf of a run's trace as the model and input determine it before anything runs. */
export interface TraceStep {
  readonly label: string;
  /** Multiply-accumulates of the step that makes this leaf: the work to re-execute it. */
  readonly macs: number;
}

/** What every model instance (an architecture's int model uploaded to a backend) offers. */
interface ModelInstanceBase {
  readonly backend: Backend;
  /** The leaves an honest run of `input` makes, in order, with their cost (bisection's savings). */
  traceSchedule(input: TaskInput, options: TraceOptions): TraceStep[];
  /**
   * The leaves that step `index` of that run reads, all before `index`, in the order replayStep
   * takes their tensors (NUMERICS.md §20.8): the MLP's layer i reads leaf i − 1 (none at 0); a
   * decoder block reads its input and the cache rows its layer committed in every pass so far.
   * An index outside the run is a ParamError.
   */
  replayInputs(input: TaskInput, options: TraceOptions, index: number): number[];
  /**
   * Arbitration's re-execution of one trace step: leaf `index`'s tensor, computed from the request
   * and `inputs`, the tensors of the leaves replayInputs names, in that order. It gives exactly the
   * bytes a whole run gives. An input whose dtype or shape no honest run gives is a ParamError.
   */
  replayStep(input: TaskInput, options: TraceOptions, index: number, inputs: readonly Tensor[]): Promise<Tensor>;
}

/** A causal language model: a tokenizer and sessions that run token ids to logits. */
export interface LanguageModel extends ModelInstanceBase {
  readonly task: 'generate';
  readonly tokenizer: Tokenizer;
  readonly vocabSize: number;
  /** Longest sequence (prompt + generated tokens). */
  readonly contextLength: number;
  /** Trace leaves one forward pass makes (a decoder's: each block's cache rows and output, then the logits). */
  readonly leavesPerPass: number;
  /** Real scale of the int32 logits: sampling folds the temperature into it. */
  readonly logitScale: Dyadic;
  session(): LanguageModelSession;
}

/** One generation's state (the KV cache and the position reached). */
export interface LanguageModelSession {
  /**
   * Run `ids` at the next positions and return int32 logits [T, vocab], adding each leaf to
   * `trace` under `${label}.…` (label 'step' by default). With `leaves` < leavesPerPass (the
   * default) the pass stops after that many leaves, returning that leaf's tensor instead, and
   * the session ends (generate's leafLimit: a run's trace up to one leaf).
   */
  forward(ids: readonly number[], leaves?: number, trace?: Trace, label?: string): Tensor;
  /** Free the key/value cache; the session cannot run after it. */
  dispose(): void;
}

/**
 * A classifier: inputs to int32 logits [N, classes], one trace leaf per layer. Its last leaf is
 * the logits themselves, so the output hash (the logits' hash) equals the last leaf's hash.
 */
export interface Classifier extends ModelInstanceBase {
  readonly task: 'classify';
  /** Input features per example. */
  readonly inputSize: number;
  readonly classes: number;
  /** The input tensor for `count` examples given as bytes 0..255. */
  encodeInput(pixels: Uint8Array, count: number): Tensor;
  forward(x: Tensor, trace?: Trace): Tensor;
}

export type ModelInstance = LanguageModel | Classifier;

/** replayStep's check of an input, leaf `index`: a ParamError unless it has the dtype and shape an honest run commits. */
export function checkReplayInput(index: number, t: Tensor, dtype: DType, shape: readonly number[]): void {
  if (t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ParamError('replayStep', `leaf ${index} is ${t.dtype} [${t.shape.join(', ')}], not the ${dtype} [${shape.join(', ')}] an honest run commits`);
  }
}

/** Meta fields a converter passes when it writes a model file. */
export type FileMeta = Omit<ModelMeta, 'vocab'> & { readonly [key: string]: string | number | undefined };

interface ArchitectureBase<C extends ArchConfig, M extends IntModel<C>> {
  /** The `arch` of its configs. */
  readonly name: C['arch'];
  readonly description: string;
  /** The config's keys, exactly (the model file accepts no others). */
  readonly configKeys: readonly string[];
  /** Check a config whose `arch` is this one; ParamError 'invalid model config: …' on anything wrong. */
  checkConfig(op: string, config: Record<string, unknown>): C;
  /** Float parameter names and shapes, in canonical order (float checkpoints). */
  parameterShapes(config: C): [string, number[]][];
  /** Integer tensor names, dtypes and shapes in the .spml file, sorted by name. */
  intTensorSpecs(config: C): [string, DType, number[]][];
  /** Anything a float checkpoint needs beyond its config and tensors (a vocabulary, say). */
  checkCheckpoint?(op: string, checkpoint: FloatCheckpoint): void;
  /** The int model a decoded file holds, its tensors, quant and meta checked (ModelFormatError). */
  fromFile(file: ModelFile): M;
  toFile(model: M, meta: FileMeta): ModelFile;
}

export interface LanguageModelArchitecture<C extends ArchConfig = ArchConfig, M extends IntModel<C> = IntModel<C>> extends ArchitectureBase<C, M> {
  readonly task: 'generate';
  instantiate(backend: Backend, model: M): LanguageModel;
  /** The float64 reference: logits [T, vocab] of the checkpoint on `tokens` (positions 0..T−1). */
  floatLogits(checkpoint: FloatCheckpoint, tokens: readonly number[]): Float64Array;
  /** The tokenizer of a float checkpoint (its vocabulary), to turn calibration text into token ids. */
  checkpointTokenizer(checkpoint: FloatCheckpoint): Tokenizer;
  /** The int model of a float checkpoint, calibrated on token sequences. */
  quantize(checkpoint: FloatCheckpoint, calibration: { readonly sequences: readonly (readonly number[])[] }): M;
}

export interface ClassifierArchitecture<C extends ArchConfig = ArchConfig, M extends IntModel<C> = IntModel<C>> extends ArchitectureBase<C, M> {
  readonly task: 'classify';
  instantiate(backend: Backend, model: M): Classifier;
  /** Input features per example (bytes per row of calibration or classification input). */
  inputSize(config: C): number;
  /** The float64 reference: logits [count, classes] for inputs [count, inputSize] in [0, 1]. */
  floatLogits(checkpoint: FloatCheckpoint, inputs: Float64Array, count: number): Float64Array;
  /** The int model of a float checkpoint, calibrated on example inputs (bytes 0..255). */
  quantize(checkpoint: FloatCheckpoint, calibration: { readonly pixels: Uint8Array; readonly count: number }): M;
}

// Registered architectures are held by their common face; `any` lets each keep its own types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Architecture = LanguageModelArchitecture<any, any> | ClassifierArchitecture<any, any>;
