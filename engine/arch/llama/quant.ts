/**
 * The llama's int model: its quantization parameters (the file's `quant`), its integer tensors,
 * its vocabulary, and their strict check on load (engine/NUMERICS.md §20.7 gives the order in
 * which the scales are used).
 */
import type { DType } from '../../dtype.js';
import { ParamError } from '../../errors.js';
import { compareCodePoints } from '../../format/canonical_json.js';
import type { ModelFile } from '../../format/format.js';
import type { DyadicPair, IntTensor, NormQuant } from '../int_model.js';
import { checkNorm, checkPair, checkPairs, expectTensors, failQuant, isObj, tensorMap } from '../model_io.js';
import type { LlamaConfig } from './config.js';
import { llamaTokenizer, parseLlamaVocabulary } from './vocabulary.js';

export interface LlamaLayerQuant {
  readonly attnNorm: NormQuant;
  /** Per output channel: int32 accumulator → int8 q, k, v (before the rotation). */
  readonly q: readonly DyadicPair[];
  readonly k: readonly DyadicPair[];
  readonly v: readonly DyadicPair[];
  /** s_q·s_k/√hs·log2(e)·2^8, the softmax scale of the attention scores (NUMERICS.md §8, §9). */
  readonly softmax: DyadicPair;
  /** Q14 probabilities · int8 v → int16 attention output. */
  readonly pv: DyadicPair;
  /** Per channel: output projection → the int16 residual stream. */
  readonly o: readonly DyadicPair[];
  readonly ffnNorm: NormQuant;
  /** Per channel: gate projection (w1) → int8 SiLU input. */
  readonly gate: readonly DyadicPair[];
  /** Per channel: up projection (w3) → int16. */
  readonly up: readonly DyadicPair[];
  /** int32 product silu·up → int16 down-projection input. */
  readonly prod: DyadicPair;
  /** Per channel: down projection (w2) → the int16 residual stream. */
  readonly down: readonly DyadicPair[];
}

export interface LlamaQuant {
  /** Real scale of the int16 residual stream. */
  readonly residual: DyadicPair;
  readonly layers: readonly LlamaLayerQuant[];
  readonly norm: NormQuant;
  /** Per vocabulary row: classifier accumulator → int32 logits on one common scale. */
  readonly head: readonly DyadicPair[];
  /** Real scale of those logits. */
  readonly logits: DyadicPair;
}

export interface IntLlama {
  readonly config: LlamaConfig;
  readonly quant: LlamaQuant;
  /** The vocabulary (meta.vocab): JSON of vocabulary.ts's LlamaVocabulary. */
  readonly vocab: string;
  readonly tensors: ReadonlyMap<string, IntTensor>;
}

/** Int tensor names, dtypes and shapes, sorted by name. */
export function llamaIntTensorSpecs(c: LlamaConfig): [string, DType, number[]][] {
  const C = c.width;
  const kv = (C / c.heads) * c.kvHeads;
  const F = c.hiddenWidth;
  const out: [string, DType, number[]][] = [
    ['embed.tok', 'int16', [c.vocabSize, C]],
    ['head.w', 'int8', [c.vocabSize, C]],
    ['norm.g', 'int16', [C]],
  ];
  for (let i = 0; i < c.layers; i++) {
    const p = `h${i}.`;
    out.push(
      [p + 'attn_norm.g', 'int16', [C]],
      [p + 'attn.wq', 'int8', [C, C]],
      [p + 'attn.wk', 'int8', [C, kv]],
      [p + 'attn.wv', 'int8', [C, kv]],
      [p + 'attn.wo', 'int8', [C, C]],
      [p + 'ffn_norm.g', 'int16', [C]],
      [p + 'mlp.w1', 'int8', [C, F]],
      [p + 'mlp.silu', 'int16', [256]],
      [p + 'mlp.w3', 'int8', [C, F]],
      [p + 'mlp.w2', 'int8', [F, C]],
    );
  }
  return out.sort((a, b) => compareCodePoints(a[0], b[0]));
}

export function checkLlamaQuant(c: LlamaConfig, q: unknown): LlamaQuant {
  if (!isObj(q)) return failQuant('not an object');
  if (!Array.isArray(q.layers) || q.layers.length !== c.layers) failQuant(`layers must have ${c.layers} entries`);
  const C = c.width;
  const kv = (C / c.heads) * c.kvHeads;
  const layers = (q.layers as unknown[]).map((l, i) => {
    const w = `layers[${i}]`;
    if (!isObj(l)) return failQuant(`${w} is not an object`);
    return {
      attnNorm: checkNorm(`${w}.attnNorm`, l.attnNorm),
      q: checkPairs(`${w}.q`, l.q, C),
      k: checkPairs(`${w}.k`, l.k, kv),
      v: checkPairs(`${w}.v`, l.v, kv),
      softmax: checkPair(`${w}.softmax`, l.softmax),
      pv: checkPair(`${w}.pv`, l.pv),
      o: checkPairs(`${w}.o`, l.o, C),
      ffnNorm: checkNorm(`${w}.ffnNorm`, l.ffnNorm),
      gate: checkPairs(`${w}.gate`, l.gate, c.hiddenWidth),
      up: checkPairs(`${w}.up`, l.up, c.hiddenWidth),
      prod: checkPair(`${w}.prod`, l.prod),
      down: checkPairs(`${w}.down`, l.down, C),
    };
  });
  return {
    residual: checkPair('residual', q.residual),
    layers,
    norm: checkNorm('norm', q.norm),
    head: checkPairs('head', q.head, c.vocabSize),
    logits: checkPair('logits', q.logits),
  };
}

export function llamaFromFile(file: ModelFile): IntLlama {
  const cfg = file.config as LlamaConfig;
  expectTensors(file, llamaIntTensorSpecs(cfg));
  const vocab = file.meta.vocab;
  const v = parseLlamaVocabulary('loadModel', vocab, cfg.vocabSize);
  try {
    llamaTokenizer(v);
  } catch (e) {
    if (e instanceof ParamError) failQuant(`meta.vocab is not a tokenizer: ${e.message}`);
    throw e;
  }
  return { config: cfg, quant: checkLlamaQuant(cfg, file.quant), vocab: vocab as string, tensors: tensorMap(file) };
}
