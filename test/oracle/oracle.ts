/**
 * Independent oracles of the spml numerics, written from the formulas in the op and kernel
 * headers (engine/ops/*.ts, kernels/cpu/*.ts) and engine/NUMERICS.md.
 *
 * Everything here is exact: integers are BigInt, reals are decimal.js. Nothing is imported from
 * kernels/cpu (least of all fixed_point.ts), so a mistake in the reference backend cannot be
 * copied into the oracle that checks it. The only shared inputs are data: the exp2 table
 * EXP2_NEG_Q15 (passed in by the tests) and the rotary tables, which are op inputs anyway.
 */
import { Decimal } from 'decimal.js';

export type IntDType = 'int8' | 'int16' | 'int32';

const BITS: Record<IntDType, bigint> = { int8: 8n, int16: 16n, int32: 32n };
const MASK32 = 0xffffffffn;
export const TWO31 = 1n << 31n;

export const minOf = (d: IntDType): bigint => -(1n << (BITS[d] - 1n));
export const maxOf = (d: IntDType): bigint => (1n << (BITS[d] - 1n)) - 1n;

/** sat_d(x) = min(max(x, -2^(b-1)), 2^(b-1) - 1). */
export function sat(x: bigint, d: IntDType): bigint {
  const lo = minOf(d);
  const hi = maxOf(d);
  return x < lo ? lo : x > hi ? hi : x;
}

/** wrap32(x) = x reduced into [-2^31, 2^31) modulo 2^32. */
export const wrap32 = (x: bigint): bigint => BigInt.asIntN(32, x);

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);
export const big = (xs: ArrayLike<number>): bigint[] => Array.from(xs, (v) => BigInt(v));

/** R(a, M, n) = floor((a·M + 2^(n-1)) / 2^n), no bias when n = 0; a, M >= 0, uncapped. */
export function roundShift(a: bigint, m: bigint, n: number): bigint {
  const bias = n === 0 ? 0n : 1n << BigInt(n - 1);
  return (a * m + bias) >> BigInt(n);
}

/** mulShiftRound(a, M, n) = min(R(a, M, n), 2^31). */
export const mulShiftRoundOracle = (a: bigint, m: bigint, n: number): bigint => {
  const r = roundShift(a, m, n);
  return r > TWO31 ? TWO31 : r;
};

/** umul32(a, b) = [floor(a·b / 2^32), a·b mod 2^32]. */
export const umul32Oracle = (a: bigint, b: bigint): [bigint, bigint] => [(a * b) >> 32n, (a * b) & MASK32];

/** floor(sqrt(v)) by Newton's iteration on BigInt (0 for v <= 0). */
export function isqrtOracle(v: bigint): bigint {
  if (v <= 0n) return 0n;
  let x = v;
  let y = (x + 1n) >> 1n;
  while (y < x) {
    x = y;
    y = (x + v / x) >> 1n;
  }
  return x;
}

/** a / b rounded half up, for a >= 0, b >= 1: floor((2a + b) / (2b)). */
export const divHalfUpOracle = (a: bigint, b: bigint): bigint => (2n * a + b) / (2n * b);

/** a / b rounded half away from zero, b >= 1: sign(a)·floor((2|a| + b) / (2b)). */
export const divHalfAwayOracle = (a: bigint, b: bigint): bigint => (a < 0n ? -divHalfUpOracle(-a, b) : divHalfUpOracle(a, b));

/** Requantize one value: y = sat(sign(x)·floor((|x|·M + 2^(n-1)) / 2^n)). */
export function requantizeOne(x: bigint, m: bigint, n: number, d: IntDType): bigint {
  const r = roundShift(abs(x), m, n);
  return sat(x < 0n ? -r : r, d);
}

export interface DyadicBig {
  m: bigint;
  n: number;
}

/** Requantize a tensor whose last axis has `channels` entries, one scale or one per channel. */
export function requantizeOracle(x: readonly bigint[], scales: readonly DyadicBig[], channels: number, d: IntDType): bigint[] {
  return x.map((v, i) => {
    const s = scales.length === 1 ? scales[0]! : scales[i % channels]!;
    return requantizeOne(v, s.m, s.n, d);
  });
}

/**
 * C[b,i,j] = wrap32(bias[j] + Σ_k A[b,i,k]·B[b,k,j]), exact sum then wrap; B is [K,N] or
 * [batch,K,N] ([N,K] / [batch,N,K] when transposed); A is [M,K] or [batch,M,K].
 */
