/**
 * Helpers of the accuracy tests: error trackers, exact (BigInt) error of a rounded integer
 * against a dyadic rational, and float64 reference functions (GELU, SiLU, erf, softmax, the
 * norms). Nothing here calls the engine; the sweeps in sweeps.ts do.
 */

/** Running maximum of an error, remembering where it occurred. */
export class MaxError {
  max = 0;
  where = '';
  /** Number of points compared. */
  count = 0;
  /** Number of points left out (saturated, or below a threshold). */
  skipped = 0;

  add(err: number, where: string | (() => string) = ''): void {
    this.count++;
    if (!(err <= this.max)) {
      // NaN also lands here, so that a NaN error is never hidden.
      this.max = err;
      this.where = typeof where === 'function' ? where() : where;
    }
  }

  merge(o: MaxError): void {
    this.count += o.count;
    this.skipped += o.skipped;
    if (!(o.max <= this.max)) {
      this.max = o.max;
      this.where = o.where;
    }
  }
}

/** max_i |a_i − b_i|. */
export function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= m)) m = e;
  }
  return m;
}

/** A double as an exact rational mant·2^exp. */
export function doubleParts(v: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant: hi >>> 31 ? -mant : mant, exp };
}

/** The neighbouring double of v in direction dir (+1 up, −1 down); v finite and nonzero. */
export function nextDouble(v: number, dir: 1 | -1): number {
  const buf = new Float64Array([v]);
  const bits = new BigInt64Array(buf.buffer);
  bits[0] = bits[0]! + BigInt(v > 0 === dir > 0 ? 1 : -1);
  return buf[0]!;
}

const absBig = (a: bigint) => (a < 0n ? -a : a);

/**
 * |a − b| / unit for exact rationals given as doubles or dyadics, returned as a double
 * (correct to about 2^-52 relative). Each argument is {num, exp}: num·2^exp.
 */
export function ratioOfDiff(a: { mant: bigint; exp: number }, b: { mant: bigint; exp: number }, unit: { mant: bigint; exp: number }): number {
  const e0 = Math.min(a.exp, b.exp, unit.exp);
  const A = a.mant << BigInt(a.exp - e0);
  const B = b.mant << BigInt(b.exp - e0);
  const U = absBig(unit.mant << BigInt(unit.exp - e0));
  const diff = absBig(A - B);
  // Scale by 2^64 before the integer division so that 64 fractional bits survive.
  return Number((diff << 64n) / U) / 2 ** 64;
}

// ---------------------------------------------------------------- float64 reference functions

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU, tanh form (GPT-2): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/**
 * erf(x) to a few ulps: for |x| < 3 the series erf(x) = 2/√π·e^{−x²}·Σ 2^n x^{2n+1}/(2n+1)!!,
 * whose terms are all positive (no cancellation); for |x| ≥ 3 the continued fraction of erfc.
 * (JavaScript has no Math.erf; used only to report tanh-GELU's distance from erf-GELU.)
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    // erf(x) = 2/√π · e^{−x²} · Σ_{n≥0} 2^n x^{2n+1} / (1·3·5···(2n+1))   (all terms positive)
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  } else {
    // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
    let f = ax;
    for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

/** GELU, exact (erf) form: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** SiLU: x·σ(x) = x / (1 + e^{−x}). */
export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** float64 softmax of xs·s; entries where masked(j) is true get 0 and are left out of the sum. */
export function softmaxRef(xs: ArrayLike<number>, s: number, masked: (j: number) => boolean = () => false): Float64Array {
  const out = new Float64Array(xs.length);
  let max = -Infinity;
  for (let j = 0; j < xs.length; j++) if (!masked(j) && xs[j]! > max) max = xs[j]!;
  if (max === -Infinity) return out;
  let sum = 0;
  for (let j = 0; j < xs.length; j++) {
    if (masked(j)) continue;
    // xs[j] − max is an exact integer (< 2^32), so the only rounding is in ·s and exp.
    out[j] = Math.exp((xs[j]! - max) * s);
    sum += out[j]!;
  }
  for (let j = 0; j < xs.length; j++) out[j] = out[j]! / sum;
  return out;
}

/** float64 LayerNorm of one row: g·(x − mean)/√(var + ε) + b, var the biased variance. */
export function layerNormRef(x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>, eps: number): Float64Array {
  const c = x.length;
  let mean = 0;
  for (let i = 0; i < c; i++) mean += x[i]!;
  mean /= c;
  let v = 0;
  for (let i = 0; i < c; i++) v += (x[i]! - mean) ** 2;
  v /= c;
  const inv = 1 / Math.sqrt(v + eps);
  const y = new Float64Array(c);
  for (let i = 0; i < c; i++) y[i] = g[i]! * (x[i]! - mean) * inv + b[i]!;
  return y;
}

/** float64 RMSNorm of one row: g·x/√(mean(x²) + ε). */
export function rmsNormRef(x: ArrayLike<number>, g: ArrayLike<number>, eps: number): Float64Array {
  const c = x.length;
  let ms = 0;
  for (let i = 0; i < c; i++) ms += x[i]! ** 2;
  ms /= c;
  const inv = 1 / Math.sqrt(ms + eps);
  const y = new Float64Array(c);
  for (let i = 0; i < c; i++) y[i] = g[i]! * x[i]! * inv;
  return y;
}

/** Standard normal deviate from two uniforms (Box–Muller), for test data only. */
export function gaussian(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}
