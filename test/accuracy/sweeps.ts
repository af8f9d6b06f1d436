/**
 * Accuracy sweeps: each runs one integer op through the public op API on seeded inputs and
 * measures its error against the real function it approximates (exact rationals with BigInt,
 * or float64). The *.test.ts files assert bounds on the results; report.ts prints them
 * (`npx tsx test/accuracy/report.ts`).
 */
import {
  DTYPE_MAX,
  DTYPE_MIN,
  MASKED,
  dequantize,
  dyadicFromReal,
  dyadicToNumber,
  expNeg,
  geluTable,
  isqrt,
  layerNorm,
  lut,
  quantize,
  requantize,
  rmsNorm,
  roundHalfAway,
  rope,
  ropeTables,
  siluTable,
  softmax,
  tensor,
  type Backend,
  type Dyadic,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import {
  MaxError,
  doubleParts,
  gaussian,
  geluErf,
  geluTanh,
  layerNormRef,
  nextDouble,
  ratioOfDiff,
  rmsNormRef,
  silu,
  softmaxRef,
} from './measure.js';

type OutDType = 'int8' | 'int16' | 'int32';

// ------------------------------------------------------------------------------ 1. requantize

export interface RequantizeResult {
  /** |y − x·M·2^−n| in output LSBs over unsaturated outputs (exact, BigInt). */
  err: MaxError;
  /** Outputs whose exact value was a tie (…​.5 LSB), and how many of them went away from zero. */
  ties: number;
  tiesAway: number;
  /** Saturated outputs that did not equal the dtype bound (must be 0). */
  badSaturation: number;
}

/** Random int32 inputs and per-channel dyadic scales whose outputs land near each dtype's range. */
export async function sweepRequantize(backend: Backend, seed: number): Promise<RequantizeResult> {
  const rng = new Rng(seed);
  const res: RequantizeResult = { err: new MaxError(), ties: 0, tiesAway: 0, badSaturation: 0 };
  const rows = 48;
  const channels = 256;
  const check = (x: number, d: Dyadic, y: number, dtype: OutDType) => {
    const exact = BigInt(x) * BigInt(d.multiplier); // real value = exact / 2^n
    const unit = 1n << BigInt(d.shift);
    const hi = BigInt(DTYPE_MAX[dtype]) * unit;
    const lo = BigInt(DTYPE_MIN[dtype]) * unit;
    if (exact > hi || exact < lo) {
      res.err.skipped++;
      if (y !== (exact > hi ? DTYPE_MAX[dtype] : DTYPE_MIN[dtype])) res.badSaturation++;
      return;
    }
    const diff = BigInt(y) * unit - exact;
    const adiff = diff < 0n ? -diff : diff;
    res.err.add(ratioOfDiff({ mant: BigInt(y), exp: 0 }, { mant: exact, exp: -d.shift }, { mant: 1n, exp: 0 }), () => `x=${x} M=${d.multiplier} n=${d.shift} → ${y}`);
    if (2n * adiff === unit) {
      res.ties++;
      // Away from zero: the rounded value lies on the same side of the real as x's sign.
      if ((x > 0 && diff > 0n) || (x < 0 && diff < 0n)) res.tiesAway++;
    }
  };
  for (const dtype of ['int8', 'int16', 'int32'] as const) {
    const outBits = dtype === 'int8' ? 7 : dtype === 'int16' ? 15 : 31;
    for (let round = 0; round < 2; round++) {
      const scales: Dyadic[] = [];
      const xBits: number[] = [];
      for (let c = 0; c < channels; c++) {
        const mBits = rng.int(0, 31);
        const m = mBits === 0 ? 0 : rng.int(2 ** (mBits - 1), 2 ** mBits - 1);
        const xb = rng.int(1, 32);
        const n = Math.max(0, Math.min(62, xb + mBits - 1 - outBits + rng.int(-1, 12)));
        scales.push({ multiplier: m, shift: n });
        xBits.push(xb);
      }
      const x = new Int32Array(rows * channels);
      for (let i = 0; i < x.length; i++) {
        const b = xBits[i % channels]!;
        x[i] = rng.int(-(2 ** (b - 1)), 2 ** (b - 1) - 1);
      }
      const y = await requantize(tensor(backend, x, [rows, channels], 'int32'), scales, dtype).data();
      for (let i = 0; i < x.length; i++) check(x[i]!, scales[i % channels]!, y[i]!, dtype);
    }
  }
  // Exact ties: M = k·2^(n−1) with k odd and x odd make x·M/2^n = x·k/2 a half-integer.
  const scales: Dyadic[] = [];
  const limits: number[] = [];
  for (let c = 0; c < channels; c++) {
    const n = rng.int(1, 31);
    const kMax = Math.floor((2 ** 31 - 1) / 2 ** (n - 1));
    const k = 2 * rng.int(0, Math.floor((kMax - 1) / 2)) + 1;
    scales.push({ multiplier: k * 2 ** (n - 1), shift: n });
    limits.push(Math.max(1, Math.floor(2 ** 30 / k)));
  }
  const x = new Int32Array(rows * channels);
  for (let i = 0; i < x.length; i++) {
    const l = limits[i % channels]!;
    x[i] = 2 * rng.int(-l, l - 1) + 1;
  }
  const y = await requantize(tensor(backend, x, [rows, channels], 'int32'), scales, 'int32').data();
  for (let i = 0; i < x.length; i++) check(x[i]!, scales[i % channels]!, y[i]!, 'int32');
  return res;
}

// ------------------------------------------------------------------- 2. quantize / dequantize

export interface QuantizeResult {
  /** |dequantize(quantize(v)) − v| / s over v in [min·s, max·s] (exact rationals), per dtype. */
  err: Record<'int8' | 'int16' | 'int32', MaxError>;
  /**
   * (|dequantize(quantize(v)) − v| − s/2) / (|v|·2^−52): how far past s/2 the two float64
   * roundings (fl(v/s) in quantize, fl(q·M) in dequantize) take it. ≤ 1 is the stated bound.
   */
  excessUlps: MaxError;
  /** Values exactly halfway between two steps, and how many of them went away from zero. */
  ties: number;
  tiesAway: number;
}

export const QUANT_SCALES: readonly Dyadic[] = [
  { multiplier: 1, shift: 5 },
  dyadicFromReal(0.1),
  dyadicFromReal(1 / 3),
  dyadicFromReal(0.0173),
  { multiplier: 2147483647, shift: 62 },
  { multiplier: 1234567891, shift: 17 },
];

export async function sweepQuantize(backend: Backend, seed: number): Promise<QuantizeResult> {
  const rng = new Rng(seed);
  const res: QuantizeResult = { err: { int8: new MaxError(), int16: new MaxError(), int32: new MaxError() }, excessUlps: new MaxError(), ties: 0, tiesAway: 0 };
  for (const dtype of ['int8', 'int16', 'int32'] as const) {
    const lo = DTYPE_MIN[dtype];
    const hi = DTYPE_MAX[dtype];
    for (const scale of QUANT_SCALES) {
      const s = dyadicToNumber(scale);
      const values: number[] = [];
      for (let i = 0; i < 1500; i++) values.push((lo + rng.float() * (hi - lo)) * s);
      // Near the rounding boundaries (k + 1/2)·s, a few ulps either side.
      for (let i = 0; i < 1500; i++) {
        let v = (rng.int(lo, hi - 1) + 0.5) * s;
        const steps = rng.int(-3, 3);
        for (let j = 0; j < Math.abs(steps); j++) v = nextDouble(v, steps > 0 ? 1 : -1);
        values.push(v);
      }
      values.push(lo * s, hi * s, 0, s / 2, -s / 2);
      const inRange = values.filter((v) => v >= lo * s && v <= hi * s);
      const deq = await dequantize(quantize(backend, inRange, [inRange.length], dtype, scale));
      const unit = { mant: BigInt(scale.multiplier), exp: -scale.shift };
      for (let i = 0; i < inRange.length; i++) {
        const v = inRange[i]!;
        const where = () => `${dtype} s=${scale.multiplier}·2^-${scale.shift} v=${v} → ${deq[i]}`;
        const units = ratioOfDiff(doubleParts(deq[i]!), doubleParts(v), unit);
        res.err[dtype].add(units, where);
        if (units === 0.5 && dtype !== 'int32') {
          // Exact only where q·M is exact (int8, int16): a tie, which must go away from zero.
          res.ties++;
          if (Math.abs(deq[i]!) > Math.abs(v)) res.tiesAway++;
        }
        if (v !== 0) {
          // (units − 1/2)·s / (|v|·2^−52), evaluated in float64: only its size matters.
          res.excessUlps.add(Math.max(0, ((units - 0.5) * s) / (Math.abs(v) * 2 ** -52)), where);
        }
      }
    }
  }
  return res;
}

// ------------------------------------------------------------------------- 3. GELU and SiLU

export interface LutResult {
  /** |y − f(x·s_in)/s_out| in output LSBs, f in float64, over unsaturated entries. */
  err: MaxError;
  /** GELU only: |y − geluErf(x·s_in)/s_out| in output LSBs (information). */
  erfDev: MaxError;
  /** Saturated entries that did not equal the dtype bound (must be 0). */
  badSaturation: number;
}

export interface LutCase {
  inScale: Dyadic;
  outScale: Dyadic;
  outDtype: 'int8' | 'int16';
}

export const LUT_CASES: readonly LutCase[] = [
  { inScale: { multiplier: 1, shift: 5 }, outScale: { multiplier: 1, shift: 5 }, outDtype: 'int8' },
  { inScale: { multiplier: 1, shift: 4 }, outScale: { multiplier: 1, shift: 4 }, outDtype: 'int8' },
  { inScale: dyadicFromReal(0.05), outScale: dyadicFromReal(0.04), outDtype: 'int8' },
  { inScale: dyadicFromReal(0.1), outScale: dyadicFromReal(0.1), outDtype: 'int8' },
  { inScale: dyadicFromReal(0.0237), outScale: dyadicFromReal(0.0123), outDtype: 'int8' },
  { inScale: { multiplier: 1, shift: 4 }, outScale: { multiplier: 1, shift: 12 }, outDtype: 'int16' },
  { inScale: dyadicFromReal(0.05), outScale: dyadicFromReal(0.0005), outDtype: 'int16' },
  { inScale: dyadicFromReal(0.031), outScale: dyadicFromReal(1 / 3000), outDtype: 'int16' },
];

export async function sweepLut(backend: Backend, fn: 'gelu' | 'silu', c: LutCase): Promise<LutResult> {
  const res: LutResult = { err: new MaxError(), erfDev: new MaxError(), badSaturation: 0 };
  const table = (fn === 'gelu' ? geluTable : siluTable)(c.inScale, c.outScale, c.outDtype);
  const xs = Int8Array.from({ length: 256 }, (_, i) => i - 128);
  const y = await lut(tensor(backend, xs, [256], 'int8'), tensor(backend, table, [256], c.outDtype)).data();
  const sIn = dyadicToNumber(c.inScale);
  const sOut = dyadicToNumber(c.outScale);
  const f = fn === 'gelu' ? geluTanh : silu;
  for (let i = 0; i < 256; i++) {
    const x = xs[i]! * sIn;
    const ref = f(x) / sOut;
    if (ref > DTYPE_MAX[c.outDtype] || ref < DTYPE_MIN[c.outDtype]) {
      res.err.skipped++;
      if (y[i] !== (ref > 0 ? DTYPE_MAX[c.outDtype] : DTYPE_MIN[c.outDtype])) res.badSaturation++;
      continue;
    }
    res.err.add(Math.abs(y[i]! - ref), () => `x=${xs[i]} (${x}) → ${y[i]}, real ${ref}`);
    if (fn === 'gelu') res.erfDev.add(Math.abs(y[i]! - geluErf(x) / sOut), () => `x=${x}`);
  }
  return res;
}

/** max |geluTanh(x) − geluErf(x)| over a fine grid of [−lim, lim] (real units). */
export function geluTanhVsErf(lim: number): MaxError {
  const e = new MaxError();
  for (let x = -lim; x <= lim; x += 1 / 1024) e.add(Math.abs(geluTanh(x) - geluErf(x)), () => `x=${x}`);
  return e;
}

// ------------------------------------------------------------------------------------ 4. expNeg

export interface ExpNegResult {
  /** |E − 2^15·exp(x·s)| in Q15 units. */
  abs: MaxError;
  /** |E − ref| / ref where exp(x·s) ≥ 2^−10. */
  rel: MaxError;
  /** (|E − ref| − 1/2) / ref: the relative part of the error once the final half-LSB is set aside. */
  relBeyondHalf: MaxError;
}

/** The real scales s of the input; the scale passed is dyadicFromReal(s·log2(e)·2^8). */
export const EXP_SCALES: readonly number[] = [1 / 16, 0.01, 0.1, 1, 1 / 3, 0.0037, (1 / Math.sqrt(64)) * 0.02 ** 2];

export async function sweepExpNeg(backend: Backend, s: number): Promise<ExpNegResult> {
  const res: ExpNegResult = { abs: new MaxError(), rel: new MaxError(), relBeyondHalf: new MaxError() };
  const scale = dyadicFromReal(s * Math.LOG2E * 256);
  // Exhaustive from 0 down past the cut to 0 (d·s ≈ 16·ln 2 ≈ 11.09), plus a few positive x.
  const last = Math.ceil(12 / s);
  const x = new Int32Array(last + 1 + 3);
  for (let i = 0; i <= last; i++) x[i] = -i;
  x.set([1, 1000, 2 ** 31 - 1], last + 1);
  const y = await expNeg(tensor(backend, x, [x.length], 'int32'), scale).data();
  for (let i = 0; i < x.length; i++) {
    const ref = 32768 * Math.exp(Math.min(0, x[i]!) * s);
    const err = Math.abs(y[i]! - ref);
    const where = () => `s=${s} x=${x[i]} → ${y[i]}, real ${ref}`;
    res.abs.add(err, where);
    res.relBeyondHalf.add(Math.max(0, err - 0.5) / ref, where);
    if (ref >= 32) res.rel.add(err / ref, where);
    else res.rel.skipped++;
  }
  return res;
}

// ----------------------------------------------------------------------------------- 5. softmax

export interface SoftmaxResult {
  /** max |p/2^14 − p_ref| (units of probability 1.0). */
  abs: MaxError;
  /** |Σ_j p_j/2^14 − 1| over rows with at least one unmasked entry. */
  sumDev: MaxError;
  /** |Σ p_j − 2^14| / (n/2), n the number of nonzero exp weights e_j: NUMERICS.md §9.5 says ≤ 1. */
  sumDevOverHalfN: MaxError;
  /** Masked entries that were not exactly 0 (must be 0). */
  maskedNonzero: number;
  rows: number;
}

const SOFTMAX_LENGTHS = [4, 5, 16, 31, 64, 128, 257, 512, 1024];
/** Real spreads R·s of the scores. */
const SOFTMAX_SPREADS = [0.25, 1, 4, 10, 20, 50];

function softmaxRow(rng: Rng, len: number, dist: number, spread: number): { x: number[]; s: number } {
  const r = rng.int(50, 2 ** 20);
  const s = spread / r;
  const offset = rng.int(-(2 ** 29), 2 ** 29);
  const x: number[] = [];
  for (let j = 0; j < len; j++) {
    if (dist === 0) x.push(offset + rng.int(-r, r));
    else if (dist === 1) x.push(offset + Math.round((r / 3) * gaussian(rng.float(), rng.float())));
    else x.push(offset + rng.int(-r, 0));
  }
  if (dist === 2) x[rng.int(0, len - 1)] = offset + r; // one clear winner
  return { x, s };
}

/** Attention-like scores: dot products of int8 q and k of size 64, s = s_q·s_k/√64. */
function attentionRow(rng: Rng, len: number, sq: number): { x: number[]; s: number } {
  const d = 64;
  const q = Array.from({ length: d }, () => Math.max(-127, Math.min(127, Math.round(40 * gaussian(rng.float(), rng.float())))));
  const x: number[] = [];
  for (let j = 0; j < len; j++) {
    let dot = 0;
    for (let t = 0; t < d; t++) dot += q[t]! * Math.max(-127, Math.min(127, Math.round(40 * gaussian(rng.float(), rng.float()))));
    x.push(dot);
  }
  return { x, s: (sq * sq) / Math.sqrt(d) };
}

async function checkSoftmaxRow(backend: Backend, res: SoftmaxResult, x: number[], s: number, label: string): Promise<void> {
  const scale = dyadicFromReal(s * Math.LOG2E * 256);
  const p = await softmax(tensor(backend, x, [1, x.length], 'int32'), scale).data();
  const ref = softmaxRef(x, s, (j) => x[j] === MASKED);
  // n of the documented bound |Σp − 2^14| ≤ n/2: the nonzero exp weights e_j = E(max − x_j).
  // (Every row here spans less than 2^31, so x_j − max is an int32.)
  let max = -Infinity;
  for (const v of x) if (v !== MASKED && v > max) max = v;
  const diffs = x.map((v) => (v === MASKED ? -(2 ** 31) + 1 : v - max));
  const e = await expNeg(tensor(backend, diffs, [x.length], 'int32'), scale).data();
  let nonzero = 0;
  for (let j = 0; j < x.length; j++) if (x[j] !== MASKED && e[j] !== 0) nonzero++;
  let sum = 0;
  let anyUnmasked = false;
  for (let j = 0; j < x.length; j++) {
    if (x[j] === MASKED) {
      if (p[j] !== 0) res.maskedNonzero++;
      continue;
    }
    anyUnmasked = true;
    res.abs.add(Math.abs(p[j]! / 16384 - ref[j]!), () => `${label} j=${j} p=${p[j]} ref=${ref[j]! * 16384}`);
    sum += p[j]!;
  }
  res.rows++;
  if (!anyUnmasked) return;
  res.sumDev.add(Math.abs(sum / 16384 - 1), () => `${label} Σ=${sum}`);
  res.sumDevOverHalfN.add(Math.abs(sum - 16384) / (nonzero / 2), () => `${label} Σ=${sum} n=${nonzero}`);
}

/** Random rows (uniform, gaussian, one winner, attention-like), optionally with masked entries. */
export async function sweepSoftmax(backend: Backend, seed: number, maskFraction: number): Promise<SoftmaxResult> {
  const rng = new Rng(seed);
  const res: SoftmaxResult = { abs: new MaxError(), sumDev: new MaxError(), sumDevOverHalfN: new MaxError(), maskedNonzero: 0, rows: 0 };
  const mask = (x: number[]) => {
    if (maskFraction > 0) for (let j = 0; j < x.length; j++) if (rng.float() < maskFraction) x[j] = MASKED;
    return x;
  };
  for (const len of SOFTMAX_LENGTHS) {
    for (const spread of SOFTMAX_SPREADS) {
      for (let dist = 0; dist < 3; dist++) {
        for (let k = 0; k < 2; k++) {
          const { x, s } = softmaxRow(rng, len, dist, spread);
          await checkSoftmaxRow(backend, res, mask(x), s, `len=${len} spread=${spread} dist=${dist}`);
        }
      }
    }
    for (const sq of [0.02, 0.05, 0.1, 0.2]) {
      const { x, s } = attentionRow(rng, len, sq);
      await checkSoftmaxRow(backend, res, mask(x), s, `len=${len} attention s_q=${sq}`);
    }
  }
  return res;
}

/**
 * The worst case of the Q15 weights: one score at the maximum and len − 1 others all at the
 * same distance d, with the scale {2^30, 30} = 1 (so u = d). At d = 4095 each small weight is
 * E = 1 (true 0.501 Q15 LSB); at d = 4096 it is E = 0 (true 0.5). Returns the max |p − p_ref|.
 */
export async function softmaxTailCase(backend: Backend, len: number, d: number): Promise<number> {
  const x = new Array<number>(len).fill(-d);
  x[0] = 0;
  const s = 1 / (256 * Math.LOG2E);
  const p = await softmax(tensor(backend, x, [len], 'int32'), { multiplier: 2 ** 30, shift: 30 }).data();
  const ref = softmaxRef(x, s);
  let m = 0;
  for (let j = 0; j < len; j++) m = Math.max(m, Math.abs(p[j]! / 16384 - ref[j]!));
  return m;
}

// ------------------------------------------------------------------------------------- 6. norms

export interface NormCase {
  kind: 'layer' | 'rms';
  c: number;
  inDtype: 'int8' | 'int16';
  outDtype: 'int8' | 'int16';
}

export interface NormResult {
  /** |y − y_ref/s_out| in output LSBs over unsaturated outputs, y_ref the float64 norm. */
  err: MaxError;
  /** The part of the error due to the Q14 resolution of z: 0.5·max|g|·√C / (2^14·s_out). */
  zStepLsb: number;
  /** err / model, the model being normErrorModel's first-order bound: ≤ 1 where it explains the error. */
  modelRatio: MaxError;
}

/**
 * First-order bound, in output LSBs, on the error of one norm output against the float norm,
 * from the roundings of NUMERICS.md §10 (each term is |its error| × its sensitivity):
 *   0.5                                    final requantize
 *   (0.5·|γ| + 0.5·|z| + 0.5)·s_acc/s_out  z to Q14, g to γ (error 0.5·s_γ, times z), b to β
 *   |g·n|/s_out · (1/√Q + (C·δμ² + 1/2)/(2Q))   r = ⌊√Q⌋, and Q's shift by δμ and by eps's rounding
 *   |g|·δμ·s_w / (√(var+ε)·s_out)          μ rounded by δμ (w units) shifts every d_i
 *   |y|·2^−30                               {M, n} within 2^−31 of s_acc/s_out
 * n is the real normalized value, y the real output, Q = Σ(w − μ)² + eps as the kernel forms it.
 */
export function normErrorModel(o: {
  c: number;
  g: number;
  gammaInt: number;
  n: number;
  yOverOut: number;
  sAccOverOut: number;
  sOut: number;
  q: number;
  deltaMu: number;
  swOverStd: number;
}): number {
  const z = Math.min(2 ** 14, (2 ** 14 * Math.abs(o.n)) / Math.sqrt(o.c));
  return (
    0.5 +
    (0.5 * Math.abs(o.gammaInt) + 0.5 * z + 0.5) * o.sAccOverOut +
    (Math.abs(o.g * o.n) / o.sOut) * (1 / Math.sqrt(o.q) + (o.c * o.deltaMu ** 2 + 0.5) / (2 * o.q)) +
    (Math.abs(o.g) * o.deltaMu * o.swOverStd) / o.sOut +
    Math.abs(o.yOverOut) * 2 ** -30
  );
}

export const NORM_CS = [16, 64, 256, 768] as const;

/**
 * Converts a float norm the way NUMERICS.md §10.2 says and runs it on rows of varied spread
 * and offset: s_acc = s_γ·√C·2^−14, {M, n} = dyadicFromReal(s_acc/s_out), β = ⌊b/s_acc⌉,
 * eps = ⌊C·ε/s_w²⌉ with s_w = s_x/256 (int8) or s_x (int16).
 */
export async function sweepNorm(backend: Backend, nc: NormCase, seed: number): Promise<NormResult> {
  const rng = new Rng(seed);
  const { c, kind, inDtype, outDtype } = nc;
  const xScale = inDtype === 'int8' ? dyadicFromReal(0.05) : dyadicFromReal(1 / 2048);
  const sx = dyadicToNumber(xScale);
  const sw = inDtype === 'int8' ? sx / 256 : sx;
  const epsReal = 1e-5;
  const qMax = DTYPE_MAX[inDtype];
  const outMax = DTYPE_MAX[outDtype];
  const sOut = 6 / outMax; // outputs up to ±6 in real units
  const res: NormResult = { err: new MaxError(), zStepLsb: 0, modelRatio: new MaxError() };
  const sigmas = inDtype === 'int8' ? [1.5, 4, 20, 60] : [40, 600, 4000, 12000];
  const offsets = inDtype === 'int8' ? [0, 25, -40] : [0, 3000, -9000];
  for (let trial = 0; trial < 3; trial++) {
    // Gain and bias: around 1 and 0, a few larger, some negative gains.
    const g = Array.from({ length: c }, () => (trial === 2 ? 2 * rng.float() - 1 : 1 + 0.3 * gaussian(rng.float(), rng.float())));
    const b = Array.from({ length: c }, () => (kind === 'layer' ? 0.3 * gaussian(rng.float(), rng.float()) : 0));
    const gMax = Math.max(...g.map(Math.abs));
    const sg = gMax / 32767;
    const gammaInt = g.map((v) => Math.round(v / sg));
    const sAcc = (sg * Math.sqrt(c)) / 2 ** 14;
    const scale = dyadicFromReal(sAcc / sOut);
    const betaInt = b.map((v) => Math.round(v / sAcc));
    const eps = Math.round((c * epsReal) / sw ** 2);
    res.zStepLsb = Math.max(res.zStepLsb, (0.5 * gMax * Math.sqrt(c)) / 2 ** 14 / sOut);
    const rows: number[][] = [];
    for (const sigma of sigmas) {
      for (const offset of offsets) {
        rows.push(Array.from({ length: c }, () => Math.max(-qMax, Math.min(qMax, Math.round(offset + sigma * gaussian(rng.float(), rng.float()))))));
      }
    }
    // A row with an outlier, and a near-constant row (variance comparable to ε).
    const outlier = Array.from({ length: c }, () => rng.int(-3, 3));
    outlier[rng.int(0, c - 1)] = qMax;
    rows.push(outlier);
    rows.push(Array.from({ length: c }, () => 7 + (rng.float() < 0.1 ? 1 : 0)));
    const flat = rows.flat();
    const x = tensor(backend, flat, [rows.length, c], inDtype);
    const gamma = tensor(backend, gammaInt, [c], 'int16');
    const y =
      kind === 'layer'
        ? await layerNorm(x, gamma, { beta: tensor(backend, betaInt, [c], 'int32'), eps, scale, outDtype }).data()
        : await rmsNorm(x, gamma, { eps, scale, outDtype }).data();
    for (let r = 0; r < rows.length; r++) {
      const xr = rows[r]!.map((q) => q * sx);
      const ref = kind === 'layer' ? layerNormRef(xr, g, b, epsReal) : rmsNormRef(xr, g, epsReal);
      // Quantities of the error model: the kernel's μ and Q, the real mean and deviation.
      const w = rows[r]!.map((q) => (inDtype === 'int8' ? 256 * q : q));
      const meanW = kind === 'layer' ? w.reduce((a, v) => a + v, 0) / c : 0;
      const mu = kind === 'layer' ? roundHalfAway(meanW) : 0;
      const qInt = w.reduce((a, v) => a + (v - mu) ** 2, 0) + eps;
      const std = Math.sqrt(w.reduce((a, v) => a + ((v - meanW) * sw) ** 2, 0) / c + epsReal);
      for (let i = 0; i < c; i++) {
        const want = ref[i]! / sOut;
        if (want > outMax || want < -outMax - 1) {
          res.err.skipped++;
          continue;
        }
        const got = y[r * c + i]!;
        const where = () => `${kind} C=${c} ${inDtype}→${outDtype} trial=${trial} row=${r} i=${i}: ${got} vs ${want}`;
        res.err.add(Math.abs(got - want), where);
        const model = normErrorModel({
          c,
          g: g[i]!,
          gammaInt: gammaInt[i]!,
          n: ((w[i]! - meanW) * sw) / std,
          yOverOut: want,
          sAccOverOut: sAcc / sOut,
          sOut,
          q: qInt,
          deltaMu: Math.abs(mu - meanW),
          swOverStd: sw / std,
        });
        res.modelRatio.add(Math.abs(got - want) / model, where);
      }
    }
  }
  return res;
}

// -------------------------------------------------------------------------------------- 7. rope

export interface RopeResult {
  /** |y − y_ref| in input LSBs over unsaturated outputs, y_ref the float64 rotation. */
  err: MaxError;
  /**
   * (|y − y_ref| − 1/2) / ‖(x_2i, x_2i+1)‖ · 2^14: the error beyond the final rounding, per unit of
   * the pair's length, in Q14 steps. The table entries are each within 1/2 step, so this is at
   * most ‖(δcos, δsin)‖·2^14 ≤ √2/2.
   */
  tableExcess: MaxError;
}

const ropeTableCache = new Map<string, { cos: Int16Array; sin: Int16Array }>();

function cachedRopeTables(maxPos: number, dim: number) {
  const key = `${maxPos}x${dim}`;
  let t = ropeTableCache.get(key);
  if (!t) ropeTableCache.set(key, (t = ropeTables(maxPos, dim)));
  return t;
}

/** Two table shapes: 128 positions × dim 64, and 2048 positions × dim 4 (large angles). */
export const ROPE_SHAPES: readonly [number, number][] = [
  [128, 64],
  [2048, 4],
];

export async function sweepRope(backend: Backend, dtype: 'int8' | 'int16', seed: number): Promise<RopeResult> {
  const rng = new Rng(seed);
  const res: RopeResult = { err: new MaxError(), tableExcess: new MaxError() };
  const lo = DTYPE_MIN[dtype];
  const hi = DTYPE_MAX[dtype];
  for (const [maxPos, dim] of ROPE_SHAPES) {
    const tables = cachedRopeTables(maxPos, dim);
    const half = dim / 2;
    const cos = tensor(backend, tables.cos, [maxPos, half], 'int16');
    const sin = tensor(backend, tables.sin, [maxPos, half], 'int16');
    for (let rep = 0; rep < 2; rep++) {
      // Full-range uniform values in the first pass, a bell of a quarter of the range in the second.
      const x = Array.from({ length: maxPos * dim }, () =>
        rep === 0 ? rng.int(lo, hi) : Math.max(lo, Math.min(hi, Math.round((hi / 4) * gaussian(rng.float(), rng.float())))),
      );
      const y = await rope(tensor(backend, x, [1, maxPos, dim], dtype), cos, sin).data();
      for (let p = 0; p < maxPos; p++) {
        for (let i = 0; i < half; i++) {
          const angle = p * Math.pow(10000, (-2 * i) / dim);
          const c = Math.cos(angle);
          const s = Math.sin(angle);
          const at = p * dim + 2 * i;
          const x0 = x[at]!;
          const x1 = x[at + 1]!;
          const norm = Math.hypot(x0, x1);
          const refs = [x0 * c - x1 * s, x0 * s + x1 * c];
          for (let k = 0; k < 2; k++) {
            const ref = refs[k]!;
            if (ref > hi || ref < lo) {
              res.err.skipped++;
              continue;
            }
            const err = Math.abs(y[at + k]! - ref);
            res.err.add(err, () => `${dtype} p=${p} i=${i} dim=${dim} x=(${x0}, ${x1}) → ${y[at + k]}, real ${ref}`);
            if (norm > 0) res.tableExcess.add((Math.max(0, err - 0.5) / norm) * 2 ** 14, () => `${dtype} p=${p} i=${i} x=(${x0}, ${x1})`);
          }
        }
      }
    }
  }
  return res;
}

// ------------------------------------------------------------------------------------- 8. isqrt

export interface IsqrtResult {
  checked: number;
  /** Outputs with r² > v or (r+1)² ≤ v (v ≥ 0), or r ≠ 0 for v < 0. */
  wrong: number;
  firstWrong: string;
}

export async function sweepIsqrt(backend: Backend, seed: number): Promise<IsqrtResult> {
  const rng = new Rng(seed);
  const values: number[] = [0, 1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 2 ** 31 - 1, 2 ** 30, 2 ** 30 - 1, 46340 ** 2, 46340 ** 2 - 1, 46340 ** 2 + 1, -1, -(2 ** 31), -12345];
  for (let i = 0; i < 20000; i++) {
    const bits = rng.int(1, 31);
    values.push(rng.int(0, 2 ** bits - 1));
  }
  for (let i = 0; i < 10000; i++) {
    const k = rng.int(0, 46340);
    for (const dv of [-1, 0, 1]) if (k * k + dv >= 0) values.push(k * k + dv);
  }
  for (let k = 46300; k <= 46340; k++) values.push(k * k - 1, k * k);
  const r = await isqrt(tensor(backend, values, [values.length], 'int32')).data();
  const res: IsqrtResult = { checked: values.length, wrong: 0, firstWrong: '' };
  for (let i = 0; i < values.length; i++) {
    const v = BigInt(values[i]!);
    const y = BigInt(r[i]!);
    const ok = v < 0n ? y === 0n : y >= 0n && y * y <= v && (y + 1n) * (y + 1n) > v;
    if (!ok) {
      if (res.wrong === 0) res.firstWrong = `isqrt(${v}) = ${y}`;
      res.wrong++;
    }
  }
  return res;
}

