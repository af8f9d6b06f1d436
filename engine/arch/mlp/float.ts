/**
 * Float64 reference forward pass of the MLP architecture (config.ts): what the quantizer
 * calibrates with and the evaluation compares the int8 model against.
 */
import type { FloatCheckpoint } from '../../format/checkpoint.js';
import type { MlpConfig } from './config.js';

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
