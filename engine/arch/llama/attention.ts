/**
 * The llama's attention with 12-bit keys (engine/NUMERICS.md §20.7, "Keys at 12 bits").
 *
 * Why not int8 keys like the GPT: a key's rounding error is multiplied by every query that meets
 * it, and on stories260K int8 keys alone cost about 2.4 points of top-1 agreement with the float
 * model (docs/ACCURACY.md). §5's matmul takes int8 as its second operand on every backend, so the
 * 12-bit key is kept as two int8 planes, `k12 = 16·hi + lo`, and the exact score is
 * `16·(q·hi) + q·lo`: four ops that every backend already runs byte for byte, no new kernel.
 */
import { add, causalMask, linear, matmul, mul, requantize, softmax } from '../../ops/index.js';
import type { Dyadic } from '../../quant.js';
import type { KvCache } from '../blocks.js';
import { tensor, type Tensor } from '../../tensor.js';

/** int16 keys at 2^−8 of the coarse step → 2^−4 of it: ⌊k / 2^4⌉, the 12-bit key (§4, M = 1, n = 4). */
const TO_12_BITS: Dyadic = { multiplier: 1, shift: 4 };
/** The 12-bit key → its coarse int8 plane, ⌊k12 / 2^4⌉. */
const TO_HIGH: Dyadic = { multiplier: 1, shift: 4 };
/** The weight of the high plane: 2^4. */
export const KEY_PLANE_RATIO = 16;

/** The two int scalars the planes need, made once per model on its backend. */
export interface KeyPlaneConstants {
  readonly minusRatio: Tensor;
  readonly ratio: Tensor;
}

export function keyPlaneConstants(backend: Tensor['backend']): KeyPlaneConstants {
  return { minusRatio: tensor(backend, [-KEY_PLANE_RATIO], [], 'int8'), ratio: tensor(backend, [KEY_PLANE_RATIO], [], 'int32') };
}

/**
 * int16 rotated keys [G, T, D] at step s/256 → the planes (int8 [G, T, D] each) of the 12-bit key at
 * step s/16: `hi = ⌊k12/16⌉` (saturated at ±127), `lo = k12 − 16·hi`, so |lo| ≤ 16.
 */
export function splitKeys(k16: Tensor, c: KeyPlaneConstants): { hi: Tensor; lo: Tensor } {
  const k12 = requantize(k16, TO_12_BITS, 'int16');
  const hi = requantize(k12, TO_HIGH, 'int8');
  const lo = add(k12, mul(hi, c.minusRatio, 'int16'), 'int8');
  return { hi, lo };
}

/**
 * Causal attention of q [H, T, D] int16 over the cache, whose planes are the keys' high and low
 * planes and the values (all repeated to H heads), this pass's rows already in it. Scores are
 * `16·(q·hi) + q·lo` in int32 at s_q·s_k/16, saturated (NUMERICS.md §20.7 bounds them). Returns
 * int16 [H, T, D] on the scale `pv` maps to.
 */
export function splitKeyAttention(q: Tensor, cache: KvCache, offset: number, scale: { softmax: Dyadic; pv: Dyadic }, c: KeyPlaneConstants): Tensor {
  const [keysHi, keysLo, values] = cache as [Tensor, Tensor, Tensor];
  const coarse = mul(matmul(q, keysHi, { transposeB: true }), c.ratio, 'int32');
  const scores = causalMask(add(coarse, matmul(q, keysLo, { transposeB: true }), 'int32'), offset);
  return linear(softmax(scores, scale.softmax), values, scale.pv, 'int16');
}
