/**
 * gpu.js int8/int16 × int8 → int32 matmul (engine/NUMERICS.md §5, §16.2 "matmul").
 *
 * Two passes of float32 arithmetic, exact because no intermediate leaves ±2^24:
 * 1. one thread per (K-chunk, output element) sums its chunk's products into one float
 *    (int8 A: ≤ 1023 products of magnitude ≤ 2^14; int16 A is split on the host into a signed
 *    high byte and an unsigned low byte, a = 256·a_h + a_l, each a plane of its own with chunks
 *    of ≤ 510, so both partial sums stay below 2^24; operands travel three bytes to a float);
 * 2. one thread per output limb folds the chunk sums and the bias into 16-bit limbs with carries,
 *    wrapping mod 2^32 (§16.1 G4); the output is all hi limbs, then all lo limbs.
 * No thread loops over all of K, so K = 65536 stays under llvmpipe's per-invocation loop limit
 * (§16.3). Wrapping addition is associative, so the chunking cannot change a bit (§5).
 *
 * Every flat index must stay below 2^23 (floorDiv's range, §16.1 G5/G6), so large problems run
 * as tiles: blocks of output columns (B's plane for each block is kept with B, uploaded once, as
 * weights are immutable and reused at every step) times blocks of A rows. In GL modes A is packed
 * on the GPU (PACK), and so is a B that was computed there (attention's K and V); weights are
 * packed on the host once. One tile's limbs are the result as they are and
 * stay on the GPU; several tiles are read back and assembled on the host.
 */
import type { IntArray } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { Tensor } from '../../engine/tensor.js';
import { gpujs, type GpujsBackend, type KernelSource } from './backend.js';
import { FLOOR_DIV, HI16, LO16, WRAP_HI } from './functions.js';
import { fromLimbs, packedPlane } from './planes.js';
import type { Plane } from './storage.js';

const INDEX_LIMIT = 2 ** 23;
/**
 * Triples per chunk: 341·3 = 1023 products of magnitude ≤ 2^14 (int8 A, and int16 A's signed
 * high byte) or 170·3 = 510 products ≤ 255·128 = 32640 (int16 A's low byte), so every chunk
 * sum stays below 2^24.
 */
const CHUNK_INT8 = 341;
const CHUNK_INT16 = 170;
/** Chunk sums one pass-2 thread folds; K up to 2^24 (int8) stays far under llvmpipe's limit. */
export const MAX_CHUNKS = 16384;

// Operands travel three bytes to a float along K, u0 + 2^8·u1 + 2^16·u2 < 2^24 with u = x + off
// (off = 128 for int8 values and int16's signed high byte, 0 for its unsigned low byte): a third
// of the texture reads, which dominate matmul's time on GL. A row is padded with zeros to whole
// triples. Thread t = (chunk·parts·rows + r)·n + j. Row r < rows is A's (high-byte) plane, r ≥ rows
// the low-byte plane of int16 A; g = rowBase + r mod rows is the row of the whole batched A, so its
// batch is floor(g / m). B's plane is [batch][n][kp], K-contiguous whatever transposeB was.
// Bound: packed words < 2^24, digits ≤ 255; each chunk sums ≤ 1023 products of magnitude ≤ 2^14
// or ≤ 510 of magnitude ≤ 32640, so |s| < 2^24 in any order; indices < 2^23.
const CHUNK_SUMS: KernelSource = {
  name: 'matmul.chunkSums',
  source: `function (a, b, kp, n, m, rows, rowBase, bBatched, chunk, parts) {
  const t = this.thread.x;
  const rn = parts * rows * n;
  const c = floorDiv(t, rn);
  const rem = t - c * rn;
  const r = floorDiv(rem, n);
  const j = rem - r * n;
  let g = rowBase + r;
  let offA = 128;
  if (r >= rows) {
    g = g - rows;
    offA = 0;
  }
  const q0 = c * chunk;
  const len = Math.min(chunk, kp - q0);
  const ai = r * kp + q0;
  const bi = (floorDiv(g, m) * bBatched * n + j) * kp + q0;
  let s = 0;
  for (let q = 0; q < len; q++) {
    const va = a[ai + q];
    const vb = b[bi + q];
    const a2 = Math.floor(va * 0.0000152587890625);
    const ra = va - a2 * 65536;
    const a1 = Math.floor(ra * 0.00390625);
    const b2 = Math.floor(vb * 0.0000152587890625);
    const rb = vb - b2 * 65536;
    const b1 = Math.floor(rb * 0.00390625);
    s += (ra - a1 * 256 - offA) * (rb - b1 * 256 - 128) + (a1 - offA) * (b1 - 128) + (a2 - offA) * (b2 - 128);
  }
  return s;
}`,
  functions: [FLOOR_DIV],
  loopMax: CHUNK_INT8,
};

