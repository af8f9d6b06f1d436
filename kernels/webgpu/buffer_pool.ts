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
  private readonly free = new Map<number, GPUBuffer[]>();
  private bytes = 0;

  /** Keeps at most `maxBytes` of free buffers; beyond that, a returned buffer is destroyed. */
  constructor(private readonly maxBytes: number) {}

  /** A free buffer of exactly `bytes`, if one is kept. */
  take(bytes: number): GPUBuffer | undefined {
    const buf = this.free.get(bytes)?.pop();
    if (buf) this.bytes -= bytes;
    return buf;
  }

  /** A buffer no recorded or submitted work uses any more. */
  give(buf: GPUBuffer): void {
    if (this.bytes + buf.size > this.maxBytes) {
      buf.destroy();
      return;
    }
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
    this.bytes += buf.size;
  }
}
