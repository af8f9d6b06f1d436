/**
 * The MLP quantizer: float checkpoint → int8 spml classifier (issue 3). Calibrates each hidden
 * layer's post-ReLU range on sample images with a float64 forward pass; weights are per-channel
 * int8, biases int32 on the accumulator scale.
 */
import { ParamError } from '../errors.js';
import type { FloatCheckpoint } from './checkpoint.js';
import type { MlpConfig } from './config.js';
import { mlpIntTensorSpecs, pair, type IntMlp, type IntTensor, type MlpLayerQuant } from './int_model.js';
import { channelScales, quantizeBias, quantizeColumns, rangeScale, snapScale } from './quantize_util.js';

/** Float64 forward: logits [N, classes] for inputs x [N, inputs] (x = pixel/255). */
export function floatMlpForward(cfg: MlpConfig, weights: FloatCheckpoint['tensors'], x: Float64Array, n: number, hook?: (layer: number, h: Float64Array) => void): Float64Array {
  let h = x;
  for (let l = 0; l + 1 < cfg.sizes.length; l++) {
    const k = cfg.sizes[l]!;
    const m = cfg.sizes[l + 1]!;
    const W = weights.get(`w${l}`)!.data;
    const b = weights.get(`b${l}`)!.data;
    const y = new Float64Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) y[i * m + j] = b[j]!;
      for (let q = 0; q < k; q++) {
        const a = h[i * k + q]!;
        if (a !== 0) for (let j = 0; j < m; j++) y[i * m + j]! += a * W[q * m + j]!;
      }
    }
    if (l + 2 < cfg.sizes.length) for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]!);
    hook?.(l, y);
    h = y;
  }
  return h;
}

export function quantizeMlp(ck: FloatCheckpoint, calibration: { pixels: Uint8Array; count: number }): IntMlp {
  if (ck.config.arch !== 'mlp') throw new ParamError('quantizeMlp', `checkpoint is a ${ck.config.arch}, not an mlp`);
  const cfg = ck.config;
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
