/**
 * Calibration sets for the quantizers: evenly spaced windows of a token stream, so that the
 * ranges a quantizer measures come from the whole text and not from its beginning.
 */

/** `count` evenly spaced windows of `length` tokens from `tokens`. */
export function calibrationWindows(tokens: Int32Array, length: number, count: number): number[][] {
  const step = Math.floor((tokens.length - length) / count);
  return Array.from({ length: count }, (_, i) => Array.from(tokens.subarray(i * step, i * step + length)));
}
