/**
 * gpu.js LayerNorm and RMSNorm (engine/NUMERICS.md §10, §16.2 "layerNorm / rmsNorm"), five passes
 * so that no invocation loops more than 512 times (llvmpipe's loop budget) and every float32
 * intermediate is an exact integer within ±2^24:
 *   1. Σw per chunk of ≤ 512 elements                 (LayerNorm only)
 *   2. μ = ⌊Σw / C⌉ per row: chunks folded into 16-bit limbs, division by G5   (LayerNorm only)
 *   3. Σd² per chunk of ≤ 256 elements as three byte-product sums (d = 256·d_h + d_l)
 *   4. Q = Σd² + eps per row in 16-bit limbs, r = isqrt(Q): float estimate, exact correction
 *   5. per element: z = ⌊d·2^14 / r⌉ (G5), acc = wrap32(z·γ + β) in limbs, requantize (R, G3)
 * Rows are processed in batches of ≤ 2^21 elements so that every thread index stays below 2^23.
 * γ and β are weights: their planes are kept with them (uploaded once); the passes' partial
 * results are freed as soon as the next pass has read them.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { NormAttrs } from '../../engine/ops/norm.js';
import { gpujs, type KernelSource } from './backend.js';
import { R_FUNCTIONS, splitWord } from './fixed_point.js';
import { FLOOR_DIV, WRAP_HI } from './functions.js';
import { hiPlane, loPlane, valuePlane } from './planes.js';
import type { Plane } from './storage.js';

/**
 * divRoundHalfUp(a, b) (§3.3) for a = aHi·2^16 + aLo ≥ 0 (aLo may be any integer with
 * |aLo| < 2^16), 1 ≤ b ≤ 2^23 and a quotient below 2^15 + 2: a float estimate q, then the exact
 * remainder a − q·b from 8-bit limbs of q and b, one correction step each way, and the rounding
 * step q + [rem ≥ b − rem].
 * Bound: a < 2^30, so |aHi| ≤ 2^14; limb products < 2^16; the middle column < 2^17; the low word
 * |lo| < 3·2^16, the high word |hi| < 2^14 + 2^17 + 2^22; q is within ±1 of the quotient, so
 * rem = hi·2^16 + lo ∈ [−b, 2b) ⊂ (−2^24, 2^24).
 */
const DIV_ROUND_HALF_UP = `function divRoundHalfUpW(aHi, aLo, b) {
  let q = Math.floor((aHi * 65536 + aLo) / b);
  const q1 = Math.floor(q * 0.00390625);
  const q0 = q - 256 * q1;
  const b2 = Math.floor(b * 0.0000152587890625);
  const bm = b - 65536 * b2;
  const b1 = Math.floor(bm * 0.00390625);
  const b0 = bm - 256 * b1;
  const m = q0 * b1 + q1 * b0;
  const mh = Math.floor(m * 0.00390625);
  const lo = aLo - q0 * b0 - (m - 256 * mh) * 256;
  const hi = aHi - mh - q0 * b2 - q1 * b1 - q1 * b2 * 256;
  let rem = hi * 65536 + lo;
  if (rem < -0.5) {
    q = q - 1;
    rem = rem + b;
  } else if (rem > b - 0.5) {
    q = q + 1;
    rem = rem - b;
  }
  if (rem > b - rem - 0.5) { q = q + 1; }
  return q;
}`;

/**
 * The sign of r² − Q for 0 ≤ r < 2^24 and Q = q2·2^32 + q1·2^16 + q0 (q0, q1 ∈ [0, 2^16)):
 * r = r2·2^16 + r1·2^8 + r0 squared column by column into 16-bit words, then compared
 * lexicographically. Bound: every byte product < 2^17; each word before its carry < 2^18.
 */
