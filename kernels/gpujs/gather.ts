/**
 * gpu.js embedding gather (engine/NUMERICS.md §11, §16.2 "gather"): y[t, c] = table[ids[t], c],
 * an exact copy.
 *
 * The ids (host integers below V) travel as a float plane. A table whose packed plane reaches
 * 2^23 floats (GPT-2's 50257·768 embedding) is cut into blocks of whole rows so that every flat
 * index stays exact (§16.1 G6): one run per block fills the rows whose ids fall in it and copies
 * the rest from the previous run's output. Table planes are cached per host array, since
 * tensors are immutable and an embedding is gathered from at every step.
 */
import type { DType, IntArray } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { GatherAttrs } from '../../engine/ops/gather.js';
import { gpujs, hostData, type KernelSource } from './backend.js';
import { FLOOR_DIV } from './functions.js';
import { fromPacked, packedPlane } from './planes.js';

/** floorDiv needs its dividend below 2^23; so does every index of one block. */
const INDEX_LIMIT = 2 ** 23;

// Thread t ≥ size copies a lo limb (int32): lo limbs follow the hi limbs in both planes.
// Bound: indices < 2^23.
const GATHER: KernelSource = {
  name: 'gather',
  source: `function (table, ids, prev, width, size, firstRow, blockRows) {
  const t = this.thread.x;
  let e = t;
  let half = 0;
  if (t >= size) {
    e = t - size;
    half = blockRows * width;
  }
  const row = floorDiv(e, width);
  const id = ids[row] - firstRow;
  if (id >= 0 && id < blockRows) {
    return table[id * width + e - row * width + half];
  }
  return prev[t];
}`,
  functions: [FLOOR_DIV],
};

interface Block {
  firstRow: number;
  rows: number;
  plane: Float32Array;
}

// Keyed by row width too: reshape shares storage, so one host array may come back as [V', C'].
const blockCache = new WeakMap<IntArray, Map<number, Block[]>>();

/** The table's row blocks, each a packed plane of fewer than 2^23 floats. */
function blocksOf(table: IntArray, dtype: DType, v: number, c: number, limbs: number): Block[] {
  let byWidth = blockCache.get(table);
  if (!byWidth) blockCache.set(table, (byWidth = new Map()));
  let blocks = byWidth.get(c);
  if (!blocks) {
    const perBlock = Math.floor((INDEX_LIMIT - 1) / (limbs * c));
    blocks = [];
    for (let first = 0; first < v; first += perBlock) {
      const rows = Math.min(perBlock, v - first);
      blocks.push({ firstRow: first, rows, plane: packedPlane(table.subarray(first * c, (first + rows) * c), dtype) });
    }
    byWidth.set(c, blocks);
  }
  return blocks;
}

export const gatherKernel: KernelFunc<GatherAttrs> = ({ backend, inputs, attrs, out }) => {
  const [v, c] = inputs[0]!.shape as [number, number];
  const limbs = out.dtype === 'int32' ? 2 : 1;
  if (out.size === 0) return fromPacked('gather', new Float32Array(0), out.dtype, 0);
  if (limbs * out.size >= INDEX_LIMIT || limbs * c >= INDEX_LIMIT) {
    throw new BackendError('gather', `output of ${out.size} ${out.dtype} elements exceeds gpu.js's exact index range (§16 G6)`);
  }
  const ids = Float32Array.from(attrs.ids);
  let y: Float32Array = new Float32Array(0);
  for (const block of blocksOf(hostData(inputs[0]!), out.dtype, v, c, limbs)) {
    y = gpujs(backend).run(GATHER, limbs * out.size, [block.plane, ids, y, c, out.size, block.firstRow, block.rows]);
  }
  return fromPacked('gather', y, out.dtype, out.size);
};