// Thread t < size returns the hi limb of element t, t ≥ size the lo limb of element t − size.
// Shared with linear.ts's kernel, which folds the same way and then requantizes: the lines set
// (hi, lo), the int32 limbs of element e's wrapped sum (§5), and j = e mod width, its column.
// Chunk c's sums sit at c·parts·size + e (int16: the low-byte sum size further on).
// Bound: |chunk sum| < 2^24, split into limbs by hi16/lo16; lo < 3·2^16 before each carry;
// hi is wrapped into [−2^15, 2^15) after every chunk, so |hi| < 2^16 throughout.
export const FOLD_BODY = `
  const t = this.thread.x;
  let e = t;
  let wantLo = 0;
  if (t >= size) {
    e = t - size;
    wantLo = 1;
  }
  const j = e - floorDiv(e, width) * width;
  let hi = 0;
  let lo = 0;
  if (hasBias > 0) {
    hi = bias[j];
    lo = bias[width + j];
  }
  const stride = parts * size;
  for (let c = 0; c < chunks; c++) {
    const s = p[c * stride + e];
    if (parts > 1) {
      const sh = Math.floor(s * 0.00390625);
      const l = p[c * stride + size + e];
      hi = hi + sh + hi16(l);
      lo = lo + (s - sh * 256) * 256 + lo16(l);
    } else {
      hi = hi + hi16(s);
      lo = lo + lo16(s);
    }
    const carry = hi16(lo);
    lo = lo - carry * 65536;
    hi = wrapHi(hi + carry);
  }`;

/** What FOLD_BODY calls. */
export const FOLD_FUNCTIONS: readonly string[] = [FLOOR_DIV, HI16, LO16, WRAP_HI];

const FOLD: KernelSource = {
  name: 'matmul.fold',
  source: `function (p, bias, size, width, chunks, parts, hasBias) {${FOLD_BODY}
  if (wantLo > 0) { return lo; }
  return hi;
}`,
  functions: FOLD_FUNCTIONS,
  loopMax: MAX_CHUNKS,
};

// Packs operand rows along K as aPlane and bPlane below do on the host. Row r of `rows` is
// (o, j) = (floor(r / nb), r mod nb) and reads x[o·outer + (j0 + j)·rowStride + q·colStride] for
// q < k: A's rows are (0, rowBase + r) with rowStride k; B's are (batch, column). Thread
// t = (part·rows + r)·kp + w makes word w of row r from bytes 3w, 3w + 1, 3w + 2 (padding past k:
// 128 for part 0, 0 for int16's low-byte part 1). Bound: |x| ≤ 2^15, bytes in [0, 255], words
// < 2^24; indices < 2^23.
const PACK: KernelSource = {
  name: 'matmul.pack',
  source: `function (x, k, kp, rows, wide, nb, j0, outer, rowStride, colStride) {
  const t = this.thread.x;
  const per = rows * kp;
  const part = floorDiv(t, per);
  const rem = t - part * per;
  const r = floorDiv(rem, kp);
  const w = rem - r * kp;
  const o = floorDiv(r, nb);
  const base = o * outer + (j0 + r - o * nb) * rowStride;
  let word = 0;
  let scale = 1;
  for (let q = 0; q < 3; q++) {
    const at = w * 3 + q;
    let u = 128;
    if (part > 0.5) { u = 0; }
    if (at < k) {
      const v = x[base + at * colStride];
      if (wide < 0.5) {
        u = v + 128;
      } else {
        const h = Math.floor(v * 0.00390625);
        if (part > 0.5) { u = v - h * 256; } else { u = h + 128; }
      }
    }
    word = word + u * scale;
    scale = scale * 256;
  }
  return word;
}`,
  functions: [FLOOR_DIV],
};