const SQUARE_CMP = `function squareCmp(r, q2, q1, q0) {
  const r2 = Math.floor(r * 0.0000152587890625);
  const rm = r - r2 * 65536;
  const r1 = Math.floor(rm * 0.00390625);
  const r0 = rm - r1 * 256;
  const t = 2 * r1 * r0;
  const th = Math.floor(t * 0.00390625);
  const u = 2 * r2 * r1;
  const uh = Math.floor(u * 0.00390625);
  let s0 = r0 * r0 + (t - th * 256) * 256;
  let s1 = r1 * r1 + 2 * r2 * r0 + th + (u - uh * 256) * 256;
  let s2 = r2 * r2 + uh;
  let k = Math.floor(s0 * 0.0000152587890625);
  s0 = s0 - k * 65536;
  s1 = s1 + k;
  k = Math.floor(s1 * 0.0000152587890625);
  s1 = s1 - k * 65536;
  s2 = s2 + k;
  if (s2 > q2 + 0.5) { return 1; }
  if (s2 < q2 - 0.5) { return -1; }
  if (s1 > q1 + 0.5) { return 1; }
  if (s1 < q1 - 0.5) { return -1; }
  if (s0 > q0 + 0.5) { return 1; }
  if (s0 < q0 - 0.5) { return -1; }
  return 0;
}`;

const SUM_CHUNK = 512;
const SQUARE_CHUNK = 256;

/** Pass 1, one thread per (row, chunk). Bound: 512·|w| ≤ 512·2^15 = 2^24 (int8: 512·128·256). */
const SUM_W: KernelSource = {
  name: 'norm.sumW',
  source: `function (x, c, chunks, widen) {
  const t = this.thread.x;
  const row = floorDiv(t, chunks);
  const start = (t - row * chunks) * 512;
  const base = row * c + start;
  const len = Math.min(c - start, 512);
  let s = 0;
  for (let i = 0; i < len; i++) { s = s + x[base + i]; }
  return s * widen;
}`,
  functions: [FLOOR_DIV],
  loopMax: SUM_CHUNK,
};

/**
 * Pass 2, one thread per row: Σw = hi·2^16 + lo from the ≤ 32 chunk sums, μ = ⌊Σw / C⌉.
 * Bound: |hi| ≤ 32·2^8, lo < 32·2^16 = 2^21; |Σw| ≤ 2^29, |μ| ≤ 2^15.
 */
const MEAN: KernelSource = {
  name: 'norm.mean',
  source: `function (part, chunks, c) {
  const row = this.thread.x;
  let hi = 0;
  let lo = 0;
  for (let k = 0; k < chunks; k++) {
    const s = part[row * chunks + k];
    const sh = Math.floor(s * 0.0000152587890625);
    hi = hi + sh;
    lo = lo + (s - sh * 65536);
  }
  const carry = Math.floor(lo * 0.0000152587890625);
  lo = lo - carry * 65536;
  hi = hi + carry;
  if (hi < -0.5) { return 0 - divRoundHalfUpW(0 - hi, 0 - lo, c); }
  return divRoundHalfUpW(hi, lo, c);
}`,
  functions: [DIV_ROUND_HALF_UP],
  loopMax: 32,
};

/**
 * Pass 3, one thread per (plane, row, chunk) over 3·n threads (n = rows·chunks): plane 0 sums
 * d_h², plane 1 d_h·d_l, plane 2 d_l², with d = w − μ = 256·d_h + d_l, d_h = floor(d / 256).
 * Bound: |d| < 2^16, so d_h ∈ [−256, 255] and every product ≤ 2^16; 256 terms ≤ 2^24.
 */
const SQUARES: KernelSource = {
  name: 'norm.squares',
  source: `function (x, mean, c, chunks, n, widen) {
  const t = this.thread.x;
  let plane = 0;
  let u = t;
  if (t > 2 * n - 0.5) {
    plane = 2;
    u = t - 2 * n;
  } else if (t > n - 0.5) {
    plane = 1;
    u = t - n;
  }
  const row = floorDiv(u, chunks);
  const start = (u - row * chunks) * 256;
  const base = row * c + start;
  const len = Math.min(c - start, 256);
  const mu = mean[row];
  let s = 0;
  for (let i = 0; i < len; i++) {
    const d = x[base + i] * widen - mu;
    const dh = Math.floor(d * 0.00390625);
    const dl = d - 256 * dh;
    if (plane < 0.5) {
      s = s + dh * dh;
    } else if (plane < 1.5) {
      s = s + dh * dl;
    } else {
      s = s + dl * dl;
    }
  }
  return s;
}`,
  functions: [FLOOR_DIV],
  loopMax: SQUARE_CHUNK,
};