export function matmulOracle(
  a: readonly bigint[],
  aShape: readonly number[],
  b: readonly bigint[],
  bShape: readonly number[],
  bias: readonly bigint[] | undefined,
  transposeB: boolean,
): bigint[] {
  const batch = aShape.length === 3 ? aShape[0]! : 1;
  const [m, k] = aShape.slice(-2) as [number, number];
  const n = transposeB ? bShape[bShape.length - 2]! : bShape[bShape.length - 1]!;
  const bBatched = bShape.length === 3;
  const bAt = (p: number, q: number, j: number): bigint => {
    const base = bBatched ? p * k * n : 0;
    return b[base + (transposeB ? j * k + q : q * n + j)]!;
  };
  const out: bigint[] = [];
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = bias ? bias[j]! : 0n;
        for (let q = 0; q < k; q++) s += a[p * m * k + i * k + q]! * bAt(p, q, j);
        out.push(wrap32(s));
      }
    }
  }
  return out;
}

/** E(d) with u = min(R(d,M,n), 2^31), k = u>>8, f = u&255: 0 if k >= 16 else (T[f] + (k ? 2^(k-1) : 0)) >> k. */
export function expNegOracle(d: bigint, m: bigint, n: number, table: readonly number[]): bigint {
  let u = roundShift(d, m, n);
  if (u > TWO31) u = TWO31;
  const k = u >> 8n;
  const f = Number(u & 255n);
  if (k >= 16n) return 0n;
  const t = BigInt(table[f]!);
  return (t + (k === 0n ? 0n : 1n << (k - 1n))) >> k;
}

export const MASKED_BIG = -(1n << 31n);

/** Exp weights of one row: e_i = E(max - x_i) over unmasked entries, 0 for MASKED ones. */
export function expWeightsOracle(row: readonly bigint[], m: bigint, n: number, table: readonly number[]): bigint[] {
  const live = row.filter((v) => v !== MASKED_BIG);
  if (live.length === 0) return row.map(() => 0n);
  const max = live.reduce((p, v) => (v > p ? v : p));
  return row.map((v) => (v === MASKED_BIG ? 0n : expNegOracle(max - v, m, n, table)));
}

/** p_i = floor((2·e_i·2^14 + Σe) / (2·Σe)); a fully masked row is all 0. */
export function softmaxRowOracle(row: readonly bigint[], m: bigint, n: number, table: readonly number[]): bigint[] {
  const e = expWeightsOracle(row, m, n, table);
  const sum = e.reduce((p, v) => p + v, 0n);
  if (sum === 0n) return e.map(() => 0n);
  return e.map((v) => (2n * v * (1n << 14n) + sum) / (2n * sum));
}

export interface NormOracleOptions {
  widen: bigint; // 256 for int8 input, 1 for int16
  subtractMean: boolean;
  eps: bigint;
  m: bigint;
  n: number;
  outDtype: IntDType;
}

/**
 * One row of LayerNorm / RMSNorm: w = x·widen; μ = roundHalfAway(Σw / C) (LayerNorm) else 0;
 * d = w - μ; Q = Σd² + eps; r = isqrt(Q); z = roundHalfAway(d·2^14 / r) (0 if r = 0);
 * y = requantize(wrap32(z·γ + β), M, n) saturated.
 */
export function normRowOracle(x: readonly bigint[], gamma: readonly bigint[], beta: readonly bigint[] | undefined, o: NormOracleOptions): bigint[] {
  const c = BigInt(x.length);
  const w = x.map((v) => v * o.widen);
  const mu = o.subtractMean ? divHalfAwayOracle(w.reduce((p, v) => p + v, 0n), c) : 0n;
  const d = w.map((v) => v - mu);
  const q = d.reduce((p, v) => p + v * v, 0n) + o.eps;
  const r = isqrtOracle(q);
  return d.map((di, i) => {
    const z = r === 0n ? 0n : divHalfAwayOracle(di * (1n << 14n), r);
    const acc = wrap32(z * gamma[i]! + (beta ? beta[i]! : 0n));
    return requantizeOne(acc, o.m, o.n, o.outDtype);
  });
}

/**
 * Rotate pairs of x [..., T, D] at position offset + t:
 * y0 = sat(rha((x0·c - x1·s) / 2^14)), y1 = sat(rha((x0·s + x1·c) / 2^14)), rha = round half away.
 */
