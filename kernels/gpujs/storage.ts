/**
 * Where a gpujs tensor lives (engine/NUMERICS.md §0.2, §16.1 G1, G7).
 *
 * A tensor is either a host typed array (what `upload` makes, and every webasm result) or a
 * gpu.js Texture holding its packed plane (planes.ts: one float per int8/int16 element, or all
 * hi limbs then all lo limbs for int32) that a GL kernel rendered and nothing has read yet. The
 * two forms never both change: tensors are immutable, so the host copy a read makes is cached
 * beside the texture, and the packed plane a kernel uploads from host data is cached beside the
 * array (weights are uploaded once per model this way).
 */
import type { DType, IntArray } from '../../engine/dtype.js';

/** The part of a gpu.js Texture that spml uses: a kernel's output, readable and deletable. */
export interface GpujsTexture {
  toArray(): unknown;
  delete(): void;
}

/**
 * How a texture holds an int32 tensor: as planes.ts's limbs (what int32 operands are read as), or
 * one float per element, for results known to lie within ±2^24 (indices, exp weights).
 */
export type Layout = 'packed' | 'values';

/** A kernel operand or result: a host plane, or a texture that stays on the GPU. */
export type Plane = Float32Array | GpujsTexture;

export function isTexture(p: unknown): p is GpujsTexture {
  return typeof p === 'object' && p !== null && !ArrayBuffer.isView(p) && typeof (p as GpujsTexture).toArray === 'function';
}

export class GpujsStorage {
  /** The packed plane on the GPU: set when a kernel made it, or once host data was uploaded. */
  texture: GpujsTexture | undefined;
  /** The checked host values: set by `upload`, by a webasm result, or by the first read. */
  host: IntArray | undefined;
  /** Packed planes derived from this tensor's values (matmul's B blocks, a gather table's row blocks), by key. */
  readonly derived = new Map<string, Plane>();

  constructor(
    readonly dtype: DType,
    readonly size: number,
    from: { host: IntArray } | { texture: GpujsTexture },
    /** The texture's layout; 'values' is the packed layout for int8/int16 anyway. */
    readonly layout: Layout = 'packed',
  ) {
    if ('host' in from) this.host = from.host;
    else this.texture = from.texture;
  }

  /** Release the GPU textures; the tensor must not be used after this. */
  dispose(): void {
    this.texture?.delete();
    this.texture = undefined;
    for (const p of this.derived.values()) if (isTexture(p)) p.delete();
    this.derived.clear();
  }
}
