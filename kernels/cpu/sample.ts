/** Reference argmax and sampling (engine/NUMERICS.md §13, §14). */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { SampleAttrs } from '../../engine/ops/sample.js';
import { TOP_P_ONE } from '../../engine/ops/sample.js';
import { hostData } from '../shared/host_storage.js';
import { umul32 } from './fixed_point.js';
import { philox4x32 } from './philox.js';
import { expRow } from './softmax.js';

export const argmaxKernel: KernelFunc = ({ inputs, out }) => {
  const x = hostData(inputs[0]!);
  const len = x.length / Math.max(out.size, 1);
  const y = new Int32Array(out.size);
  for (let r = 0; r < out.size; r++) {
    let best = 0;
    for (let j = 1; j < len; j++) if (x[r * len + j]! > x[r * len + best]!) best = j;
    y[r] = best;
  }
  return y;
};

/**
 * Per row: weights e_j = E(max - x_j); candidates ordered by (x desc, j asc); keep the first
 * topK, then the shortest prefix with Σe·2^16 ≥ topP·W; draw u = floor(rand·W_kept / 2^32) and
 * return the first candidate whose running sum exceeds u.
 */
export const sampleKernel: KernelFunc<SampleAttrs> = ({ inputs, attrs, out }) => {
  const x = hostData(inputs[0]!);
  const rows = out.size;
  const v = x.length / Math.max(rows, 1);
  const y = new Int32Array(rows);
  const e = new Int32Array(v);
  const order: number[] = [];
  for (let r = 0; r < rows; r++) {
    const base = r * v;
    expRow(x, base, v, attrs.multiplier, attrs.shift, e);
    order.length = 0;
    for (let j = 0; j < v; j++) order.push(j);
    order.sort((a, b) => x[base + b]! - x[base + a]! || a - b);
    let kept = attrs.topK === 0 ? v : Math.min(attrs.topK, v);
    let weight = 0;
    for (let i = 0; i < kept; i++) weight += e[order[i]!]!;
    if (attrs.topP < TOP_P_ONE) {
      // Both sides are below 2^47: exact in a double.
      const target = attrs.topP * weight;
      let cum = 0;
      for (let i = 0; i < kept; i++) {
        cum += e[order[i]!]!;
        if (cum * TOP_P_ONE >= target) {
          kept = i + 1;
          weight = cum;
          break;
        }
      }
    }
    if (weight === 0) {
      y[r] = order[0]!;
      continue;
    }
    const [rand] = philox4x32(attrs.stepLo, attrs.stepHi, r, 0, attrs.seedLo, attrs.seedHi);
    const [u] = umul32(rand, weight); // high word: floor(rand·W / 2^32) < W
    let cum = 0;
    let pick = order[0]!;
    for (let i = 0; i < kept; i++) {
      cum += e[order[i]!]!;
      if (cum > u) {
        pick = order[i]!;
        break;
      }
    }
    y[r] = pick;
  }
  return y;
};
