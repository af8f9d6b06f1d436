/**
 * Scalar helper functions shared by the gpu.js kernels (engine/NUMERICS.md §16.1 G2, G5).
 *
 * Each is JavaScript-subset source that gpu.js compiles to GLSL or WebAssembly. Only scalar →
 * scalar helpers work on every mode (the webasm mode rejects array arguments and returns).
 * Multiplying by a power of two and `Math.floor` are exact in float32; division by anything
 * else is not (GLSL may compute a·(1/b)), so `floorDiv` corrects its estimate with an exact
 * remainder.
 */

/** floor(v / 2^16), exact for |v| ≤ 2^24. */
export const HI16 = `function hi16(v) { return Math.floor(v * 0.0000152587890625); }`;

/** v mod 2^16 in [0, 2^16), exact for |v| ≤ 2^24. */
export const LO16 = `function lo16(v) { return v - Math.floor(v * 0.0000152587890625) * 65536; }`;

/** A hi limb reduced into [−2^15, 2^15), i.e. wrap32 of hi·2^16 + lo (G4); exact for |h| ≤ 2^23. */
export const WRAP_HI = `function wrapHi(h) { return h - Math.floor((h + 32768) * 0.0000152587890625) * 65536; }`;

/**
 * floor(a / b) for integers 0 ≤ a < 2^23, 1 ≤ b < 2^23 (G5): a float estimate, then one step
 * each way from the exact remainder (every product stays below 2^24).
 */
export const FLOOR_DIV = `function floorDiv(a, b) {
  let q = Math.floor(a / b);
  const r = a - q * b;
  if (r < 0) { q = q - 1; }
  if (r >= b) { q = q + 1; }
  return q;
}`;
