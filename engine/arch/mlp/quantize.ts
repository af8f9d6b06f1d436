/**
 * The MLP quantizer: float checkpoint → int8 spml classifier. Calibrates each hidden
 * layer's post-ReLU range on sample images with a float64 forward pass; weights are per-channel
 * int8, biases int32 on the accumulator scale.
 */
import { ParamError } from '../../errors.js';
import type { FloatCheckpoint } from '../../format/checkpoint.js';
import type { MlpConfig } from './config.js';
import { floatMlpForward } from './float.js';
import { pair, type IntTensor } from '../int_model.js';
import { mlpIntTensorSpecs, type IntMlp, type MlpLayerQuant } from './quant.js';
import { channelScales, quantizeBias, quantizeColumns, rangeScale, snapScale } from '../quantize_util.js';

export function quantizeMlp(ck: FloatCheckpoint, calibration: { pixels: Uint8Array; count: number }): IntMlp {
  if (ck.config.arch !== 'mlp') throw new ParamError('quantizeMlp', `checkpoint is a ${ck.config.arch}, not an mlp`);
  const cfg = ck.config as MlpConfig;
  const x = Float64Array.from(calibration.pixels, (p) => p / 255);
  const maxes: number[] = [];
  floatMlpForward(cfg, ck.tensors, x, calibration.count, (l, h) => {
    let m = 0;
    for (let i = 0; i < h.length; i++) m = Math.max(m, Math.abs(h[i]!));
    maxes[l] = m;
  });
  const tensors = new Map<string, IntTensor>();
  // Pixels are in [0, 1]: 1/127 maps 255 to 127 exactly.
  const input = snapScale(1 / 127);
  let sIn = input.s;
  const layers: MlpLayerQuant[] = [];
  const last = cfg.sizes.length - 2;
  let logitScale = input;
  for (let l = 0; l <= last; l++) {
    const k = cfg.sizes[l]!;
    const n = cfg.sizes[l + 1]!;
    const { q, scales } = quantizeColumns(ck.tensors.get(`w${l}`)!.data, k, n);
    tensors.set(`w${l}`, { dtype: 'int8', shape: [k, n], data: q });
    tensors.set(`b${l}`, { dtype: 'int32', shape: [n], data: quantizeBias(ck.tensors.get(`b${l}`)!.data, sIn, scales) });
    // Hidden layers requantize to int8 on their calibrated range; logits to int32, 8 bits finer
    // than the coarsest channel.
    const out = l === last ? snapScale((sIn * Math.max(...scales)) / 256) : rangeScale(maxes[l]!, 127);
    layers.push({ out: channelScales(sIn, scales, out.s) });
    if (l === last) logitScale = out;
    sIn = out.s;
  }
  const ordered = new Map(mlpIntTensorSpecs(cfg).map(([name]) => [name, tensors.get(name)!]));
  return { config: cfg, quant: { input: pair(input.d), layers, logits: pair(logitScale.d) }, tensors: ordered };
}
