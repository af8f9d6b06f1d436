/// <reference types="@webgpu/types" />
/**
 * Storage buffers of finished work, kept by size for the next tensor of that size
 * (engine/NUMERICS.md §16.1; used by backend.ts and command_batch.ts).
 *
 * A decode step makes and frees the same few dozen buffer sizes every token. Creating a buffer
 * costs a driver allocation, and Dawn clears every new buffer before its first use (WebGPU's zero
 * initialization): on llvmpipe that was about a quarter of a small dispatch's cost. A buffer comes
 * here only after the submission that last used it has completed, and holds stale words: every
 * kernel writes all of its output, and the conformance suite, whose cases reuse each other's
 * buffers, would catch one that did not.
 */

export class BufferPool {
  private readonly free = new Map<number, Set<GPUBuffer>>();
  private bytes = 0;
  /** The buffer last taken (or made) for each place. */
  private readonly atPlace = new Map<number, GPUBuffer>();

  /** Keeps at most `maxBytes` of free buffers; beyond that, a returned buffer is destroyed. */
  constructor(private readonly maxBytes: number) {}

  /**
   * A free buffer of exactly `bytes`, if one is kept: the one last taken at `place` (the n-th
   * buffer of its submission) if it is free, so that a decode step gets the same buffers as the
   * step before and can reuse its bind groups (bind_groups.ts), else any of that size.
   */
  take(bytes: number, place: number): GPUBuffer | undefined {
    const free = this.free.get(bytes);
    if (!free || free.size === 0) return undefined;
    const last = this.atPlace.get(place);
    const buf = last && free.has(last) ? last : free.values().next().value!;
    free.delete(buf);
    this.bytes -= bytes;
    this.atPlace.set(place, buf);
    return buf;
  }

  /** Note that a new buffer was made for `place`. */
  made(buf: GPUBuffer, place: number): void {
    this.atPlace.set(place, buf);
  }

  /** A buffer no recorded or submitted work uses any more. */
  give(buf: GPUBuffer): void {
    if (this.bytes + buf.size > this.maxBytes) {
      buf.destroy();
      return;
    }
    let free = this.free.get(buf.size);
    if (!free) this.free.set(buf.size, (free = new Set()));
    free.add(buf);
    this.bytes += buf.size;
  }
}
