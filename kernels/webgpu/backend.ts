/// <reference types="@webgpu/types" />
/**
 * The webgpu backend's storage and compute helper (engine/NUMERICS.md §0, §16.1 W1).
 *
 * Storage is one GPU buffer holding one i32 per element (W1: int8/int16 are widened on upload and
 * narrowed on read). This costs 4× the memory of packed int8 tensors; it is the simplest first
 * version. WebGPU forbids buffers of size 0, so an empty tensor gets a 4-byte buffer. A key/value
 * cache plane is the exception: its rows sit in a buffer with room to grow (kv_rows.ts).
 * Tensors stay in GPU buffers from op to op; only `read` copies back to the host. Dispatches and
 * reads are recorded into one command encoder and submitted together when the host waits
 * (command_batch.ts), so a forward pass is one submission, not one per kernel.
 */
import type { Backend, DeviceStats } from '../../engine/backend.js';
import { EXP2_NEG_Q15 } from '../../engine/constants.js';
import { allocate, type DType, type IntArray } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { Tensor } from '../../engine/tensor.js';
import { BindGroupCache } from './bind_groups.js';
import { BufferPool } from './buffer_pool.js';
import { CommandBatch } from './command_batch.js';
import type { WebGpuDevice } from './device.js';
import { RowsWithRoom, contiguousRows, releaseRows } from './kv_rows.js';

/**
 * The workgroup size the shader() kernels are dispatched with: the widest the device allows, up
 * to this. Software adapters pay per workgroup (llvmpipe: about 12 µs each), and GPUs schedule
 * 256-wide groups well; kernels never depend on it (wgsl/common.ts).
 */
const PREFERRED_WORKGROUP = 256;