/** Packs `len` bytes read by `at(q)` (already offset into [0, 255]) into out[o…], three a float. */
function pack3(out: Float32Array, o: number, len: number, pad: number, at: (q: number) => number): void {
  for (let q = 0, w = o; q < len; q += 3, w++) {
    const u1 = q + 1 < len ? at(q + 1) : pad;
    const u2 = q + 2 < len ? at(q + 2) : pad;
    out[w] = at(q) + 256 * u1 + 65536 * u2;
  }
}

/** B's columns [j0, j0 + nb) of every B batch as packed rows along K: [bCount][nb][kp]. */
function bPlane(b: IntArray, bCount: number, k: number, n: number, j0: number, nb: number, transposeB: boolean): Float32Array {
  const kp = Math.ceil(k / 3);
  const plane = new Float32Array(bCount * nb * kp);
  for (let p = 0; p < bCount; p++) {
    for (let j = 0; j < nb; j++) {
      const o = (p * nb + j) * kp;
      if (transposeB) {
        const row = (p * n + j0 + j) * k;
        pack3(plane, o, k, 128, (q) => b[row + q]! + 128);
      } else {
        const col = p * k * n + j0 + j;
        pack3(plane, o, k, 128, (q) => b[col + q * n]! + 128);
      }
    }
  }
  return plane;
}

/**
 * Rows [r0, r0 + rows) of A as packed rows along K: values + 128 (int8), or high bytes + 128
 * for every row, then low bytes for every row (int16).
 */
function aPlane(a: IntArray, wide: boolean, k: number, r0: number, rows: number): Float32Array {
  const kp = Math.ceil(k / 3);
  const plane = new Float32Array((wide ? 2 : 1) * rows * kp);
  for (let r = 0; r < rows; r++) {
    const row = (r0 + r) * k;
    if (wide) {
      pack3(plane, r * kp, k, 128, (q) => (a[row + q]! >> 8) + 128);
      pack3(plane, (rows + r) * kp, k, 0, (q) => a[row + q]! & 255);
    } else {
      pack3(plane, r * kp, k, 128, (q) => a[row + q]! + 128);
    }
  }
  return plane;
}

function tooLarge(what: string): never {
  throw new BackendError('matmul', `${what} exceeds gpu.js's exact index range (§16 G6)`);
}

/** The passes before the fold, for one matmul cut into column blocks of `nb` and row blocks of `rowsPer`. */
export interface MatMulTiles {
  readonly allRows: number;
  readonly nb: number;
  readonly rowsPer: number;
  /** Chunk sums per output element, and the factor FOLD_BODY reads them with. */
  readonly chunks: number;
  readonly parts: number;
  /** B's plane for columns [j0, j0 + cols); give it back with `doneB`. */
  packB(j0: number, cols: number): Plane;
  doneB(bp: Plane): void;
  /** The bias limbs of columns [j0, j0 + cols), or the backend's unused plane. */
  bias(j0: number, cols: number): Plane;
  /** Pass 1 of the tile of rows [r0, r0 + rows) against `bp`: the chunk sums FOLD_BODY reads (free them after). */
  sums(bp: Plane, r0: number, rows: number, cols: number): Plane;
}

