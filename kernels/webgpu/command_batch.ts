/// <reference types="@webgpu/types" />
/**
 * The webgpu backend's queue discipline (engine/NUMERICS.md §16.1): work is recorded, not
 * submitted, until something must come back to the host.
 *
 * Every dispatch goes into one open compute pass of one command encoder. A read ends the pass,
 * records a copy of its buffer into the submission's staging buffer (reads are packed one after
 * another), and asks for a flush on the microtask queue; the flush submits the encoder once and
 * maps the staging buffer once for all the reads recorded meanwhile. A forward pass runs its
 * kernels synchronously and its trace starts a read of each layer output, so a whole pass, its
 * trace copies and the sampled token's copy go to the GPU in one submission, and the host waits
 * once: the first await after the pass (generate's wait for the token). Before, every dispatch
 * and every read was a submission of its own.
 *
 * Why it is safe: WebGPU orders dispatches in a pass as if each were its own pass (a storage write
 * is visible to the next dispatch), and copies are recorded where the read was asked for. Host
 * writes (queue.writeBuffer) fill either buffers created for the dispatch that follows (ids,
 * scales), so running them ahead of recorded work reorders nothing, or the submission's kernel
 * parameters (param_arena.ts), written just before it is submitted. Buffers released while
 * recorded or submitted work may still use them go back to the pool (buffer_pool.ts) once the
 * submission that carried that work has completed, so a host write into a reused buffer never
 * races work that read it.
 */
import type { DeviceStats } from '../../engine/backend.js';
import type { BufferPool } from './buffer_pool.js';
import { ParamArena } from './param_arena.js';

/** Parameter words a dispatch may keep in the shared arena (more get a buffer of their own). */
const ARENA_SLOT_WORDS = 64;

/** Bytes of a shared staging buffer: a submission's read-backs are packed into as few as fit. */
const STAGING_BYTES = 1 << 16;

/** How often a pending map is nudged by an empty submission (see nudgeUntil). */
const NUDGE_MS = 2;

/** getMappedRange takes offsets in multiples of 8 bytes, so each read starts at one. */
const align8 = (bytes: number): number => Math.ceil(bytes / 8) * 8;

/** A staging buffer of this submission and how much of it the recorded copies fill. */
interface Staging {
  readonly buffer: GPUBuffer;
  used: number;
}

interface PendingRead {
  readonly staging: Staging;
  readonly offset: number;
  readonly bytes: number;
  readonly resolve: (words: Int32Array) => void;
  readonly reject: (e: unknown) => void;
}

export class CommandBatch {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private reads: PendingRead[] = [];
  /** This submission's staging buffers; the last one takes the next copy if it fits. */
  private staging: Staging[] = [];
  /** Released since the last submission: back to the pool when the next submission has completed. */
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
    private readonly pool: BufferPool,
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

  /** Submissions so far: the one being recorded is numbered by it. */
  get submissions(): number {
    return this.counts.submissions;
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
    const bytes = words * 4;
    const staging = this.stagingFor(bytes);
    const offset = align8(staging.used);
    staging.used = offset + bytes;
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(src, 0, staging.buffer, offset, bytes);
    this.counts.reads++;
    const done = new Promise<Int32Array>((resolve, reject) => this.reads.push({ staging, offset, bytes, resolve, reject }));
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return done;
  }

  /**
   * Room for `bytes` more in this submission's staging buffers, so that the host maps one buffer,
   * not one per read (each map is a round trip, and in a browser one across processes).
   */
  private stagingFor(bytes: number): Staging {
    const last = this.staging.at(-1);
    if (last && align8(last.used) + bytes <= last.buffer.size) return last;
    const size = Math.max(STAGING_BYTES, bytes);
    const fresh = { buffer: this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }), used: 0 };
    this.staging.push(fresh);
    return fresh;
  }

  /** Returns `buf` to the pool once the work recorded or submitted so far is done. */
  release(buf: GPUBuffer): void {
    this.garbage.push(buf);
  }

  /**
   * Submits empty work every few milliseconds while `pending` is unsettled. Firefox completes maps
   * only when it polls its device, which it does on a 100 ms timer or when work is submitted
   * (Mozilla bug 1870699): without this, every token in Firefox took 100 ms, whatever the model.
   * Elsewhere a map completes before the first nudge, or the nudges cost an empty submit each.
   */
  private nudgeUntil(pending: Promise<unknown>): void {
    let settled = false;
    void pending.finally(() => {
      settled = true;
    });
    const nudge = (): void => {
      if (settled) return;
      this.device.queue.submit([]);
      setTimeout(nudge, NUDGE_MS);
    };
    setTimeout(nudge, NUDGE_MS);
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
    const staging = this.staging;
    const garbage = this.garbage;
    this.reads = [];
    this.staging = [];
    this.garbage = [];
    const maps = Promise.allSettled(staging.map((st) => st.buffer.mapAsync(GPUMapMode.READ, 0, st.used)));
    this.nudgeUntil(maps);
    void maps.then((mapped) => {
      // The queue runs in order: the submission, and all work before it, is done.
      for (const buf of garbage) this.pool.give(buf);
      const error = this.takeError();
      for (const r of reads) {
        const m = mapped[staging.indexOf(r.staging)]!;
        if (error !== undefined) r.reject(this.fail(`device error: ${error}`));
        else if (m.status === 'rejected') r.reject(m.reason);
        else r.resolve(new Int32Array(r.staging.buffer.getMappedRange(r.offset, r.bytes).slice(0)));
      }
      staging.forEach((st, i) => {
        if (mapped[i]!.status === 'fulfilled') st.buffer.unmap();
        st.buffer.destroy();
      });
    });
  }
}