export function ropeOracle(
  x: readonly bigint[],
  shape: readonly number[],
  cos: readonly bigint[],
  sin: readonly bigint[],
  offset: number,
  d: IntDType,
): bigint[] {
  const [t, dim] = shape.slice(-2) as [number, number];
  const half = dim / 2;
  const y = new Array<bigint>(x.length);
  const r14 = (v: bigint) => sat(divHalfAwayOracle(v, 1n << 14n), d);
  for (let at = 0; at < x.length; at += 2) {
    const row = Math.floor(at / dim);
    const i = (at % dim) / 2;
    const pos = offset + (row % t);
    const c = cos[pos * half + i]!;
    const s = sin[pos * half + i]!;
    const x0 = x[at]!;
    const x1 = x[at + 1]!;
    y[at] = r14(x0 * c - x1 * s);
    y[at + 1] = r14(x0 * s + x1 * c);
  }
  return y;
}

/** add: sat(a_i + b_(i mod |b|)). */
export const addOracle = (a: readonly bigint[], b: readonly bigint[], d: IntDType) => a.map((v, i) => sat(v + b[i % b.length]!, d));
/** mul: sat(a_i · b_(i mod |b|)). */
export const mulOracle = (a: readonly bigint[], b: readonly bigint[], d: IntDType) => a.map((v, i) => sat(v * b[i % b.length]!, d));
/** cast: sat(x). */
export const castOracle = (x: readonly bigint[], d: IntDType) => x.map((v) => sat(v, d));

// ---- Layout: written with explicit coordinates (unravel / ravel), not strides loops. ----

export function unravel(flat: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    c[ax] = flat % shape[ax]!;
    flat = Math.floor(flat / shape[ax]!);
  }
  return c;
}

export function ravel(coords: readonly number[], shape: readonly number[]): number {
  return coords.reduce((acc, v, ax) => acc * shape[ax]! + v, 0);
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** y[c] = x[c permuted back]: out axis i is input axis perm[i]. */
export function transposeOracle<T>(x: readonly T[], shape: readonly number[], perm: readonly number[]): T[] {
  const outShape = perm.map((p) => shape[p]!);
  return Array.from({ length: sizeOf(outShape) }, (_, flat) => {
    const oc = unravel(flat, outShape);
    const ic = new Array<number>(shape.length);
    perm.forEach((p, i) => (ic[p] = oc[i]!));
    return x[ravel(ic, shape)]!;
  });
}

/** y[c] = x[c + begin]. */
export function sliceOracle<T>(x: readonly T[], shape: readonly number[], begin: readonly number[], size: readonly number[]): T[] {
  return Array.from({ length: sizeOf(size) }, (_, flat) => {
    const c = unravel(flat, size).map((v, ax) => v + begin[ax]!);
    return x[ravel(c, shape)]!;
  });
}

/** Concatenation along `axis`: the output coordinate picks the input whose range holds it. */
export function concatOracle<T>(xs: readonly { data: readonly T[]; shape: readonly number[] }[], axis: number): T[] {
  const outShape = [...xs[0]!.shape];
  outShape[axis] = xs.reduce((s, t) => s + t.shape[axis]!, 0);
  return Array.from({ length: sizeOf(outShape) }, (_, flat) => {
    const c = unravel(flat, outShape);
    let pos = c[axis]!;
    for (const t of xs) {
      if (pos < t.shape[axis]!) {
        const ic = [...c];
        ic[axis] = pos;
        return t.data[ravel(ic, t.shape)]!;
      }
      pos -= t.shape[axis]!;
    }
    throw new Error('unreachable');
  });
}

/** gather: row ids[i] of table [V, C]. */
export function gatherOracle<T>(table: readonly T[], c: number, ids: readonly number[]): T[] {
  return ids.flatMap((id) => table.slice(id * c, id * c + c));
}

// ---- Philox4x32-10 (Salmon et al. SC'11; constants as published with Random123). ----

const PM0 = 0xd2511f53n;
const PM1 = 0xcd9e8d57n;
const PW0 = 0x9e3779b9n;
const PW1 = 0xbb67ae85n;

/** 10 rounds of (x0..x3) <- (hi(M1·x2) ^ x1 ^ k0, lo(M1·x2), hi(M0·x0) ^ x3 ^ k1, lo(M0·x0)), key += (W0, W1) between rounds. */
export function philoxOracle(ctr: readonly bigint[], key: readonly bigint[]): bigint[] {
  let [x0, x1, x2, x3] = ctr as [bigint, bigint, bigint, bigint];
  let [k0, k1] = key as [bigint, bigint];
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PW0) & MASK32;
      k1 = (k1 + PW1) & MASK32;
    }
    const p0 = PM0 * x0;
    const p1 = PM1 * x2;
    [x0, x1, x2, x3] = [(p1 >> 32n) ^ x1 ^ k0, p1 & MASK32, (p0 >> 32n) ^ x3 ^ k1, p0 & MASK32];
  }
  return [x0, x1, x2, x3];
}

