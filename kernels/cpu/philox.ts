/**
 * Philox4x32-10 counter-based PRNG (Salmon, Moraes, Dror, Shaw, SC'11), with 32-bit operations
 * only: the 32×32→64-bit products come from fixed_point.umul32's 16-bit limbs (NUMERICS.md §14).
 */
import { PHILOX_M0, PHILOX_M1, PHILOX_ROUNDS, PHILOX_W0, PHILOX_W1 } from '../../engine/constants.js';
import { umul32 } from './fixed_point.js';

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1); four unsigned 32-bit words. */
export function philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): [number, number, number, number] {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    if (round > 0) {
      key0 = (key0 + PHILOX_W0) >>> 0;
      key1 = (key1 + PHILOX_W1) >>> 0;
    }
    const [hi0, lo0] = umul32(PHILOX_M0, x0);
    const [hi1, lo1] = umul32(PHILOX_M1, x2);
    [x0, x1, x2, x3] = [(hi1 ^ x1 ^ key0) >>> 0, lo1, (hi0 ^ x3 ^ key1) >>> 0, lo0];
  }
  return [x0, x1, x2, x3];
}
