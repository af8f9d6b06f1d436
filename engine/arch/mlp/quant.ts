/**
 * The MLP's int model: its quantization parameters (the file's `quant`), its integer tensors,
 * and their strict check on load (docs/MODEL_FORMAT.md, "Architectures").
 */
import type { DType } from '../../dtype.js';
import { compareCodePoints } from '../../format/canonical_json.js';
import type { ModelFile } from '../../format/format.js';
import type { DyadicPair, IntTensor } from '../int_model.js';
import { checkPair, checkPairs, expectTensors, failQuant, isObj, tensorMap } from '../model_io.js';
import type { MlpConfig } from './config.js';

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

export interface IntMlp {
  readonly config: MlpConfig;
  readonly quant: MlpQuant;
  readonly tensors: ReadonlyMap<string, IntTensor>;
}

/** Int tensor names, dtypes and shapes, sorted by name: w{i} int8 [in, out], b{i} int32 [out]. */
export function mlpIntTensorSpecs(c: MlpConfig): [string, DType, number[]][] {
  const out: [string, DType, number[]][] = [];
  for (let i = 0; i + 1 < c.sizes.length; i++) {
    out.push([`w${i}`, 'int8', [c.sizes[i]!, c.sizes[i + 1]!]], [`b${i}`, 'int32', [c.sizes[i + 1]!]]);
  }
  return out.sort((a, b) => compareCodePoints(a[0], b[0]));
}

export function checkMlpQuant(c: MlpConfig, q: unknown): MlpQuant {
  if (!isObj(q)) return failQuant('not an object');
  const n = c.sizes.length - 1;
  if (!Array.isArray(q.layers) || q.layers.length !== n) failQuant(`layers must have ${n} entries`);
  const layers = (q.layers as unknown[]).map((l, i) => {
    if (!isObj(l)) return failQuant(`layers[${i}] is not an object`);
    return { out: checkPairs(`layers[${i}].out`, l.out, c.sizes[i + 1]!) };
  });
  return { input: checkPair('input', q.input), layers, logits: checkPair('logits', q.logits) };
}

export function mlpFromFile(file: ModelFile): IntMlp {
  const cfg = file.config as MlpConfig;
  expectTensors(file, mlpIntTensorSpecs(cfg));
  return { config: cfg, quant: checkMlpQuant(cfg, file.quant), tensors: tensorMap(file) };
}