/** Plans the tiles of `attrs` for A of `inputs[0]`'s dtype; throws when an index would leave 2^23. */
export function matmulTiles(gpu: GpujsBackend, inputs: readonly Tensor[], attrs: MatMulAttrs): MatMulTiles {
  const { batch, m, k, n, bBatched, transposeB, hasBias } = attrs;
  const [a, b] = inputs as [Tensor, Tensor];
  const wide = a.dtype === 'int16';
  const parts = wide ? 2 : 1;
  const chunk = wide ? CHUNK_INT16 : CHUNK_INT8;
  const kp = Math.ceil(k / 3);
  const chunks = Math.ceil(kp / chunk);
  if (chunks > MAX_CHUNKS) tooLarge(`K = ${k}`);
  const bCount = bBatched ? batch : 1;
  const allRows = batch * m;
  if (allRows >= INDEX_LIMIT) tooLarge(`${allRows} rows of a`);

  // Column blocks keep B's plane, row blocks the A planes, partial sums and limbs below 2^23.
  const nb = Math.min(n, Math.floor((INDEX_LIMIT - 1) / Math.max(1, bCount * kp)));
  const perRow = Math.max(parts * Math.max(chunks, 1) * nb, parts * kp, 2 * nb);
  const rowsPer = Math.min(allRows, Math.floor((INDEX_LIMIT - 1) / perRow));
  if (nb < 1 || rowsPer < 1) tooLarge(`a [${batch}, ${m}, ${k}] × b with N = ${n}`);
  // A on the GPU is packed there, each row block by one run; host A is packed here.
  const aOnGpu = gpu.pipeline && a.size < INDEX_LIMIT;
  const packA = (r0: number, rows: number): Plane =>
    aOnGpu ? gpu.dispatch(PACK, parts * rows * kp, [gpu.plane(a), k, kp, rows, wide ? 1 : 0, rows, r0, 0, k, 1]) : aPlane(gpu.host(a), wide, k, r0, rows);
  // A B with host values (a weight) is packed once and kept, under a key with its shape (reshape
  // shares storage, so one weight may come back as B of another shape); a B made on the GPU is
  // packed there per call.
  const bOnGpu = gpu.pipeline && !gpu.onHost(b) && b.size < INDEX_LIMIT;
  return {
    allRows,
    nb,
    rowsPer,
    chunks,
    parts,
    packB: (j0, cols) =>
      bOnGpu
        ? gpu.dispatch(PACK, bCount * cols * kp, [gpu.plane(b), k, kp, bCount * cols, 0, cols, j0, k * n, transposeB ? k : 1, transposeB ? 1 : n])
        : gpu.derived(b, `matmul.b:${transposeB ? 'T' : 'N'}:${bCount}:${k}:${n}:${j0}:${cols}`, (v) => bPlane(v, bCount, k, n, j0, cols, transposeB)),
    doneB: (bp) => {
      if (bOnGpu) gpu.free(bp);
    },
    bias: (j0, cols) => (hasBias ? gpu.derived(inputs[2]!, `matmul.bias:${j0}:${cols}`, (v) => packedPlane(v.subarray(j0, j0 + cols), 'int32')) : gpu.unused()),
    sums: (bp, r0, rows, cols) => {
      if (chunks === 0) return gpu.unused();
      const ap = packA(r0, rows);
      const sums = gpu.dispatch(CHUNK_SUMS, chunks * parts * rows * cols, [ap, bp, kp, cols, m, rows, r0, bBatched ? 1 : 0, chunk, parts]);
      gpu.free(ap);
      return sums;
    },
  };
}

export const matmulKernel: KernelFunc<MatMulAttrs> = ({ backend, inputs, attrs, out }) => {
  const { n, hasBias } = attrs;
  const gpu = gpujs(backend);
  if (out.size === 0) return gpu.result('matmul', new Float32Array(0), 'int32', 0);
  const tiles = matmulTiles(gpu, inputs, attrs);
  const { allRows, nb, rowsPer } = tiles;
  const c = new Int32Array(out.size);
  for (let j0 = 0; j0 < n; j0 += nb) {
    const cols = Math.min(nb, n - j0);
    const bp = tiles.packB(j0, cols);
    const biasBlock = tiles.bias(j0, cols);
    for (let r0 = 0; r0 < allRows; r0 += rowsPer) {
      const rows = Math.min(rowsPer, allRows - r0);
      const size = rows * cols;
      const sums = tiles.sums(bp, r0, rows, cols);
      const limbs = gpu.dispatch(FOLD, 2 * size, [sums, biasBlock, size, cols, tiles.chunks, tiles.parts, hasBias ? 1 : 0]);
      gpu.free(sums);
      if (cols === n && rows === allRows) {
        tiles.doneB(bp);
        return gpu.result('matmul', limbs, 'int32', out.size);
      }
      const tile = fromLimbs('matmul', gpu.toHost(limbs), size);
      if (cols === n) {
        c.set(tile, r0 * n);
      } else {
        for (let r = 0; r < rows; r++) c.set(tile.subarray(r * cols, (r + 1) * cols), (r0 + r) * n + j0);
      }
    }
    tiles.doneB(bp);
  }
  return gpu.hostResult('int32', c);
};
