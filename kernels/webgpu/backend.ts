/// <reference types="@webgpu/types" />
/**
 * The webgpu backend's storage and compute helper (engine/NUMERICS.md §0, §16.1 W1).
 *
 * Storage is one GPU buffer holding one i32 per element (W1: int8/int16 are widened on upload and
 * narrowed on read). This costs 4× the memory of packed int8 tensors; it is the simplest first
 * version. WebGPU forbids buffers of size 0, so an empty tensor gets a 4-byte buffer.
 * Tensors stay in GPU buffers from op to op; only `read` copies back to the host.
 */
import type { Backend } from '../../engine/backend.js';
import { EXP2_NEG_Q15 } from '../../engine/constants.js';
import { allocate, type DType, type IntArray } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { Tensor } from '../../engine/tensor.js';
import type { WebGpuDevice } from './device.js';

export const WORKGROUP_SIZE = 64;
const MAX_GROUPS_PER_DIM = 65535;

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly description: string;
  readonly device: GPUDevice;
  /** Keeps the GPU instance and adapter alive as long as the backend (see device.ts). */
  readonly gpu: WebGpuDevice;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /**
   * Buffers released while submitted work may still use them. They are destroyed once a later
   * read has completed (the queue runs in order, so that work is done by then).
   */
  private garbage: GPUBuffer[] = [];
  /** The first uncaptured device error, reported by the next read. */
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
  }

  /** A storage buffer of `size` i32 elements (at least 4 bytes). */
  createBuffer(size: number): GPUBuffer {
    const bytes = Math.max(4, size * 4);
    if (bytes > this.device.limits.maxStorageBufferBindingSize) {
      throw new BackendError('webgpu', `a tensor of ${size} elements needs ${bytes} bytes, over this device's ${this.device.limits.maxStorageBufferBindingSize}-byte storage binding limit`);
    }
    return this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
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
    const src = storage as GPUBuffer;
    const out = allocate(dtype, size);
    if (size === 0) return out;
    const staging = this.device.createBuffer({ size: size * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    // The copy is encoded and submitted now, so later kernels cannot change the snapshot.
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src, 0, staging, 0, size * 4);
    this.device.queue.submit([enc.finish()]);
    const release = this.garbage;
    this.garbage = [];
    await staging.mapAsync(GPUMapMode.READ);
    for (const buf of release) buf.destroy();
    if (this.error !== undefined) {
      const message = this.error;
      this.error = undefined;
      staging.destroy();
      throw new BackendError('webgpu', `device error: ${message}`);
    }
    const wide = new Int32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    out.set(wide); // values are already in the dtype's range: kernels saturate
    return out;
  }

  dispose(storage: unknown): void {
    this.release(storage as GPUBuffer);
  }

  /** Destroy a buffer once work submitted so far is done. */
  release(buf: GPUBuffer): void {
    this.garbage.push(buf);
  }

  private pipeline(source: string): GPUComputePipeline {
    let p = this.pipelines.get(source);
    if (!p) {
      const module = this.device.createShaderModule({ code: source });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.pipelines.set(source, p);
    }
    return p;
  }

  /**
   * Run a compute shader over `n` invocations. Bindings: 0 = params (u32 words, with n in word 0
   * written here), 1.. = `buffers` in order. Dispatches ceil(n/64) workgroups, in 2-D when that
   * exceeds 65535; the shader recovers the flat index (see wgsl/common.ts).
   */
  run(source: string, buffers: readonly GPUBuffer[], params: readonly number[], n: number): void {
    if (n === 0) return;
    const words = new Uint32Array([n, ...params]);
    const paramBuf = this.words(words);
    const pipeline = this.pipeline(source);
    const entries: GPUBindGroupEntry[] = [paramBuf, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const groups = Math.ceil(n / WORKGROUP_SIZE);
    const gx = Math.min(groups, MAX_GROUPS_PER_DIM);
    const gy = Math.ceil(groups / gx);
    if (gy > MAX_GROUPS_PER_DIM) throw new BackendError('webgpu', `${n} invocations exceed the dispatch limit`);
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
    this.device.queue.submit([enc.finish()]);
    this.release(paramBuf);
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

/** The GPU buffer behind a webgpu tensor. */
export function gpuBuffer(t: Tensor): GPUBuffer {
  return t.storage as GPUBuffer;
}
