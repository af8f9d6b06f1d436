/**
 * The in-memory form of a quantized model, independent of the file codec: its config, its
 * integer quantization parameters, and its integer tensors (docs/MODEL_FORMAT.md). Each
 * architecture's quant.ts says what its `quant` holds; the pieces here are shared.
 */
import type { DType, IntArray } from '../dtype.js';
import type { Dyadic } from '../quant.js';
import type { ArchConfig } from './config.js';

export interface IntTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: IntArray;
}

/** A quantized model of any architecture. */
export interface IntModel<C extends ArchConfig = ArchConfig> {
  readonly config: C;
  readonly quant: unknown;
  readonly tensors: ReadonlyMap<string, IntTensor>;
}

/** A dyadic as stored in model files: [multiplier, shift]. */
export type DyadicPair = readonly [number, number];

export const pair = (d: Dyadic): DyadicPair => [d.multiplier, d.shift];
export const dyadic = (p: DyadicPair): Dyadic => ({ multiplier: p[0], shift: p[1] });

const channelLists = new WeakMap<readonly DyadicPair[], readonly Dyadic[]>();

/**
 * A model's per-channel scales as Dyadics, made once per list and frozen: requantize validates a
 * frozen list once and reuses it (engine/ops/requantize.ts), so a pass does not re-check the
 * vocabulary-sized scales of a classifier on every token.
 */
export function channels(list: readonly DyadicPair[]): readonly Dyadic[] {
  let out = channelLists.get(list);
  if (!out) channelLists.set(list, (out = Object.freeze(list.map((p) => Object.freeze(dyadic(p))))));
  return out;
}

/** The quantization of one normalization layer (layerNorm or rmsNorm, NUMERICS.md §10). */
export interface NormQuant {
  /** Integer added to Σd² (NUMERICS.md §10.2). */
  readonly eps: number;
  /** Requantization of z·γ + β to the int8 output. */
  readonly scale: DyadicPair;
  /** Real scale of the int8 output. */
  readonly out: DyadicPair;
}
