/// <reference types="@webgpu/types" />
/**
 * Kernel parameters (binding 0 of every shader, wgsl/common.ts) for the dispatches of one
 * submission, packed into shared storage buffers instead of a new buffer per dispatch.
 *
 * Each dispatch gets a slot at an offset aligned to the device's minStorageBufferOffsetAlignment,
 * bound by offset and size; the words are gathered on the host and written with one writeBuffer
 * per arena just before the submission (command_batch.ts). The arenas are reused by the next
 * submission: its writeBuffer is queued after this submission, and the queue runs in order, so
 * no dispatch ever reads another submission's parameters. Creating, writing and destroying a
 * buffer per dispatch was the largest host cost of a token on Dawn (bench/model.ts).
 */

/** Slots per arena; a submission needing more opens another arena. */
const SLOTS_PER_ARENA = 512;

interface Arena {
  readonly buffer: GPUBuffer;
  readonly words: Uint32Array;
  /** Bytes used by this submission. */
  used: number;
}

export class ParamArena {
  private readonly arenas: Arena[] = [];
  private current = 0;
  private readonly stride: number;

  constructor(
    private readonly device: GPUDevice,
    /** The most words one dispatch's parameters take. */
    private readonly maxWords: number,
  ) {
    const align = device.limits.minStorageBufferOffsetAlignment;
    this.stride = Math.ceil((maxWords * 4) / align) * align;
  }

  /** A binding of `words` for one dispatch of the submission being recorded; undefined when they exceed a slot. */
  slot(words: Uint32Array): GPUBufferBinding | undefined {
    if (words.length > this.maxWords) return undefined;
    let arena = this.arenas[this.current];
    if (arena && arena.used + this.stride > arena.words.byteLength) arena = this.arenas[++this.current];
    if (!arena) {
      const bytes = this.stride * SLOTS_PER_ARENA;
      arena = { buffer: this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST }), words: new Uint32Array(bytes / 4), used: 0 };
      this.arenas.push(arena);
    }
    const offset = arena.used;
    arena.words.set(words, offset / 4);
    arena.used += this.stride;
    return { buffer: arena.buffer, offset, size: words.length * 4 };
  }

  /** Queues the writes of this submission's parameters; the next submission starts from the first arena again. */
  write(): void {
    for (const arena of this.arenas) {
      if (arena.used > 0) this.device.queue.writeBuffer(arena.buffer, 0, arena.words.buffer, 0, arena.used);
      arena.used = 0;
    }
    this.current = 0;
  }
}