export interface SampleOracleOptions {
  m: bigint;
  n: number;
  seed: bigint;
  step: bigint;
  topK: number;
  topP: number; // Q16, 65536 = off
}

/**
 * One row r of sample: e = exp weights; order by (x desc, index asc); keep topK (0 = all);
 * then the shortest prefix with cum·2^16 >= topP·W; rand = philox((step_lo, step_hi, r, 0), seed)[0];
 * u = (rand·W) >> 32; pick the first kept entry with cum > u (order[0] when W = 0).
 */
export function sampleRowOracle(row: readonly bigint[], r: number, o: SampleOracleOptions, table: readonly number[]): number {
  const e = expWeightsOracle(row, o.m, o.n, table);
  const order = row.map((_, j) => j).sort((a, b) => (row[a]! > row[b]! ? -1 : row[a]! < row[b]! ? 1 : a - b));
  let kept = o.topK === 0 ? order.length : Math.min(o.topK, order.length);
  let w = 0n;
  for (let i = 0; i < kept; i++) w += e[order[i]!]!;
  if (o.topP < 65536) {
    const target = BigInt(o.topP) * w;
    let cum = 0n;
    for (let i = 0; i < kept; i++) {
      cum += e[order[i]!]!;
      if (cum * 65536n >= target) {
        kept = i + 1;
        w = cum;
        break;
      }
    }
  }
  if (w === 0n) return order[0]!;
  const ctr = [o.step & MASK32, o.step >> 32n, BigInt(r), 0n];
  const rand = philoxOracle(ctr, [o.seed & MASK32, o.seed >> 32n])[0]!;
  const u = (rand * w) >> 32n;
  let cum = 0n;
  for (let i = 0; i < kept; i++) {
    cum += e[order[i]!]!;
    if (cum > u) return order[i]!;
  }
  throw new Error('sample oracle: no pick (u >= W cannot happen)');
}

// ---- quantize: q = sat(roundHalfAway(fl64(v / s))), s = M·2^-n. ----

const D200 = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15, minE: -9e15, maxE: 9e15 });

/** A finite double as sign·mant·2^exp with integer mant (exact decomposition of the bits). */
export function decomposeDouble(v: number): { neg: boolean; mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const bits = view.getBigUint64(0);
  const neg = bits >> 63n === 1n;
  const e = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  if (e === 0x7ff) throw new Error('decomposeDouble: not finite');
  return e === 0 ? { neg, mant: frac, exp: -1074 } : { neg, mant: frac | (1n << 52n), exp: e - 1075 };
}

/**
 * fl64(v / (M·2^-n)): the quotient mant·2^(exp+n)/M to 200 digits, then the nearest double.
 * 120 digits decide the rounding: a quotient that is not itself dyadic lies at least ~2^-138
 * (relative) from every midpoint between doubles. Only subnormal results of power-of-two
 * scales can be exact midpoints, and those quantize to 0 whichever way they round.
 */
export function divideAsDouble(v: number, m: number, n: number): number {
  const { neg, mant, exp } = decomposeDouble(v);
  if (mant === 0n) return neg ? -0 : 0;
  const q = new D200(mant.toString()).times(new D200(2).pow(exp + n)).div(m);
  const x = Number(q.toPrecision(120)); // JS parsing is correctly rounded
  return neg ? -x : x;
}

/** roundHalfAway of a double, exactly: sign·floor(|t| + 1/2) on the bits; ±Infinity passes through. */
export function roundHalfAwayExact(t: number): bigint | number {
  if (!Number.isFinite(t)) return t;
  const { neg, mant, exp } = decomposeDouble(t);
  const mag = exp >= 0 ? mant << BigInt(exp) : roundShift(mant, 1n, -exp);
  return neg ? -mag : mag;
}

/** q = sat(roundHalfAway(fl64(v / s))). */
export function quantizeOracle(v: number, m: number, n: number, d: IntDType): bigint {
  const r = roundHalfAwayExact(divideAsDouble(v, m, n));
  if (typeof r === 'number') return r > 0 ? maxOf(d) : minOf(d);
  return sat(r, d);
}
