/**
 * gpu.js row kernels: expNeg and softmax (engine/NUMERICS.md §9), the causal mask (§8) and argmax
 * (§13), following §16.2.
 *
 * int32 inputs arrive as hi/lo limb planes (§16.1 G1) and are compared lexicographically on
 * (hi, lo). E(d) = T[f] >> k with u = R(d, M, n) uses R with 11-bit limbs (fixed_point.ts);
 * only u < 4096 matters, so min(R, 2^24) suffices. Row reductions are multi-pass, because
 * llvmpipe ends an invocation after about 65,535 loop iterations (§16.3):
 *   argmax:  first maximum per chunk of ARGMAX_CHUNK entries, then the first maximum over chunks;
 *   softmax: the row maximum as argmax's index, e_j per element, Σe per chunk of SUM_CHUNK,
 *            Σ per row in 16-bit words, then p_j = divRoundHalfUp(e_j·2^14, Σ) by G5.
 * Rows run in batches of at most BATCH elements, so every flat index (and floorDiv argument)
 * stays below 2^23 (G6).
 */
import { EXP2_NEG_Q15 } from '../../engine/constants.js';
import type { IntArray } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ScaleAttrs } from '../../engine/ops/softmax.js';
import { gpujs, hostData, type GpujsBackend, type KernelSource } from './backend.js';
import { LIMB_FUNCTIONS, R_FUNCTIONS, splitWord } from './fixed_point.js';
import { FLOOR_DIV } from './functions.js';
import { fromLimbs, fromValues, hiPlane, loPlane, valuePlane } from './planes.js';

/** Elements per run: flat indices < 2^22, and twice that (two output limbs) < 2^23. */
export const BATCH = 2 ** 22;
const ARGMAX_CHUNK = 4096;
/** 512 weights ≤ 2^15 sum to ≤ 2^24 (G4). */
export const SUM_CHUNK = 512;

/** The EXP2_NEG_Q15 table (§9.2) as a plane, uploaded next to the data. */
export const EXP_TABLE = Float32Array.from(EXP2_NEG_Q15);

/** Row ranges [r0, r1) of at most BATCH elements each; a row longer than BATCH cannot run. */
export function rowBatches(op: string, rows: number, len: number): [number, number][] {
  if (len > BATCH) throw new BackendError(op, `rows of ${len} elements exceed gpu.js's index range of ${BATCH} per run (§16 G6)`);
  const per = Math.max(1, Math.floor(BATCH / Math.max(len, 1)));
  const out: [number, number][] = [];
  for (let r0 = 0; r0 < rows; r0 += per) out.push([r0, Math.min(rows, r0 + per)]);
  return out;
}

/**
 * E's last step (§9.3) from t = T[f] and k = u >> 8 ∈ [0, 15]: t for k = 0, else
 * (t + 2^(k−1)) >> k. Bound: t + 2^(k−1) < 2^16; powers of two are exact.
 */
const EXP_SHIFT = `function expShift(t, k) {
  if (k < 0.5) { return t; }
  let half = 0.5;
  let inv = 1;
  for (let i = 0; i < 15; i++) {
    if (i < k) {
      half = half * 2;
      inv = inv * 0.5;
    }
  }
  return Math.floor((t + half) * inv);
}`;

/** Helpers for kernels that compute E (§9.3): R, int32 limb helpers, the shift, floorDiv. */
export const EXP_FUNCTIONS: readonly string[] = [...R_FUNCTIONS, ...LIMB_FUNCTIONS, EXP_SHIFT, FLOOR_DIV];

/**
 * Kernel-body lines that set `e = E(d)` for d = dh·2^16 + dl < 2^32, with the table `table` and
 * the scale words qh, ql, qn in scope. Only u < 4096 gives a nonzero weight, so k, f come by G2.
 */
export const EXP_BODY = `  const u = mulShiftRoundSmall(dh, dl, qh, ql, qn);
  let e = 0;
  if (u < 4095.5) {
    const k = Math.floor(u * 0.00390625);
    e = expShift(table[u - 256 * k], k);
  }`;

/**
 * Kernel-body lines that set (dh, dl), the 16-bit words of d = m − x ∈ [0, 2^32) for int32 limbs
 * (mh, ml) ≥ (xh, xl). Bound: |mh − xh| ≤ 2^16, |ml − xl| < 2^16.
 */
export const DIFF_BODY = `  let dh = mh - xh;
  let dl = ml - xl;
  if (dl < -0.5) {
    dl = dl + 65536;
    dh = dh - 1;
  }`;