/**
 * Pass 4, one thread per row: Q = Σ_chunks (2^16·A + 2^9·B + C) + eps in 16-bit words q2, q1, q0
 * (carried after every chunk), then r = isqrt(Q): the float32 square root of Q's float value is
 * within a few units of r ≤ 2^23.5, and up to 16 exact steps each way settle it (§3.4).
 * Bound: per chunk q0 gains < 2^17 and q1 gains |·| < 2^16 + 2^17 + 2^8 over words < 2^16;
 * q2 ≤ 2^15; squareCmp's bound above.
 */
const ROOT: KernelSource = {
  name: 'norm.root',
  source: `function (part, chunks, n, epsHi, epsLo) {
  const row = this.thread.x;
  let q0 = epsLo;
  let q1 = epsHi;
  let q2 = 0;
  for (let k = 0; k < chunks; k++) {
    const i = row * chunks + k;
    const a = part[i];
    const b = part[n + i];
    const cc = part[2 * n + i];
    const ah = Math.floor(a * 0.0000152587890625);
    const bh = Math.floor(b * 0.0078125);
    const ch = Math.floor(cc * 0.0000152587890625);
    q2 = q2 + ah;
    q1 = q1 + (a - ah * 65536) + bh + ch;
    q0 = q0 + (b - bh * 128) * 512 + (cc - ch * 65536);
    let carry = Math.floor(q0 * 0.0000152587890625);
    q0 = q0 - carry * 65536;
    q1 = q1 + carry;
    carry = Math.floor(q1 * 0.0000152587890625);
    q1 = q1 - carry * 65536;
    q2 = q2 + carry;
  }
  let r = Math.floor(Math.sqrt(q2 * 65536 * 65536 + q1 * 65536 + q0));
  for (let k = 0; k < 16; k++) {
    if (squareCmp(r, q2, q1, q0) > 0.5) { r = r - 1; }
  }
  for (let k = 0; k < 16; k++) {
    if (squareCmp(r + 1, q2, q1, q0) < 0.5) { r = r + 1; }
  }
  return r;
}`,
  functions: [SQUARE_CMP],
  loopMax: 64,
};

/**
 * Pass 5, one thread per output float (int32 output: n hi words then n lo words).
 * z = sign(d)·divRoundHalfUp(|d|·2^14, r); acc = z·(256·γ_h + γ_l) + β as 16-bit words with
 * carry, wrapped (G4); then sign(acc)·R(|acc|, M, n) and saturation.
 * Bound: |d|·2^14 < 2^30; |z| ≤ 2^14; |z·γ_h| ≤ 2^21, |z·γ_l| < 2^22; acc's low word before its
 * carry |·| < 2^16 + 2^22 + 2^16; its high word |·| < 2^13 + 2^15 + 2^7; R as in fixed_point.ts.
 * The int32 and the narrow variants are separate kernels because each may call only one of
 * mulShiftRoundPart / mulShiftRoundSmall: gpu.js orders GLSL functions by a call trace that puts
 * a helper shared by two callers (rCore) before its own callees.
 */