/** The workgroup size for `limits`: PREFERRED_WORKGROUP, or less where the device allows less. */
export function workgroupSizeFor(limits: GPUSupportedLimits): number {
  return Math.min(PREFERRED_WORKGROUP, limits.maxComputeWorkgroupSizeX, limits.maxComputeInvocationsPerWorkgroup);
}
const MAX_GROUPS_PER_DIM = 65535;
/** Bytes of freed buffers kept for reuse (buffer_pool.ts): a decode step's working set, many times over. */
const POOL_BYTES = 64 << 20;

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly description: string;
  readonly device: GPUDevice;
  /** Keeps the GPU instance and adapter alive as long as the backend (see device.ts). */
  readonly gpu: WebGpuDevice;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Bind groups of the last two submissions, for dispatches that repeat them (every decode step). */
  readonly bindGroups: BindGroupCache;
  /** Freed buffers of finished work, for the next tensors of their sizes. */
  private readonly pool = new BufferPool(POOL_BYTES);
  /** Buffers made so far for the submission numbered placeSubmission. */
  private place = 0;
  private placeSubmission = -1;
  /** Each pipeline's bind group layout, asked for once. */
  private readonly layouts = new Map<GPUComputePipeline, GPUBindGroupLayout>();
  /** Invocations per workgroup of shader()'s kernels on this device (workgroupSizeFor). */
  readonly workgroupSize: number;
  /** The recorded, not yet submitted work, and the reads waiting on it. */
  private readonly batch: CommandBatch;
  /** The first uncaptured device error, reported by the reads of the next submission. */
  private error: string | undefined;

  constructor(gpu: WebGpuDevice) {
    this.gpu = gpu;
    this.device = gpu.device;
    // Validation errors (a WGSL that does not compile, a bad binding) are otherwise only logged;
    // the next read reports them, so a broken kernel can never return plausible zeros.
    this.device.addEventListener('uncapturederror', (e) => {
      this.error ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    this.description = gpu.description;
    this.workgroupSize = workgroupSizeFor(this.device.limits);
    this.bindGroups = new BindGroupCache(this.device);
    const takeError = () => {
      const e = this.error;
      this.error = undefined;
      return e;
    };
    this.batch = new CommandBatch(this.device, this.pool, takeError, (message) => new BackendError('webgpu', message));
  }

  /** Dispatches, reads and submissions so far (bench/model.ts reports them per token). */
  get deviceStats(): DeviceStats {
    return this.batch.stats;
  }

  /** A storage buffer of `size` i32 elements (at least 4 bytes), from the pool when one is free; its words are stale. */
  createBuffer(size: number): GPUBuffer {
    const bytes = Math.max(4, size * 4);
    // The n-th buffer of this submission: the pool hands out the one the n-th had last time.
    if (this.placeSubmission !== this.batch.submissions) {
      this.placeSubmission = this.batch.submissions;
      this.place = 0;
    }
    const place = this.place++;
    const free = this.pool.take(bytes, place);
    if (free) return free;
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new BackendError('webgpu', `a tensor of ${size} elements needs ${bytes} bytes, over this device's ${this.device.limits.maxStorageBufferBindingSize}-byte storage binding limit`);
    }
    const buf = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.pool.made(buf, place);
    return buf;
  }

  /** A buffer holding host i32/u32 words (kernel parameters, ids, per-channel scales). */
  words(data: Int32Array | Uint32Array): GPUBuffer {
    const buf = this.createBuffer(data.length);
    if (data.length > 0) this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    return buf;
  }

  upload(_dtype: DType, data: IntArray): GPUBuffer {
    const wide = data instanceof Int32Array ? data : Int32Array.from(data);
    return this.words(wide);
  }

  async read(storage: unknown, dtype: DType, size: number): Promise<IntArray> {
    const out = allocate(dtype, size);
    if (size === 0) return out;
    const buf = storage instanceof RowsWithRoom ? contiguousRows(this, storage) : (storage as GPUBuffer);
    out.set(await this.batch.read(buf, size)); // values are already in the dtype's range: kernels saturate
    return out;
  }

  dispose(storage: unknown): void {
    if (storage instanceof RowsWithRoom) releaseRows(this, storage);
    else this.release(storage as GPUBuffer);
  }

  /** Destroy a buffer once the work recorded so far is done. */
  release(buf: GPUBuffer): void {
    this.batch.release(buf);
  }

  /** `sized`: the source is shader()'s, whose workgroup size is this device's (WORKGROUP). */
  private pipeline(source: string, sized: boolean): GPUComputePipeline {
    let p = this.pipelines.get(source);
    if (!p) {
      const module = this.device.createShaderModule({ code: source });
      const constants = sized ? { WORKGROUP: this.workgroupSize } : undefined;
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main', constants } });
      this.pipelines.set(source, p);
      this.layouts.set(p, p.getBindGroupLayout(0));
    }
    return p;
  }

  /**
   * Run a compute shader built by wgsl/common.ts's shader() over `n` invocations. Bindings:
   * 0 = params (u32 words, with n in word 0 written here), 1.. = `buffers` in order. Dispatches
   * ceil(n / workgroupSize) workgroups, in 2-D when that exceeds 65535; the shader recovers the
   * flat index.
   */
  run(source: string, buffers: readonly GPUBuffer[], params: readonly number[], n: number): void {
    if (n === 0) return;
    this.dispatch(this.pipeline(source, true), buffers, [n, ...params], Math.ceil(n / this.workgroupSize));
  }

  /** Run a shader with its own fixed workgroup size (the tiled matmul) over `groups` workgroups; word 0 of the params is `groups`. */
  runGroups(source: string, buffers: readonly GPUBuffer[], params: readonly number[], groups: number): void {
    if (groups === 0) return;
    this.dispatch(this.pipeline(source, false), buffers, [groups, ...params], groups);
  }

  private dispatch(pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[], params: readonly number[], groups: number): void {
    const words = new Uint32Array(params);
    // In the submission's shared arena; a buffer of its own only when too long for a slot.
    const slot = this.batch.params(words);
    const paramBuf = slot ? undefined : this.words(words);
    const layout = this.layouts.get(pipeline)!;
    let bindGroup: GPUBindGroup;
    if (slot) bindGroup = this.bindGroups.get(pipeline, layout, slot, buffers, this.batch.submissions);
    else {
      const entries = [{ buffer: paramBuf! }, ...buffers.map((buffer) => ({ buffer }))].map((resource, binding) => ({ binding, resource }));
      bindGroup = this.device.createBindGroup({ layout, entries });
    }
    const gx = Math.min(groups, MAX_GROUPS_PER_DIM);
    const gy = Math.ceil(groups / gx);
    if (gy > MAX_GROUPS_PER_DIM) throw new BackendError('webgpu', `${groups} workgroups exceed the dispatch limit`);
    this.batch.dispatch(pipeline, bindGroup, gx, gy);
    if (paramBuf) this.release(paramBuf);
  }
}

/** The backend a webgpu kernel was called with. */
export function asWebGpu(backend: Backend): WebGpuBackend {
  if (!(backend instanceof WebGpuBackend)) throw new BackendError('webgpu', `kernel called with backend '${backend.name}'`);
  return backend;
}

const expTables = new WeakMap<WebGpuBackend, GPUBuffer>();

/** The EXP2_NEG_Q15 table (§9) as 256 u32 words, uploaded once per backend. */
export function expTable(g: WebGpuBackend): GPUBuffer {
  let t = expTables.get(g);
  if (!t) expTables.set(g, (t = g.words(Uint32Array.from(EXP2_NEG_Q15))));
  return t;
}

/** The GPU buffer behind a webgpu tensor, its elements contiguous (a cache plane's rows copied once, kv_rows.ts). */
export function gpuBuffer(t: Tensor): GPUBuffer {
  const s = t.storage;
  return s instanceof RowsWithRoom ? contiguousRows(asWebGpu(t.backend), s) : (s as GPUBuffer);
}