/** The scale {M, n} as kernel arguments qh, ql, qn (M's 16-bit words). */
export function scaleArgs(a: { multiplier: number; shift: number }): [number, number, number] {
  const [qh, ql] = splitWord(a.multiplier);
  return [qh, ql, a.shift];
}

/** The host elements of rows [r0, r1) of length len, without copying. */
function rowSlice(x: IntArray, r0: number, r1: number, len: number): IntArray {
  return x.subarray(r0 * len, r1 * len);
}

// Threads: one per element. d = max(−x, 0) as 16-bit words: |x| for negative x (hi limb < 0).
// Bound: R's own (fixed_point.ts); u ≤ 2^24; E's step < 2^16.
const EXP_NEG: KernelSource = {
  name: 'rows.expNeg',
  functions: EXP_FUNCTIONS,
  source: `function (xhs, xls, table, qh, ql, qn) {
  const t = this.thread.x;
  const xh = xhs[t];
  const xl = xls[t];
  let dh = 0;
  let dl = 0;
  if (xh < -0.5) {
    dh = absHi(xh, xl);
    dl = absLo(xh, xl);
  }
${EXP_BODY}
  return e;
}`,
};

export const expNegKernel: KernelFunc<ScaleAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpujs(backend);
  const x = hostData(inputs[0]!);
  const y = new Int32Array(out.size);
  for (const [i0, i1] of rowBatches('expNeg', out.size, 1)) {
    const part = x.subarray(i0, i1);
    const f = g.run(EXP_NEG, i1 - i0, [hiPlane(part), loPlane(part), EXP_TABLE, ...scaleArgs(attrs)]);
    y.set(fromValues('expNeg', f, 'int32', i1 - i0), i0);
  }
  return y;
};

// Threads: the hi limbs of a batch's n elements, then their lo limbs. Element i sits in row
// r = floor(i / s) of its batch, i.e. row (phase + r) mod t of its [t, s] matrix, column
// j = i mod s; off = min(offset, s) masks exactly what offset does, since j < s.
// Bound: indices only, i < 2^22, phase + r < 2^23.
const CAUSAL_MASK: KernelSource = {
  name: 'rows.causalMask',
  functions: [FLOOR_DIV],
  source: `function (xh, xl, n, s, t, off, phase) {
  let i = this.thread.x;
  let lo = 0;
  if (i >= n) {
    i = i - n;
    lo = 1;
  }
  const r = floorDiv(i, s);
  const j = i - r * s;
  const q = phase + r;
  const row = q - floorDiv(q, t) * t;
  if (j > row + off) {
    if (lo > 0.5) { return 0; }
    return -32768;
  }
  if (lo > 0.5) { return xl[i]; }
  return xh[i];
}`,
};

export const causalMaskKernel: KernelFunc<{ offset: number }> = ({ backend, inputs, attrs, out }) => {
  const g = gpujs(backend);
  const x = hostData(inputs[0]!);
  const y = new Int32Array(out.size);
  if (out.size === 0) return y;
  const [t, s] = out.shape.slice(-2) as [number, number];
  const rows = out.size / s;
  for (const [r0, r1] of rowBatches('causalMask', rows, s)) {
    const part = rowSlice(x, r0, r1, s);
    const n = part.length;
    const f = g.run(CAUSAL_MASK, 2 * n, [hiPlane(part), loPlane(part), n, s, t, Math.min(attrs.offset, s), r0 % t]);
    y.set(fromLimbs('causalMask', f, n), r0 * s);
  }
  return y;
};

// Threads: one per (row, chunk); the row-relative index of the chunk's first maximum.
// Bound: indices only, < 2^22.
const ARGMAX_CHUNK_KERNEL: KernelSource = {
  name: 'rows.argmaxChunk',
  functions: [FLOOR_DIV],
  loopMax: ARGMAX_CHUNK,
  source: `function (xh, xl, len, chunks) {
  const t = this.thread.x;
  const row = floorDiv(t, chunks);
  const j0 = (t - row * chunks) * ${ARGMAX_CHUNK};
  const base = row * len;
  const cnt = Math.min(len - j0, ${ARGMAX_CHUNK});
  let best = j0;
  let bh = xh[base + j0];
  let bl = xl[base + j0];
  for (let i = 1; i < cnt; i++) {
    const h = xh[base + j0 + i];
    const l = xl[base + j0 + i];
    if (h > bh || (h == bh && l > bl)) {
      best = j0 + i;
      bh = h;
      bl = l;
    }
  }
  return best;
}`,
};

