/**
 * gpu.js integer exp and softmax (engine/NUMERICS.md §9) and the causal mask (§8), following
 * §16.2.
 *
 * int32 inputs arrive as one packed plane of n elements, hi limbs at [0, n), lo limbs at
 * [n, 2n) (§16.1 G1), and are compared lexicographically on (hi, lo). E(d) comes from fixed_point.ts. softmax is multi-pass, because llvmpipe ends an
 * invocation after about 65,535 loop iterations (§16.3): the row maximum as argmax's index
 * (sample.ts), e_j per element, Σe per chunk of SUM_CHUNK, Σ per row in 16-bit words, then
 * p_j = divRoundHalfUp(e_j·2^14, Σ) by G5. Rows run in batches (row_chunks.ts, G6).
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { ScaleAttrs } from '../../engine/ops/softmax.js';
import { gpujs, type KernelSource } from './backend.js';
import { DIFF_BODY, EXP_BODY, EXP_FUNCTIONS, expTable, scaleArgs } from './fixed_point.js';
import { FLOOR_DIV } from './functions.js';
import { CHUNK_SUM, SUM_CHUNK, elementRanges, rowBatches } from './row_chunks.js';
import { rowArgmax } from './sample.js';

// Threads: one per element. d = max(−x, 0) as 16-bit words: |x| for negative x (hi limb < 0).
// Bound: R's own (fixed_point.ts); u ≤ 2^24; E's step < 2^16.
const EXP_NEG: KernelSource = {
  name: 'rows.expNeg',
  functions: EXP_FUNCTIONS,
  source: `function (x, n, table, qh, ql, qn) {
  const t = this.thread.x;
  const xh = x[t];
  const xl = x[n + t];
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
  return g.pieces('expNeg', 'int32', out.size, rowBatches('expNeg', out.size, 1), (i0, i1) =>
    g.dispatch(EXP_NEG, i1 - i0, [g.plane(inputs[0]!, i0, i1), i1 - i0, expTable(g), ...scaleArgs(attrs)]),
    'values',
  );
};

// Threads: the hi limbs of a batch's n elements, then their lo limbs. Element i sits in row
// r = floor(i / s) of its batch, i.e. row (phase + r) mod t of its [t, s] matrix, column
// j = i mod s; off = min(offset, s) masks exactly what offset does, since j < s.
// Bound: indices only, i < 2^22, phase + r < 2^23.
const CAUSAL_MASK: KernelSource = {
  name: 'rows.causalMask',
  functions: [FLOOR_DIV],
  source: `function (x, n, s, t, off, phase) {
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
  if (lo > 0.5) { return x[n + i]; }
  return x[i];
}`,
};

export const causalMaskKernel: KernelFunc<{ offset: number }> = ({ backend, inputs, attrs, out }) => {
  const g = gpujs(backend);
  if (out.size === 0) return g.result('causalMask', new Float32Array(0), 'int32', 0);
  const [t, s] = out.shape.slice(-2) as [number, number];
  const rows = out.size / s;
  return g.pieces('causalMask', 'int32', out.size, elementRanges(rowBatches('causalMask', rows, s), s), (e0, e1) =>
    g.dispatch(CAUSAL_MASK, 2 * (e1 - e0), [g.plane(inputs[0]!, e0, e1), e1 - e0, s, t, Math.min(attrs.offset, s), (e0 / s) % t]),
  );
};

// Threads: one per element; e_j = E(m − x_j), 0 for masked x_j and fully masked rows, m read at
// the row's argmax. Bound: DIFF_BODY's and EXP_BODY's.
const SOFTMAX_WEIGHTS: KernelSource = {
  name: 'rows.softmaxWeights',
  functions: EXP_FUNCTIONS,
  source: `function (x, n, best, len, table, qh, ql, qn) {
  const t = this.thread.x;
  const row = floorDiv(t, len);
  const at = row * len + best[row];
  const mh = x[at];
  const ml = x[n + at];
  const xh = x[t];
  const xl = x[n + t];
  if (xh < -32767.5 && xl < 0.5) { return 0; }
${DIFF_BODY}
${EXP_BODY}
  return e;
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
  if (out.size === 0) return g.result('softmax', new Float32Array(0), 'int16', 0);
  const len = out.shape[out.shape.length - 1]!;
  const chunks = Math.ceil(len / SUM_CHUNK);
  return g.pieces('softmax', 'int16', out.size, elementRanges(rowBatches('softmax', out.size / len, len), len), (e0, e1) => {
    const n = e1 - e0;
    const rows = n / len;
    const x = g.plane(inputs[0]!, e0, e1);
    const best = rowArgmax(g, x, n, 1, rows, len);
    const e = g.dispatch(SOFTMAX_WEIGHTS, n, [x, n, best, len, expTable(g), ...scaleArgs(attrs)]);
    const part = g.dispatch(CHUNK_SUM, rows * chunks, [e, len, len, chunks]);
    const sums = g.dispatch(ROW_SUM, 2 * rows, [part, chunks, rows]);
    const p = g.dispatch(SOFTMAX_OUT, n, [e, sums, len, rows]);
    g.free(best, e, part, sums);
    return p;
  });
};
