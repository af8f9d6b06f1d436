/**
 * gpu.js argmax (engine/NUMERICS.md §13) and deterministic sampling (§14: top-k / top-p with
 * Philox4x32-10), following §16.2.
 *
 * argmax compares int32 limbs (hi, lo) lexicographically in two passes, because llvmpipe ends an
 * invocation after about 65,535 loop iterations (§16.3): the first maximum per chunk of
 * ARGMAX_CHUNK entries, then the first maximum over chunks. softmax.ts finds its row maximum
 * with the same passes.
 *
 * sample: per row the candidate order (x desc, j asc, on int32 limbs (hi, lo)) comes from ranks
 * in two runs for rows of up to RANK_MAX_V entries (sample_rank.ts). A longer row keeps only its
 * candidates of positive weight (sample_preselect.ts), ranked when there are at most RANK_MAX_V of
 * them and merge-sorted beyond (sample_sort.ts; padding, index v, comes last). Then
 * e = E(top − x) at every ordered position (fixed_point.ts's E),
 * Σe per chunk of 512 positions below topK's cut (row_chunks.ts), and one thread per row folds
 * the chunk sums into 16-bit words, finds the top-p cut, draws Philox's word 0 and walks to the
 * drawn candidate, scanning inside one chunk only (llvmpipe's loop budget, §16.3).
 *
 * Inputs arrive as one packed plane of n elements (planes.ts): int32 hi limbs at [0, n), lo limbs
 * at [n, 2n); an int8/int16 value is its own hi limb over a lo limb of 0 (argmax's `wide` = 0).
 * 32-bit words travel as two 16-bit halves. Products of 32-bit words (Philox, topP·W, rand·W)
 * use 8-bit limbs (G3) and XOR goes bit by bit (G2).
 */
import { PHILOX_M0, PHILOX_M1, PHILOX_ROUNDS, PHILOX_W0, PHILOX_W1 } from '../../engine/constants.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { SampleAttrs } from '../../engine/ops/sample.js';
import { TOP_P_ONE } from '../../engine/ops/sample.js';
import { gpujs, type GpujsBackend, type KernelSource } from './backend.js';
import { DIFF_BODY, EXP_BODY, EXP_FUNCTIONS, expTable, scaleArgs, splitWord } from './fixed_point.js';
import { FLOOR_DIV } from './functions.js';
import type { Plane } from './storage.js';
import { BATCH, CHUNK_SUM, SUM_CHUNK, elementRanges, rowBatches } from './row_chunks.js';
import { RANK_MAX_V, rankedOrder } from './sample_rank.js';
import { paddedLength } from './sample_sort.js';
import { preselectedOrder, type Preselected } from './sample_preselect.js';

const ARGMAX_CHUNK = 4096;