// Threads: one per row; the first maximum over the chunk candidates, taken in chunk order.
// Bound: indices only; chunks ≤ BATCH / ARGMAX_CHUNK = 1024.
const ARGMAX_REDUCE: KernelSource = {
  name: 'rows.argmaxReduce',
  loopMax: BATCH / ARGMAX_CHUNK,
  source: `function (xh, xl, part, len, chunks) {
  const row = this.thread.x;
  const base = row * len;
  let best = part[row * chunks];
  let bh = xh[base + best];
  let bl = xl[base + best];
  for (let c = 1; c < chunks; c++) {
    const j = part[row * chunks + c];
    const h = xh[base + j];
    const l = xl[base + j];
    if (h > bh || (h == bh && l > bl)) {
      best = j;
      bh = h;
      bl = l;
    }
  }
  return best;
}`,
};

/** Per row of the planes, the index of its first maximum (§13) as floats. */
function rowArgmax(g: GpujsBackend, xh: Float32Array, xl: Float32Array, rows: number, len: number): Float32Array {
  const chunks = Math.ceil(len / ARGMAX_CHUNK);
  const part = g.run(ARGMAX_CHUNK_KERNEL, rows * chunks, [xh, xl, len, chunks]);
  if (chunks === 1) return part;
  return g.run(ARGMAX_REDUCE, rows, [xh, xl, part, len, chunks]);
}

export const argmaxKernel: KernelFunc = ({ backend, inputs, out }) => {
  const g = gpujs(backend);
  const xt = inputs[0]!;
  const x = hostData(xt);
  const y = new Int32Array(out.size);
  if (out.size === 0) return y;
  const len = x.length / out.size;
  for (const [r0, r1] of rowBatches('argmax', out.size, len)) {
    const part = rowSlice(x, r0, r1, len);
    // int8/int16 values are their own hi limb over a lo limb of 0.
    const wide = xt.dtype === 'int32';
    const xh = wide ? hiPlane(part) : valuePlane(part);
    const xl = wide ? loPlane(part) : new Float32Array(part.length);
    y.set(fromValues('argmax', rowArgmax(g, xh, xl, r1 - r0, len), 'int32', r1 - r0), r0);
  }
  return y;
};

// Threads: one per element; e_j = E(m − x_j), 0 for masked x_j and fully masked rows, m read at
// the row's argmax. Bound: DIFF_BODY's and EXP_BODY's.
const SOFTMAX_WEIGHTS: KernelSource = {
  name: 'rows.softmaxWeights',
  functions: EXP_FUNCTIONS,
  source: `function (xhs, xls, best, len, table, qh, ql, qn) {
  const t = this.thread.x;
  const row = floorDiv(t, len);
  const at = row * len + best[row];
  const mh = xhs[at];
  const ml = xls[at];
  const xh = xhs[t];
  const xl = xls[t];
  if (xh < -32767.5 && xl < 0.5) { return 0; }
${DIFF_BODY}
${EXP_BODY}
  return e;
}`,
};

/**
 * Threads: one per (row, chunk); the sum of e over positions [c·512, min((c+1)·512, len)) of a
 * row that starts at row·stride. Bound: 512 weights ≤ 2^15, so the sum ≤ 2^24.
 */
export const CHUNK_SUM: KernelSource = {
  name: 'rows.chunkSum',
  functions: [FLOOR_DIV],
  loopMax: SUM_CHUNK,
  source: `function (e, stride, len, chunks) {
  const t = this.thread.x;
  const row = floorDiv(t, chunks);
  const j0 = (t - row * chunks) * ${SUM_CHUNK};
  const base = row * stride + j0;
  const cnt = Math.min(len - j0, ${SUM_CHUNK});
  let s = 0;
  for (let i = 0; i < cnt; i++) { s = s + e[base + i]; }
  return s;
}`,
};

// Threads: the hi words of the rows' Σ, then their lo words; chunk sums folded into 16-bit words
// (G4). Bound: ≤ 128 chunks, so lo < 2^7·2^16 = 2^23 and hi ≤ 2^15 (Σ ≤ 2^31).
const ROW_SUM: KernelSource = {
  name: 'rows.rowSum',
  loopMax: 65536 / SUM_CHUNK,
  source: `function (part, chunks, rows) {
  let row = this.thread.x;
  let lo = 0;
  if (row >= rows) {
    row = row - rows;
    lo = 1;
  }
  let sh = 0;
  let sl = 0;
  for (let c = 0; c < chunks; c++) {
    const s = part[row * chunks + c];
    const h = Math.floor(s * 0.0000152587890625);
    sh = sh + h;
    sl = sl + (s - h * 65536);
  }
  const carry = Math.floor(sl * 0.0000152587890625);
  if (lo > 0.5) { return sl - carry * 65536; }
  return sh + carry;
}`,
};

