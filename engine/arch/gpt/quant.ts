/**
 * The GPT's int model: its quantization parameters (the file's `quant`), its integer tensors,
 * and their strict check on load (docs/MODEL_FORMAT.md, "Architectures"; the scales are used
 * in the order of engine/NUMERICS.md, "Model recipes").
 */
import type { DType } from '../../dtype.js';
import { compareCodePoints } from '../../format/canonical_json.js';
import type { ModelFile } from '../../format/format.js';
import type { DyadicPair, IntTensor, NormQuant } from '../int_model.js';
import { checkNorm, checkPair, checkPairs, expectTensors, failQuant, isObj, tensorMap } from '../model_io.js';
import type { GptConfig } from './config.js';

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

export interface IntGpt {
  readonly config: GptConfig;
  readonly quant: GptQuant;
  /** Token id → character (the file's meta.vocab). */
  readonly vocab: string;
  readonly tensors: ReadonlyMap<string, IntTensor>;
}

/** Int tensor names, dtypes and shapes, sorted by name. */
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

export function checkGptQuant(c: GptConfig, q: unknown): GptQuant {
  if (!isObj(q)) return failQuant('not an object');
  if (!Array.isArray(q.layers) || q.layers.length !== c.layers) failQuant(`layers must have ${c.layers} entries`);
  const C = c.width;
  const layers = (q.layers as unknown[]).map((l, i) => {
    const w = `layers[${i}]`;
    if (!isObj(l)) return failQuant(`${w} is not an object`);
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

export function gptFromFile(file: ModelFile): IntGpt {
  const cfg = file.config as GptConfig;
  expectTensors(file, gptIntTensorSpecs(cfg));
  const vocab = file.meta.vocab;
  if (typeof vocab !== 'string' || [...vocab].length !== cfg.vocabSize || new Set(vocab).size !== cfg.vocabSize) {
    failQuant(`meta.vocab must hold ${cfg.vocabSize} distinct characters`);
  }
  return { config: cfg, quant: checkGptQuant(cfg, file.quant), vocab: vocab as string, tensors: tensorMap(file) };
}
