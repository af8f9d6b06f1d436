/**
 * The in-memory form of a quantized model, independent of the file codec: its config, its
 * integer quantization parameters, and its integer tensors (docs/MODEL_FORMAT.md).
 */
import type { DType, IntArray } from '../dtype.js';
import type { Dyadic } from '../quant.js';
import { compareCodePoints } from './canonical_json.js';
import type { GptConfig, MlpConfig } from './config.js';

export interface IntTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: IntArray;
}

/** A dyadic as stored in model files: [multiplier, shift]. */
export type DyadicPair = readonly [number, number];

export const pair = (d: Dyadic): DyadicPair => [d.multiplier, d.shift];
export const dyadic = (p: DyadicPair): Dyadic => ({ multiplier: p[0], shift: p[1] });

export interface NormQuant {
  /** Integer added to Σd² (NUMERICS.md §10.2). */
  readonly eps: number;
  /** Requantization of z·γ + β to the int8 output. */
  readonly scale: DyadicPair;
  /** Real scale of the int8 output. */
  readonly out: DyadicPair;
}

export interface GptLayerQuant {
  readonly ln1: NormQuant;
  /** Per output channel: int32 accumulator → int8 q, k, v. */
  readonly q: readonly DyadicPair[];
  readonly k: readonly DyadicPair[];
  readonly v: readonly DyadicPair[];
  /** s_q·s_k/√D·log2(e)·2^8, the softmax scale of the attention scores (NUMERICS.md §8, §9). */
  readonly softmax: DyadicPair;
  /** Q14 probabilities · int8 v → int16 attention output. */
  readonly pv: DyadicPair;
  /** Per channel: attention projection → the int16 residual stream. */
  readonly o: readonly DyadicPair[];
  readonly ln2: NormQuant;
  /** Per channel: MLP up-projection → int8 GELU input. */
  readonly up: readonly DyadicPair[];
  /** Per channel: MLP down-projection → the int16 residual stream. */
  readonly down: readonly DyadicPair[];
}

export interface GptQuant {
  /** Real scale of the int16 residual stream. */
  readonly residual: DyadicPair;
  readonly layers: readonly GptLayerQuant[];
  readonly lnf: NormQuant;
  /** Per vocabulary row: head accumulator → int32 logits on one common scale. */
  readonly head: readonly DyadicPair[];
  /** Real scale of those logits. */
  readonly logits: DyadicPair;
}

export interface MlpLayerQuant {
  /** Per output channel: accumulator → next layer's int8 input (or int32 logits for the last). */
  readonly out: readonly DyadicPair[];
}

export interface MlpQuant {
  /** Real scale of the int8 input: pixel/255 quantized at this scale. */
  readonly input: DyadicPair;
  readonly layers: readonly MlpLayerQuant[];
  /** Real scale of the int32 logits. */
  readonly logits: DyadicPair;
}

export interface IntGpt {
  readonly config: GptConfig;
  readonly quant: GptQuant;
  readonly vocab: string;
  readonly tensors: ReadonlyMap<string, IntTensor>;
}

export interface IntMlp {
  readonly config: MlpConfig;
  readonly quant: MlpQuant;
  readonly tensors: ReadonlyMap<string, IntTensor>;
}

/** Int tensor names and dtypes of a GPT (shapes follow from the config). */
export function gptIntTensorSpecs(c: GptConfig): [string, DType, number[]][] {
  const C = c.width;
  const out: [string, DType, number[]][] = [
    ['embed.tok', 'int16', [c.vocabSize, C]],
    ['embed.pos', 'int16', [c.contextLength, C]],
    ['head.wte', 'int8', [c.vocabSize, C]],
    ['lnf.g', 'int16', [C]],
    ['lnf.b', 'int32', [C]],
  ];
  for (let i = 0; i < c.layers; i++) {
    const p = `h${i}.`;
    out.push(
      [p + 'ln1.g', 'int16', [C]],
      [p + 'ln1.b', 'int32', [C]],
      [p + 'attn.wq', 'int8', [C, C]],
      [p + 'attn.bq', 'int32', [C]],
      [p + 'attn.wk', 'int8', [C, C]],
      [p + 'attn.bk', 'int32', [C]],
      [p + 'attn.wv', 'int8', [C, C]],
      [p + 'attn.bv', 'int32', [C]],
      [p + 'attn.wo', 'int8', [C, C]],
      [p + 'attn.bo', 'int32', [C]],
      [p + 'ln2.g', 'int16', [C]],
      [p + 'ln2.b', 'int32', [C]],
      [p + 'mlp.w1', 'int8', [C, c.mlpWidth]],
      [p + 'mlp.b1', 'int32', [c.mlpWidth]],
      [p + 'mlp.gelu', 'int16', [256]],
      [p + 'mlp.w2', 'int8', [c.mlpWidth, C]],
      [p + 'mlp.b2', 'int32', [C]],
    );
  }
  return out.sort((a, b) => compareCodePoints(a[0], b[0]));
}

export function mlpIntTensorSpecs(c: MlpConfig): [string, DType, number[]][] {
  const out: [string, DType, number[]][] = [];
  for (let i = 0; i + 1 < c.sizes.length; i++) {
    out.push([`w${i}`, 'int8', [c.sizes[i]!, c.sizes[i + 1]!]], [`b${i}`, 'int32', [c.sizes[i + 1]!]]);
  }
  return out.sort((a, b) => compareCodePoints(a[0], b[0]));
}