/**
 * The sign of k·b − e·2^15 for b = bh·2^16 + bl ≤ 2^31 (bl < 2^16), 0 ≤ k < 2^16 and e ≤ 2^15:
 * k·bl from 8-bit limbs, then (hi, lo) 16-bit words compared lexicographically. Bound: byte
 * products < 2^16, the middle column < 2^17, the low word < 2^17; k·bh < 2^18 because callers
 * keep k within 5 of 2e·2^14/b (so k·bh ≤ e·2^15·bh/b + 5·bh ≤ 2^14 + 5·2^15).
 */
const MUL_CMP = `function mulCmp(k, bh, bl, e) {
  const k1 = Math.floor(k * 0.00390625);
  const k0 = k - 256 * k1;
  const b1 = Math.floor(bl * 0.00390625);
  const b0 = bl - 256 * b1;
  const mid = k1 * b0 + k0 * b1;
  const midHi = Math.floor(mid * 0.00390625);
  let w0 = k0 * b0 + (mid - 256 * midHi) * 256;
  const carry = Math.floor(w0 * 0.0000152587890625);
  w0 = w0 - carry * 65536;
  const w1 = k * bh + k1 * b1 + midHi + carry;
  const a1 = Math.floor(e * 0.5);
  const a0 = (e - 2 * a1) * 32768;
  if (w1 > a1 + 0.5) { return 1; }
  if (w1 < a1 - 0.5) { return -1; }
  if (w0 > a0 + 0.5) { return 1; }
  if (w0 < a0 - 0.5) { return -1; }
  return 0;
}`;

/**
 * p = divRoundHalfUp(e·2^14, b) = floor((2a + b) / 2b), a = e·2^14, by G5: a float estimate,
 * then exact steps until b·(2p − 1) ≤ 2a < b·(2p + 1). The estimate's relative error is a few
 * 2^−24 on a quotient ≤ 2^14, so it is off by at most 1; two steps each way are to spare.
 * Bound: e·2^14 ≤ 2^29 is exact; mulCmp's.
 */
const SOFTMAX_DIV = `function softmaxDiv(e, bh, bl) {
  let p = Math.floor((e * 16384) / (bh * 65536 + bl) + 0.5);
  for (let i = 0; i < 2; i++) {
    if (p > 0.5) {
      if (mulCmp(2 * p - 1, bh, bl, e) > 0) { p = p - 1; }
    }
  }
  for (let i = 0; i < 2; i++) {
    if (mulCmp(2 * p + 1, bh, bl, e) < 0.5) { p = p + 1; }
  }
  return p;
}`;

// Threads: one per element; p = 0 where e = 0 (masked entries, fully masked rows: Σ = 0 only
// there). Bound: SOFTMAX_DIV's.
const SOFTMAX_OUT: KernelSource = {
  name: 'rows.softmaxOut',
  functions: [MUL_CMP, SOFTMAX_DIV, FLOOR_DIV],
  source: `function (e, sums, len, rows) {
  const t = this.thread.x;
  const v = e[t];
  if (v < 0.5) { return 0; }
  const row = floorDiv(t, len);
  return softmaxDiv(v, sums[row], sums[rows + row]);
}`,
};

export const softmaxKernel: KernelFunc<ScaleAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpujs(backend);
  const x = hostData(inputs[0]!);
  const y = new Int16Array(out.size);
  if (out.size === 0) return y;
  const len = out.shape[out.shape.length - 1]!;
  const chunks = Math.ceil(len / SUM_CHUNK);
  for (const [r0, r1] of rowBatches('softmax', out.size / len, len)) {
    const part = rowSlice(x, r0, r1, len);
    const rows = r1 - r0;
    const xh = hiPlane(part);
    const xl = loPlane(part);
    const best = rowArgmax(g, xh, xl, rows, len);
    const e = g.run(SOFTMAX_WEIGHTS, part.length, [xh, xl, best, len, EXP_TABLE, ...scaleArgs(attrs)]);
    const sums = g.run(ROW_SUM, 2 * rows, [g.run(CHUNK_SUM, rows * chunks, [e, len, len, chunks]), chunks, rows]);
    const p = g.run(SOFTMAX_OUT, part.length, [e, sums, len, rows]);
    y.set(fromValues('softmax', p, 'int16', part.length), r0 * len);
  }
  return y;
};

