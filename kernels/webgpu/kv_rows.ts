/// <reference types="@webgpu/types" />
/**
 * Key/value cache planes that grow in place (engine/NUMERICS.md §15 concat; engine/arch/blocks.ts
 * appendRows). A decoder appends each step's rows to every cache plane with
 * concat([cache, rows], 1) on [heads, T, D]; as contiguous tensors that copies the whole cache,
 * O(T) work a step and O(T²) over a generation. Here the result of a two-input concat along axis
 * 1 of rank-3 tensors lives in a buffer laid out [heads, room, D] with room ≥ T rows per head,
 * and the next such concat onto it writes only the new rows, into the room after them.
 *
 * Tensors stay immutable: a plane's storage (RowsWithRoom) sees rows [0, T) of each head, and an
 * append writes only rows ≥ T, which no tensor on that buffer sees yet. `claimed` is the most rows
 * any tensor on the buffer sees; an append in place needs its cache to be that tensor (an older
 * one, appended to a second time, gets a copy), and room for the rows.
 *
 * Only matmul reads the room layout directly, through its B batch stride (room·D rows apart
 * instead of T·D): attention's q·Kᵀ and probs·V. Every other reader gets a contiguous copy, made
 * once per tensor (`contiguous`), so no kernel can read the layout wrongly.
 */
import type { Tensor } from '../../engine/tensor.js';
import type { WebGpuBackend } from './backend.js';
import { X, Y, shader } from './wgsl/common.js';

/** Rows a new buffer makes room for: twice what it holds, at least this many. */
const MIN_ROOM = 16;

/**
 * Strided copy of x [heads, rows, D] (rows `xRoom` apart per head, starting at row `xRow`) into
 * y with rows `yRoom` apart per head, starting at row `yRow`. One invocation per element copied.
 * P: n, rows, D, xRoom, xRow, yRoom, yRow
 */
const COPY_ROWS_SRC = shader(
  [X, Y],
  `  let d = i % P[2];
  let t = (i / P[2]) % P[1];
  let h = i / (P[2] * P[1]);
  y[(h * P[5] + P[6] + t) * P[2] + d] = x[(h * P[3] + P[4] + t) * P[2] + d];`,
);

/** A buffer of cache rows and what the tensors on it see. */
interface RoomyBuffer {
  readonly buffer: GPUBuffer;
  readonly heads: number;
  readonly cols: number;
  /** Rows per head the buffer holds. */
  readonly room: number;
  /** The most rows a tensor on this buffer sees: rows past it are free to write. */
  claimed: number;
  /** Storages (RowsWithRoom) still alive on the buffer. */
  users: number;
}

/** The storage of a cache plane [heads, rows, cols] in a buffer with room for more rows. */
export class RowsWithRoom {
  /** A contiguous copy, for readers other than matmul; made on first need. */
  contiguous?: GPUBuffer;

  constructor(readonly at: RoomyBuffer, readonly rows: number) {
    at.users++;
  }

  /** Words between the starts of two heads. */
  get headStride(): number {
    return this.at.room * this.at.cols;
  }
}

/** True when `t` is a cache plane whose own shape matmul can read through its batch stride. */
export function roomyPlane(t: Tensor): RowsWithRoom | undefined {
  const s = t.storage;
  if (!(s instanceof RowsWithRoom)) return undefined;
  const [h, rows, cols] = t.shape;
  return t.rank === 3 && h === s.at.heads && rows === s.rows && cols === s.at.cols ? s : undefined;
}

/** The rows of `s` as a contiguous buffer [heads, rows, cols], copied once. */
export function contiguousRows(g: WebGpuBackend, s: RowsWithRoom): GPUBuffer {
  if (!s.contiguous) {
    const { heads, cols, room } = s.at;
    s.contiguous = g.createBuffer(heads * s.rows * cols);
    g.run(COPY_ROWS_SRC, [s.at.buffer, s.contiguous], [s.rows, cols, room, 0, s.rows, 0], heads * s.rows * cols);
  }
  return s.contiguous;
}

/** Free what `s` holds: its copy now, the shared buffer once no storage is on it (after recorded work). */
export function releaseRows(g: WebGpuBackend, s: RowsWithRoom): void {
  if (s.contiguous) g.release(s.contiguous);
  s.contiguous = undefined;
  if (--s.at.users === 0) g.release(s.at.buffer);
}

/**
 * concat([cache, rows], 1) for [heads, T, D] and [heads, Tn, D]: written into the cache's room
 * when it has room and no tensor sees past it, else both copied into a new buffer with room.
 * `bufferOf` gives a contiguous buffer for any tensor (the backend's gpuBuffer).
 */
export function appendRows(g: WebGpuBackend, cache: Tensor, rows: Tensor, bufferOf: (t: Tensor) => GPUBuffer): RowsWithRoom {
  const [heads, t, cols] = cache.shape as [number, number, number];
  const tn = rows.shape[1]!;
  const total = t + tn;
  const own = roomyPlane(cache);
  let at: RoomyBuffer;
  if (own && own.rows === own.at.claimed && total <= own.at.room) {
    at = own.at;
  } else {
    // Twice the rows, as far as one storage binding allows: never less than the rows themselves.
    const most = Math.floor(g.device.limits.maxStorageBufferBindingSize / (4 * Math.max(1, heads * cols)));
    const room = Math.max(total, Math.min(Math.max(MIN_ROOM, 2 * total), most));
    at = { buffer: g.createBuffer(heads * room * cols), heads, cols, room, claimed: 0, users: 0 };
    if (t > 0) {
      const [src, srcRoom] = own ? [own.at.buffer, own.at.room] : [bufferOf(cache), t];
      g.run(COPY_ROWS_SRC, [src, at.buffer], [t, cols, srcRoom, 0, room, 0], heads * t * cols);
    }
  }
  if (tn > 0) g.run(COPY_ROWS_SRC, [bufferOf(rows), at.buffer], [tn, cols, tn, 0, at.room, t], heads * tn * cols);
  at.claimed = total;
  return new RowsWithRoom(at, total);
}
