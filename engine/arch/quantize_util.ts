/**
 * Building blocks of the quantizer (engine/NUMERICS.md §1.2, §4, §10.2): symmetric per-channel
 * int8 weights, int32 biases on the accumulator scale, and dyadic requantization factors. Floats
 * live only here, at conversion time; what comes out is integers.
 */
import { dyadicFromReal, dyadicToNumber, type Dyadic } from '../quant.js';
import { pair, type DyadicPair, type NormQuant } from './int_model.js';

/** A real scale rounded to the nearest dyadic, returned with the exact real it now stands for. */
export function snapScale(real: number): { d: Dyadic; s: number } {
  const d = dyadicFromReal(real > 0 && Number.isFinite(real) ? real : 1);
  return { d, s: dyadicToNumber(d) };
}

/** Scale that maps max|x| onto the top of a signed range of `bits` (127 for int8). */
export function rangeScale(maxAbs: number, top: number): { d: Dyadic; s: number } {
  return snapScale(maxAbs > 0 ? maxAbs / top : 1);
}

export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/**
 * Per output column j of W [K, N]: s_j = max_i |W[i, j]| / 127, q = round(W / s_j). An all-zero
 * column gets scale 1 (its integers are 0 whatever the scale).
 */
export function quantizeColumns(W: ArrayLike<number>, k: number, n: number): { q: Int8Array; scales: number[] } {
  const scales: number[] = [];
  for (let j = 0; j < n; j++) {
    let m = 0;
    for (let i = 0; i < k; i++) m = Math.max(m, Math.abs(W[i * n + j]!));
    scales.push(rangeScale(m, 127).s);
  }
  const q = new Int8Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) q[i * n + j] = clamp(roundHalfAway(W[i * n + j]! / scales[j]!), -127, 127);
  return { q, scales };
}

/** Per row r of E [R, C] (the tied LM head, whose output channel is the row). */
export function quantizeRows(E: ArrayLike<number>, r: number, c: number): { q: Int8Array; scales: number[] } {
  const scales: number[] = [];
  const q = new Int8Array(r * c);
  for (let i = 0; i < r; i++) {
    let m = 0;
    for (let j = 0; j < c; j++) m = Math.max(m, Math.abs(E[i * c + j]!));
    const s = rangeScale(m, 127).s;
    scales.push(s);
    for (let j = 0; j < c; j++) q[i * c + j] = clamp(roundHalfAway(E[i * c + j]! / s), -127, 127);
  }
  return { q, scales };
}

/** Quantize values on a fixed scale into int16 (residual-stream embeddings). */
export function quantizeInt16(x: ArrayLike<number>, s: number): Int16Array {
  return Int16Array.from({ length: x.length }, (_, i) => clamp(roundHalfAway(x[i]! / s), -32768, 32767));
}

/**
 * Bias on the accumulator scale s_in·s_w[j], in int32, kept within ±(2^30 - 1) so that with
 * K·2^22 ≤ 2^30 (int16 × int8, K ≤ 256) the accumulator can never wrap (NUMERICS.md §5).
 */
export function quantizeBias(b: ArrayLike<number>, sIn: number, sW: readonly number[]): Int32Array {
  const lim = 2 ** 30 - 1;
  return Int32Array.from({ length: b.length }, (_, j) => clamp(roundHalfAway(b[j]! / (sIn * sW[j]!)), -lim, lim));
}

/** Rows of W [K, N] multiplied by per-input-channel factors f[K] (folding an input rescale). */
export function scaleRows(W: ArrayLike<number>, k: number, n: number, f: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: k * n }, (_, i) => W[i]! * f[Math.floor(i / n)]!);
}

/** Per-channel requantization factors s_in·s_w[j] / s_out. */
export function channelScales(sIn: number, sW: readonly number[], sOut: number): DyadicPair[] {
  return sW.map((w) => pair(snapScale((sIn * w) / sOut).d));
}

/**
 * Per-channel equalization of a norm's output (as in SmoothQuant): channel c, whose calibrated
 * range r_c is below the largest r, is emitted scaled up by 1/f_c with f_c = max(r_c, floor·r)/r,
 * so every channel uses the int8 range; the consuming weights' rows are multiplied by f_c, which
 * leaves the real product unchanged. Returns f and the common range r.
 */
export function equalize(channelMax: ArrayLike<number>, floor = 1 / 16): { f: Float64Array; range: number } {
  let r = 0;
  for (let j = 0; j < channelMax.length; j++) r = Math.max(r, channelMax[j]!);
  const f = Float64Array.from({ length: channelMax.length }, (_, j) => (r > 0 ? Math.max(channelMax[j]!, floor * r) / r : 1));
  return { f, range: r };
}

/**
 * LayerNorm conversion (NUMERICS.md §10.2). The kernel's z = d/‖d‖ in Q14 carries 1/√C, so the
 * accumulator z·γ + β has real scale s_γ·√C·2^-14; eps is ε in units of the input's squared
 * scale, times C.
 */
export function quantizeLayerNorm(
  gIn: ArrayLike<number>,
  bIn: ArrayLike<number>,
  c: number,
  eps: number,
  sIn: number,
  widen: number,
  sOut: { d: Dyadic; s: number },
  /** Per-channel output divisors f_c (≤ 1): channel c is emitted as y_c / f_c (see equalize). */
  f?: ArrayLike<number>,
): { gamma: Int16Array; beta: Int32Array; quant: NormQuant } {
  const g = Float64Array.from({ length: c }, (_, j) => gIn[j]! / (f ? f[j]! : 1));
  const b = Float64Array.from({ length: c }, (_, j) => bIn[j]! / (f ? f[j]! : 1));
  let gm = 0;
  for (let j = 0; j < c; j++) gm = Math.max(gm, Math.abs(g[j]!));
  const sg = rangeScale(gm, 32767).s;
  const gamma = Int16Array.from({ length: c }, (_, j) => clamp(roundHalfAway(g[j]! / sg), -32767, 32767));
  const sAcc = (sg * Math.sqrt(c)) / 2 ** 14;
  const beta = Int32Array.from({ length: c }, (_, j) => clamp(roundHalfAway(b[j]! / sAcc), -(2 ** 30), 2 ** 30));
  const sW = sIn / widen;
  const epsInt = clamp(roundHalfAway((c * eps) / (sW * sW)), 0, 2 ** 31 - 1);
  return { gamma, beta, quant: { eps: epsInt, scale: pair(snapScale(sAcc / sOut.s).d), out: pair(sOut.d) } };
}
