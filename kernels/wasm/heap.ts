/**
 * The wasm backend's allocator: tensors live in the module's linear memory, in blocks of
 * power-of-two sizes (16 bytes up), each size with its own free list. A freed block is reused by
 * the next tensor of its size class, so a generation loop whose shapes repeat (or grow, like the
 * KV cache) reaches a steady state and memory stays bounded; new blocks come from the top, which
 * grows the memory when it must. Alignment is 16 bytes, what v128 loads like best.
 */
import { BackendError } from '../../engine/errors.js';

const PAGE = 65536;
const MIN_CLASS = 4; // 16 bytes

/** A block of linear memory: its address and size class (2^cls bytes). */
export interface Block {
  readonly ptr: number;
  readonly cls: number;
}

export class WasmHeap {
  private top: number;
  private readonly free: number[][] = [];
  /** Bytes handed out and not yet freed, and the most ever: what the memory test watches. */
  inUse = 0;
  peak = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = Math.ceil(heapBase / 16) * 16;
  }

  alloc(bytes: number): Block {
    const cls = Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(1, bytes))));
    this.inUse += 2 ** cls;
    this.peak = Math.max(this.peak, this.inUse);
    const reused = this.free[cls]?.pop();
    if (reused !== undefined) return { ptr: reused, cls };
    const ptr = this.top;
    const end = ptr + 2 ** cls;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new BackendError('wasm', `out of WebAssembly memory: ${bytes} more bytes would need ${((have + pages * PAGE) / 2 ** 20).toFixed(0)} MiB (${(e as Error).message})`);
      }
    }
    this.top = end;
    return { ptr, cls };
  }

  release(block: Block): void {
    this.inUse -= 2 ** block.cls;
    (this.free[block.cls] ??= []).push(block.ptr);
  }

  /** Bytes of linear memory the module holds (it never shrinks). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }
}