function outputKernel(int32: boolean): KernelSource {
  const requantize = int32
    ? `  const rh = mulShiftRoundPart(aHi, aLo, mHi, mLo, shift, 0);
  const rl = mulShiftRoundPart(aHi, aLo, mHi, mLo, shift, 1);
  if (accHi > -0.5) {
    if (rh > 32767.5) {
      if (part < 0.5) { return 32767; }
      return 65535;
    }
    if (part < 0.5) { return rh; }
    return rl;
  }
  if (rl > 0.5) {
    if (part < 0.5) { return 0 - rh - 1; }
    return 65536 - rl;
  }
  if (part < 0.5) { return 0 - rh; }
  return 0;`
    : `  let y = mulShiftRoundSmall(aHi, aLo, mHi, mLo, shift);
  if (accHi < -0.5) { y = 0 - y; }
  return Math.min(Math.max(y, lo), hi);`;
  return {
    name: int32 ? 'norm.output32' : 'norm.output',
    source: `function (x, mean, root, gamma, betaHi, betaLo, c, n, widen, mHi, mLo, shift, lo, hi) {
  const e = this.thread.x;
  let part = 0;
  let u = e;
  if (e > n - 0.5) {
    part = 1;
    u = e - n;
  }
  const row = floorDiv(u, c);
  const col = u - row * c;
  const d = x[u] * widen - mean[row];
  const r = root[row];
  let z = 0;
  if (r > 0.5) {
    const ad = Math.abs(d);
    const adh = Math.floor(ad * 0.25);
    z = divRoundHalfUpW(adh, (ad - 4 * adh) * 16384, r);
    if (d < 0) { z = 0 - z; }
  }
  const g = gamma[col];
  const gh = Math.floor(g * 0.00390625);
  const p = z * gh;
  const ph = Math.floor(p * 0.00390625);
  let accLo = (p - 256 * ph) * 256 + z * (g - 256 * gh) + betaLo[col];
  const carry = Math.floor(accLo * 0.0000152587890625);
  accLo = accLo - carry * 65536;
  const accHi = wrapHi(ph + betaHi[col] + carry);
  let aHi = accHi;
  let aLo = accLo;
  if (accHi < -0.5) {
    if (accLo > 0.5) {
      aHi = 0 - accHi - 1;
      aLo = 65536 - accLo;
    } else {
      aHi = 0 - accHi;
    }
  }
${requantize}
}`,
    functions: [FLOOR_DIV, WRAP_HI, DIV_ROUND_HALF_UP, ...R_FUNCTIONS],
  };
}

const OUTPUT = outputKernel(false);
const OUTPUT32 = outputKernel(true);

// Elements per batch of rows: keeps 3·rows·chunks and 2·elements below 2^23 (floorDiv's range).
const ELEMENTS_PER_RUN = 2 ** 21;

export const normKernel: KernelFunc = ({ backend, inputs, attrs, out }) => {
  const a = attrs as NormAttrs;
  const g = gpujs(backend);
  if (out.size === 0) return g.result('norm', new Float32Array(0), out.dtype, 0);
  const c = inputs[1]!.size;
  const gamma = g.derived(inputs[1]!, 'norm.gamma', valuePlane);
  const betaHi = a.hasBeta ? g.derived(inputs[2]!, 'norm.betaHi', hiPlane) : new Float32Array(c);
  const betaLo = a.hasBeta ? g.derived(inputs[2]!, 'norm.betaLo', loPlane) : new Float32Array(c);
  const widen = inputs[0]!.dtype === 'int8' ? 256 : 1;
  const [epsHi, epsLo] = splitWord(a.eps);
  const [mHi, mLo] = splitWord(a.multiplier);
  const limbs = out.dtype === 'int32' ? 2 : 1;
  const [lo, hi] = out.dtype === 'int8' ? [-128, 127] : [-32768, 32767];
  const sumChunks = Math.ceil(c / SUM_CHUNK);
  const squareChunks = Math.ceil(c / SQUARE_CHUNK);
  const rows = out.size / c;
  const perRun = Math.max(1, Math.floor(ELEMENTS_PER_RUN / c));
  const ranges: [number, number][] = [];
  for (let start = 0; start < rows; start += perRun) ranges.push([start * c, Math.min(rows, start + perRun) * c]);
  return g.pieces('norm', out.dtype, out.size, ranges, (e0, e1) => {
    const n = (e1 - e0) / c;
    const xs = g.plane(inputs[0]!, e0, e1);
    let mean: Plane = new Float32Array(n);
    if (a.subtractMean) {
      const sums = g.dispatch(SUM_W, n * sumChunks, [xs, c, sumChunks, widen]);
      mean = g.dispatch(MEAN, n, [sums, sumChunks, c]);
      g.free(sums);
    }
    const squares = g.dispatch(SQUARES, 3 * n * squareChunks, [xs, mean, c, squareChunks, n * squareChunks, widen]);
    const root = g.dispatch(ROOT, n, [squares, squareChunks, n * squareChunks, epsHi, epsLo]);
    const f = g.dispatch(limbs === 2 ? OUTPUT32 : OUTPUT, limbs * n * c, [xs, mean, root, gamma, betaHi, betaLo, c, n * c, widen, mHi, mLo, a.shift, lo, hi]);
    g.free(mean, squares, root);
    return f;
  });
};

