/// <reference types="@webgpu/types" />
/**
 * The webgpu backend's queue discipline (engine/NUMERICS.md §16.1): work is recorded, not
 * submitted, until something must come back to the host.
 *
 * Every dispatch goes into one open compute pass of one command encoder. A read ends the pass,
 * records a copy of its buffer into a staging buffer of its own, and asks for a flush on the
 * microtask queue; the flush submits the encoder once and maps every staging buffer recorded
 * meanwhile. A forward pass runs its kernels synchronously and its trace starts a read of each
 * layer output, so a whole pass, its trace copies and the sampled token's copy go to the GPU in
 * one submission, and the host waits once: the first await after the pass (generate's wait for
 * the token). Before, every dispatch and every read was a submission of its own.
 *
 * Why it is safe: WebGPU orders dispatches in a pass as if each were its own pass (a storage write
 * is visible to the next dispatch), copies are recorded where the read was asked for, and host
 * writes (queue.writeBuffer) only ever fill buffers created for the dispatch that follows (ids,
 * scales), so running them ahead of recorded work reorders nothing, or the submission's kernel
 * parameters (param_arena.ts), written just before it is submitted. Buffers released
 * while recorded or submitted work may still use them are destroyed once the submission that
 * carried that work has completed.
 */
import type { DeviceStats } from '../../engine/backend.js';
import { ParamArena } from './param_arena.js';

/** Parameter words a dispatch may keep in the shared arena (more get a buffer of their own). */
const ARENA_SLOT_WORDS = 64;

interface PendingRead {
  readonly staging: GPUBuffer;
  readonly resolve: (words: Int32Array) => void;
  readonly reject: (e: unknown) => void;
}

export class CommandBatch {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private reads: PendingRead[] = [];
  /** Released since the last submission: destroyed when the next submission has completed. */
  private garbage: GPUBuffer[] = [];
  private flushQueued = false;
  private counts = { dispatches: 0, reads: 0, submissions: 0 };
  private readonly arena: ParamArena;

  /**
   * `takeError` returns (and clears) the first uncaptured device error, which fails the reads of
   * the submission it happened in, so a broken kernel can never return plausible zeros.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly takeError: () => string | undefined,
    private readonly fail: (message: string) => Error,
  ) {
    this.arena = new ParamArena(device, ARENA_SLOT_WORDS);
  }

  /** Binding 0 of a dispatch about to be recorded: its parameter words, in this submission's arena. */
  params(words: Uint32Array): GPUBufferBinding | undefined {
    return this.arena.slot(words);
  }

  /** Dispatches recorded, reads asked for, and submissions (one per flush that had work). */
  get stats(): DeviceStats {
    return { ...this.counts };
  }

  /** Records one dispatch of `pipeline` over gx × gy workgroups. */
  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, gx: number, gy: number): void {
    this.encoder ??= this.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(gx, gy);
    this.counts.dispatches++;
  }

  /**
   * The first `words` i32 words of `src` as they are after the work recorded so far. The copy is
   * recorded now, synchronously, so later work cannot change the snapshot.
   */
  read(src: GPUBuffer, words: number): Promise<Int32Array> {
    this.endPass();
    const staging = this.device.createBuffer({ size: words * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, 0, staging, 0, words * 4);
    this.counts.reads++;
    const done = new Promise<Int32Array>((resolve, reject) => this.reads.push({ staging, resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return done;
  }

  /** Destroys `buf` once the work recorded or submitted so far is done. */
  release(buf: GPUBuffer): void {
    this.garbage.push(buf);
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }

  /** Submits what was recorded, then maps the staging buffers of the reads it carries. */
  private flush(): void {
    this.flushQueued = false;
    this.endPass();
    if (this.encoder) {
      this.arena.write();
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = undefined;
      this.counts.submissions++;
    }
    const reads = this.reads;
    const garbage = this.garbage;
    this.reads = [];
    this.garbage = [];
    void Promise.allSettled(reads.map((r) => r.staging.mapAsync(GPUMapMode.READ))).then((mapped) => {
      // The queue runs in order: the submission, and all work before it, is done.
      for (const buf of garbage) buf.destroy();
      const error = this.takeError();
      reads.forEach((r, i) => {
        const m = mapped[i]!;
        if (error !== undefined) r.reject(this.fail(`device error: ${error}`));
        else if (m.status === 'rejected') r.reject(m.reason);
        else r.resolve(new Int32Array(r.staging.getMappedRange().slice(0)));
        if (m.status === 'fulfilled') r.staging.unmap();
        r.staging.destroy();
      });
    });
  }
}
