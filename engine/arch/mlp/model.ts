/**
 * The integer MLP classifier, built only from the op API: int8 input, int8·int8
 * matmuls with int32 biases, per-channel requantization, ReLU, and int32 logits on one common
 * scale. Inputs are MNIST-style pixels 0..255 with the float model's x = pixel/255.
 */
import type { Backend } from '../../backend.js';
import { ParamError, ShapeError } from '../../errors.js';
import { argmax, linear, quantizeValues, relu } from '../../ops/index.js';
import { tidy } from '../../scope.js';
import { tensor, type Tensor } from '../../tensor.js';
import type { Trace } from '../../trace.js';
import { checkReplayInput, type Classifier, type TaskInput, type TraceOptions, type TraceStep } from '../architecture.js';
import { dyadic } from '../int_model.js';
import type { MlpConfig } from './config.js';
import type { IntMlp } from './quant.js';

export class MlpModel implements Classifier {
  readonly task = 'classify';
  readonly config: MlpConfig;
  private readonly weights: { w: Tensor; b: Tensor }[] = [];
  /** Maps a pixel 0..255 to the int8 input code: round(pixel/255 / s_in). */
  private readonly pixelTable: Int8Array;

  constructor(
    readonly backend: Backend,
    readonly model: IntMlp,
  ) {
    this.config = model.config;
    const get = (name: string) => {
      const t = model.tensors.get(name);
      if (!t) throw new ParamError('MlpModel', `missing tensor ${name}`);
      return tensor(backend, t.data, t.shape, t.dtype);
    };
    for (let i = 0; i + 1 < this.config.sizes.length; i++) this.weights.push({ w: get(`w${i}`), b: get(`b${i}`) });
    // The float edge (NUMERICS.md §1.3) for each of the 256 possible pixels, done once.
    const reals = Float64Array.from({ length: 256 }, (_, p) => p / 255);
    this.pixelTable = quantizeValues(reals, 'int8', dyadic(model.quant.input), 'classify') as Int8Array;
  }

  get inputSize(): number {
    return this.config.sizes[0]!;
  }

  get classes(): number {
    return this.config.sizes[this.config.sizes.length - 1]!;
  }

  /** int8 input codes [N, inputs] for images given as bytes 0..255. */
  encodeImages(pixels: Uint8Array, count: number): Tensor {
    if (pixels.length !== count * this.inputSize) {
      throw new ShapeError('classify', `${pixels.length} pixels do not make ${count} images of ${this.inputSize}`);
    }
    return tensor(this.backend, Int8Array.from(pixels, (p) => this.pixelTable[p]!), [count, this.inputSize], 'int8');
  }

  encodeInput(pixels: Uint8Array, count: number): Tensor {
    return this.encodeImages(pixels, count);
  }

  /** Number of dense layers, which is also the number of trace leaves of a forward pass. */
  get layers(): number {
    return this.weights.length;
  }

  /** Trace label of layer i's output. */
  layerLabel(i: number): string {
    return i === this.weights.length - 1 ? 'logits' : `layer${i}`;
  }

  /**
   * Layer i alone: its int8 input [N, sizes[i]] (the codes of encodeImages, or layer i−1's output)
   * to int8 activations, or int32 logits for the last layer. Arbitration re-executes one
   * disputed layer from the state both parties agree on (protocol/bisection.ts).
   */
  layer(i: number, h: Tensor): Tensor {
    if (!Number.isInteger(i) || i < 0 || i >= this.weights.length) throw new ParamError('MlpModel.layer', `layer ${i} is outside [0, ${this.weights.length})`);
    const q = this.model.quant;
    const { w, b } = this.weights[i]!;
    const scales = q.layers[i]!.out.map(dyadic);
    return i === this.weights.length - 1 ? linear(h, w, scales, 'int32', { bias: b, outScale: dyadic(q.logits) }) : relu(linear(h, w, scales, 'int8', { bias: b }));
  }

  /** int32 logits [N, classes] on the common logit scale. */
  forward(x: Tensor, trace?: Trace): Tensor {
    let h = x;
    for (let i = 0; i < this.weights.length; i++) {
      // Each layer's intermediates, and the previous layer's output, are freed (engine/scope.ts);
      // the caller's input is the caller's to free.
      const previous = h;
      h = tidy(() => this.layer(i, previous));
      if (previous !== x) previous.dispose();
      trace?.add(this.layerLabel(i), h);
    }
    return h;
  }

  /** One leaf per layer, costing N·in·out multiply-accumulates. */
  traceSchedule(input: TaskInput): TraceStep[] {
    const n = this.examples(input);
    const sizes = this.config.sizes;
    return Array.from({ length: this.layers }, (_, i) => ({ label: this.layerLabel(i), macs: n * sizes[i]! * sizes[i + 1]! }));
  }

  /** Layer i reads the previous layer's output, leaf i − 1; layer 0 reads the input alone (NUMERICS.md §20.8). */
  replayInputs(input: TaskInput, _options: TraceOptions, index: number): number[] {
    this.examples(input);
    if (!Number.isInteger(index) || index < 0 || index >= this.layers) throw new ParamError('replayInputs', `leaf ${index} is outside [0, ${this.layers})`);
    return index === 0 ? [] : [index - 1];
  }

  /** Layer `index` alone, from the previous layer's output (`inputs`, as replayInputs names it). */
  async replayStep(input: TaskInput, options: TraceOptions, index: number, inputs: readonly Tensor[]): Promise<Tensor> {
    const n = this.examples(input);
    const reads = this.replayInputs(input, options, index).length;
    if (inputs.length !== reads) throw new ParamError('replayStep', `layer ${index} reads ${reads} leaves, and ${inputs.length} were given`);
    const h = inputs[0];
    if (h) checkReplayInput(index - 1, h, 'int8', [n, this.config.sizes[index]!]);
    return tidy(() => this.layer(index, h ?? this.encodeImages((input as { pixels: Uint8Array }).pixels, n)));
  }

  private examples(input: TaskInput): number {
    if (input.kind !== 'pixels') throw new ParamError('classify', `a ${input.kind} input does not suit a classifier`);
    return input.count;
  }

  predict(x: Tensor): Tensor {
    return argmax(this.forward(x));
  }
}
