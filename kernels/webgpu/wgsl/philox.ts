/**
 * Word 0 of Philox4x32-10 (engine/NUMERICS.md §14.1), transliterated from kernels/cpu/philox.ts
 * with the 32×32-bit products as (hi, lo) words (`umul32`, wgsl/fixed_point.ts, must be in scope).
 */
import { PHILOX_M0, PHILOX_M1, PHILOX_ROUNDS, PHILOX_W0, PHILOX_W1 } from '../../../engine/constants.js';

export const PHILOX_WGSL = /* wgsl */ `
fn philoxFirst(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32) -> u32 {
  var x0 = c0;
  var x1 = c1;
  var x2 = c2;
  var x3 = c3;
  var key0 = k0;
  var key1 = k1;
  for (var round = 0u; round < ${PHILOX_ROUNDS}u; round = round + 1u) {
    if (round > 0u) {
      key0 = key0 + ${PHILOX_W0}u;
      key1 = key1 + ${PHILOX_W1}u;
    }
    let p0 = umul32(${PHILOX_M0}u, x0);
    let p1 = umul32(${PHILOX_M1}u, x2);
    let n0 = p1.x ^ x1 ^ key0;
    let n1 = p1.y;
    let n2 = p0.x ^ x3 ^ key1;
    let n3 = p0.y;
    x0 = n0;
    x1 = n1;
    x2 = n2;
    x3 = n3;
  }
  return x0;
}
`;