// Threads: one per (row, chunk); the row-relative index of the chunk's first maximum.
// Bound: indices only, < 2^22.
const ARGMAX_CHUNK_KERNEL: KernelSource = {
  name: 'rows.argmaxChunk',
  functions: [FLOOR_DIV],
  loopMax: ARGMAX_CHUNK,
  source: `function (x, n, wide, len, chunks) {
  const t = this.thread.x;
  const row = floorDiv(t, chunks);
  const j0 = (t - row * chunks) * ${ARGMAX_CHUNK};
  const base = row * len;
  const cnt = Math.min(len - j0, ${ARGMAX_CHUNK});
  let best = j0;
  let bh = x[base + j0];
  let bl = 0;
  if (wide > 0.5) { bl = x[n + base + j0]; }
  for (let i = 1; i < cnt; i++) {
    const h = x[base + j0 + i];
    let l = 0;
    if (wide > 0.5) { l = x[n + base + j0 + i]; }
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
  source: `function (x, n, wide, part, len, chunks) {
  const row = this.thread.x;
  const base = row * len;
  let best = part[row * chunks];
  let bh = x[base + best];
  let bl = 0;
  if (wide > 0.5) { bl = x[n + base + best]; }
  for (let c = 1; c < chunks; c++) {
    const j = part[row * chunks + c];
    const h = x[base + j];
    let l = 0;
    if (wide > 0.5) { l = x[n + base + j]; }
    if (h > bh || (h == bh && l > bl)) {
      best = j;
      bh = h;
      bl = l;
    }
  }
  return best;
}`,
};

/** Per row of the packed plane x of n elements, the index of its first maximum (§13) as floats. */
export function rowArgmax(g: GpujsBackend, x: Plane, n: number, wide: number, rows: number, len: number): Plane {
  const chunks = Math.ceil(len / ARGMAX_CHUNK);
  const part = g.dispatch(ARGMAX_CHUNK_KERNEL, rows * chunks, [x, n, wide, len, chunks]);
  if (chunks === 1) return part;
  const best = g.dispatch(ARGMAX_REDUCE, rows, [x, n, wide, part, len, chunks]);
  g.free(part);
  return best;
}

export const argmaxKernel: KernelFunc = ({ backend, inputs, out }) => {
  const g = gpujs(backend);
  const xt = inputs[0]!;
  if (out.size === 0) return g.result('argmax', new Float32Array(0), 'int32', 0);
  // Indices below 2^24: one float each ('values'), not limbs.
  const len = xt.size / out.size;
  const wide = xt.dtype === 'int32' ? 1 : 0;
  // Output element r is row r: the runs' element ranges are their row ranges.
  return g.pieces('argmax', 'int32', out.size, rowBatches('argmax', out.size, len), (r0, r1) =>
    rowArgmax(g, g.plane(xt, r0 * len, r1 * len), (r1 - r0) * len, wide, r1 - r0, len),
    'values',
  );
};

/**
 * 16-bit word w (0 = lowest … 3) of the 64-bit product of a = ah·2^16 + al and b = bh·2^16 + bl
 * (all words < 2^16), from 8-bit limbs. Bound: each column ≤ 4·255² < 2^18, plus a carry < 2^11.
 */
const UMUL_WORD = `function umulWord(ah, al, bh, bl, w) {
  const a3 = Math.floor(ah * 0.00390625);
  const a2 = ah - 256 * a3;
  const a1 = Math.floor(al * 0.00390625);
  const a0 = al - 256 * a1;
  const b3 = Math.floor(bh * 0.00390625);
  const b2 = bh - 256 * b3;
  const b1 = Math.floor(bl * 0.00390625);
  const b0 = bl - 256 * b1;
  let c = a0 * b0;
  let k = Math.floor(c * 0.00390625);
  const y0 = c - 256 * k;
  c = a0 * b1 + a1 * b0 + k;
  k = Math.floor(c * 0.00390625);
  const y1 = c - 256 * k;
  c = a0 * b2 + a1 * b1 + a2 * b0 + k;
  k = Math.floor(c * 0.00390625);
  const y2 = c - 256 * k;
  c = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + k;
  k = Math.floor(c * 0.00390625);
  const y3 = c - 256 * k;
  c = a1 * b3 + a2 * b2 + a3 * b1 + k;
  k = Math.floor(c * 0.00390625);
  const y4 = c - 256 * k;
  c = a2 * b3 + a3 * b2 + k;
  k = Math.floor(c * 0.00390625);
  const y5 = c - 256 * k;
  c = a3 * b3 + k;
  k = Math.floor(c * 0.00390625);
  const y6 = c - 256 * k;
  const y7 = k;
  if (w < 0.5) { return y0 + 256 * y1; }
  if (w < 1.5) { return y2 + 256 * y3; }
  if (w < 2.5) { return y4 + 256 * y5; }
  return y6 + 256 * y7;
}`;

/** a ⊕ b ⊕ c for 16-bit words, bit by bit (G2). Bound: values < 2^16. */
const XOR3 = `function xor3(a, b, c) {
  let x = a;
  let y = b;
  let z = c;
  let r = 0;
  let p = 1;
  for (let i = 0; i < 16; i++) {
    const hx = Math.floor(x * 0.5);
    const hy = Math.floor(y * 0.5);
    const hz = Math.floor(z * 0.5);
    const s = (x - 2 * hx) + (y - 2 * hy) + (z - 2 * hz);
    r = r + p * (s - 2 * Math.floor(s * 0.5));
    x = hx;
    y = hy;
    z = hz;
    p = p * 2;
  }
  return r;
}`;

const [M0H, M0L] = splitWord(PHILOX_M0);
const [M1H, M1L] = splitWord(PHILOX_M1);
const [W0H, W0L] = splitWord(PHILOX_W0);
const [W1H, W1L] = splitWord(PHILOX_W1);

/**
 * Half `half` (0 = high 16 bits, 1 = low) of word 0 of Philox4x32-10 (§14.1) for counter
 * (c0, c1, c2, 0) and key (k0, k1), every word given as its 16-bit halves. The key bump adds the
 * halves with a carry and drops the carry out of bit 32. Bound: umulWord's and xor3's; sums of
 * halves < 2^17.
 */
const PHILOX_WORD0 = `function philoxWord0(c0h, c0l, c1h, c1l, c2h, c2l, k0h, k0l, k1h, k1l, half) {
  let x0h = c0h;
  let x0l = c0l;
  let x1h = c1h;
  let x1l = c1l;
  let x2h = c2h;
  let x2l = c2l;
  let x3h = 0;
  let x3l = 0;
  let key0h = k0h;
  let key0l = k0l;
  let key1h = k1h;
  let key1l = k1l;
  for (let round = 0; round < ${PHILOX_ROUNDS}; round++) {
    if (round > 0) {
      let s = key0l + ${W0L};
      let carry = Math.floor(s * 0.0000152587890625);
      key0l = s - 65536 * carry;
      s = key0h + ${W0H} + carry;
      key0h = s - 65536 * Math.floor(s * 0.0000152587890625);
      s = key1l + ${W1L};
      carry = Math.floor(s * 0.0000152587890625);
      key1l = s - 65536 * carry;
      s = key1h + ${W1H} + carry;
      key1h = s - 65536 * Math.floor(s * 0.0000152587890625);
    }
    const hi0h = umulWord(${M0H}, ${M0L}, x0h, x0l, 3);
    const hi0l = umulWord(${M0H}, ${M0L}, x0h, x0l, 2);
    const lo0h = umulWord(${M0H}, ${M0L}, x0h, x0l, 1);
    const lo0l = umulWord(${M0H}, ${M0L}, x0h, x0l, 0);
    const hi1h = umulWord(${M1H}, ${M1L}, x2h, x2l, 3);
    const hi1l = umulWord(${M1H}, ${M1L}, x2h, x2l, 2);
    const lo1h = umulWord(${M1H}, ${M1L}, x2h, x2l, 1);
    const lo1l = umulWord(${M1H}, ${M1L}, x2h, x2l, 0);
    x0h = xor3(hi1h, x1h, key0h);
    x0l = xor3(hi1l, x1l, key0l);
    x1h = lo1h;
    x1l = lo1l;
    x2h = xor3(hi0h, x3h, key1h);
    x2l = xor3(hi0l, x3l, key1l);
    x3h = lo0h;
    x3l = lo0l;
  }
  if (half < 0.5) { return x0h; }
  return x0l;
}`;

// Threads: one per (row, position) of rows of p2 ordered candidates; e = E(top − x) with top the
// row's first candidate, 0 for padding (an index ≥ v), masked entries and fully masked rows. Bound: DIFF_BODY's and EXP_BODY's.
const SORTED_WEIGHTS: KernelSource = {
  name: 'sample.weights',
  functions: EXP_FUNCTIONS,
  source: `function (x, n, idx, v, p2, table, qh, ql, qn) {
  const t = this.thread.x;
  const row = floorDiv(t, p2);
  const j = idx[t];
  if (j > v - 0.5) { return 0; }
  const top = row * v + idx[row * p2];
  const at = row * v + j;
  const mh = x[top];
  const ml = x[n + top];
  const xh = x[at];
  const xl = x[n + at];
  if (xh < -32767.5 && xl < 0.5) { return 0; }
${DIFF_BODY}
${EXP_BODY}
  return e;
}`,
};

// Threads: one per row of the batch. Running sums are kept as 16-bit words (h, l) and compared
// lexicographically; a chunk sum (≤ 2^24) or a weight (≤ 2^15) is added as its words with one
// carry. The top-p goal G = ceil(topP·W / 2^16) turns cum·2^16 ≥ topP·W into cum ≥ G, a
// comparison of 32-bit values. The row's counter word is (r0h, r0l) + row, with a carry.
// Each walk first finds the chunk where the running sum crosses, then scans inside it.
// Bound: W, cum, G, u ≤ 2^31 as words; lo words < 2^17 before their carry; umulWord's.
const PICK: KernelSource = {
  name: 'sample.pick',
  functions: [UMUL_WORD, XOR3, PHILOX_WORD0],
  loopMax: 65536 / SUM_CHUNK,
  source: `function (e, idx, part, p2, kept, chunks, topP, r0h, r0l, sdLh, sdLl, sdHh, sdHl, stLh, stLl, stHh, stHl) {
  const row = this.thread.x;
  let wh = 0;
  let wl = 0;
  for (let c0 = 0; c0 < chunks; c0++) {
    const s0 = part[row * chunks + c0];
    const s0h = Math.floor(s0 * 0.0000152587890625);
    wh = wh + s0h;
    wl = wl + (s0 - 65536 * s0h);
  }
  const wc = Math.floor(wl * 0.0000152587890625);
  wl = wl - 65536 * wc;
  wh = wh + wc;
  let last = kept;
  if (topP < ${TOP_P_ONE - 0.5}) {
    const gw = umulWord(0, topP, wh, wl, 0);
    let gl = umulWord(0, topP, wh, wl, 1);
    let gh = umulWord(0, topP, wh, wl, 2);
    if (gw > 0.5) { gl = gl + 1; }
    if (gl > 65535.5) {
      gl = gl - 65536;
      gh = gh + 1;
    }
    let ph = 0;
    let pl = 0;
    let pc = 0;
    let pFound = 0;
    for (let c1 = 0; c1 < chunks; c1++) {
      if (pFound < 0.5) {
        const s1 = part[row * chunks + c1];
        const s1h = Math.floor(s1 * 0.0000152587890625);
        let nh = ph + s1h;
        let nl = pl + (s1 - 65536 * s1h);
        if (nl > 65535.5) {
          nl = nl - 65536;
          nh = nh + 1;
        }
        if (c1 + 1 >= chunks || nh > gh || (nh == gh && nl >= gl)) {
          pFound = 1;
          pc = c1;
        } else {
          ph = nh;
          pl = nl;
        }
      }
    }
    let pDone = 0;
    for (let i1 = 0; i1 < ${SUM_CHUNK}; i1++) {
      const q1 = pc * ${SUM_CHUNK} + i1;
      if (pDone < 0.5 && q1 < kept) {
        pl = pl + e[row * p2 + q1];
        if (pl > 65535.5) {
          pl = pl - 65536;
          ph = ph + 1;
        }
        if (ph > gh || (ph == gh && pl >= gl)) {
          pDone = 1;
          last = q1 + 1;
          wh = ph;
          wl = pl;
        }
      }
    }
  }
  const first = idx[row * p2];
  if (wh < 0.5 && wl < 0.5) { return first; }
  let rl = r0l + row;
  const rc = Math.floor(rl * 0.0000152587890625);
  rl = rl - 65536 * rc;
  const rh = r0h + rc;
  const randH = philoxWord0(stLh, stLl, stHh, stHl, rh, rl, sdLh, sdLl, sdHh, sdHl, 0);
  const randL = philoxWord0(stLh, stLl, stHh, stHl, rh, rl, sdLh, sdLl, sdHh, sdHl, 1);
  const uh = umulWord(randH, randL, wh, wl, 3);
  const ul = umulWord(randH, randL, wh, wl, 2);
  let dh = 0;
  let dl = 0;
  let dc = 0;
  let dFound = 0;
  for (let c2 = 0; c2 < chunks; c2++) {
    if (dFound < 0.5) {
      const s2 = part[row * chunks + c2];
      const s2h = Math.floor(s2 * 0.0000152587890625);
      let mh = dh + s2h;
      let ml = dl + (s2 - 65536 * s2h);
      if (ml > 65535.5) {
        ml = ml - 65536;
        mh = mh + 1;
      }
      if (c2 + 1 >= chunks || mh > uh || (mh == uh && ml > ul)) {
        dFound = 1;
        dc = c2;
      } else {
        dh = mh;
        dl = ml;
      }
    }
  }
  let pick = first;
  let dDone = 0;
  for (let i2 = 0; i2 < ${SUM_CHUNK}; i2++) {
    const q2 = dc * ${SUM_CHUNK} + i2;
    if (dDone < 0.5 && q2 < last) {
      dl = dl + e[row * p2 + q2];
      if (dl > 65535.5) {
        dl = dl - 65536;
        dh = dh + 1;
      }
      if (dh > uh || (dh == uh && dl > ul)) {
        dDone = 1;
        pick = idx[row * p2 + q2];
      }
    }
  }
  return pick;
}`,
};

/** The preselected candidates' order (sample_preselect.ts), from the rows' first maxima. */
function preselected(g: GpujsBackend, x: Plane, n: number, rows: number, v: number, attrs: SampleAttrs): Preselected {
  const best = rowArgmax(g, x, n, 1, rows, v);
  const order = preselectedOrder(g, x, n, rows, v, best, attrs);
  g.free(best);
  return order;
}

export const sampleKernel: KernelFunc<SampleAttrs> = ({ backend, inputs, attrs, out }) => {
  const g = gpujs(backend);
  if (out.size === 0) return g.result('sample', new Float32Array(0), 'int32', 0);
  const v = inputs[0]!.size / out.size;
  const ranked = v <= RANK_MAX_V;
  const topK = attrs.topK === 0 ? v : Math.min(attrs.topK, v);
  const words = [attrs.seedLo, attrs.seedHi, attrs.stepLo, attrs.stepHi].flatMap(splitWord);
  // Batches bounded by the longest rows a pass runs over: the row itself when ranked, the
  // preselected candidates padded to a power of two at most.
  // Output element r is row r: the runs' element ranges are their row ranges.
  return g.pieces('sample', 'int32', out.size, rowBatches('sample', out.size, ranked ? v : paddedLength(v)), (r0, r1) => {
    const rows = r1 - r0;
    const n = rows * v;
    const x = g.plane(inputs[0]!, r0 * v, r1 * v);
    const { idx, stride } = ranked ? { idx: rankedOrder(g, x, n, rows, v), stride: v } : preselected(g, x, n, rows, v, attrs);
    // Candidates past a row's stride weigh 0, so the top-k sum stops there at the latest.
    const kept = Math.min(topK, stride);
    const chunks = Math.ceil(kept / SUM_CHUNK);
    const e = g.dispatch(SORTED_WEIGHTS, rows * stride, [x, n, idx, v, stride, expTable(g), ...scaleArgs(attrs)]);
    const sums = g.dispatch(CHUNK_SUM, rows * chunks, [e, stride, kept, chunks]);
    const pick = g.dispatch(PICK, rows, [e, idx, sums, stride, kept, chunks, attrs.topP, ...splitWord(r0), ...words]);
    g.free(idx, e, sums);
    return pick;
  }, 'values');
};
