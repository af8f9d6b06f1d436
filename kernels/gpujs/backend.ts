/**
 * The gpu.js backends (engine/NUMERICS.md §0.2, §16 "GPU.js"): one class for each mode.
 *
 * GL modes (headlessgl, webgl2) keep tensors on the GPU: kernels are compiled with gpu.js's
 * `pipeline: true`, so a run returns a Texture, and a Texture passed to the next kernel is read
 * there without a round trip through the host (storage.ts). Host data is uploaded once per
 * tensor (weights once per model), and values come back only when the engine reads a tensor,
 * where they are checked to be in-range integers (planes.ts, §16 G7). The webasm mode has no
 * device memory: gpu.js's WebAssemblyKernel accepts `pipeline` but returns a fresh typed array
 * anyway, so there every result is read and checked at once, as before.
 *
 * Kernels are compiled `immutable: true`: gpu.js otherwise renders each run into the texture it
 * returned last time, which would change a tensor after it was made. Immutable kernels return a
 * clone that shares the GL texture and render the next run into a fresh one while that clone is
 * alive, so every texture a kernel makes must be deleted once unused (`free`, or the tensor's
 * dispose), or each later run allocates another.
 *
 * One compiled gpu.js kernel per source and argument kinds (array, texture, number): gpu.js can
 * switch a kernel to another argument type itself, but the switched variants share one output
 * texture and forget `setOutput`, so a size change there renders into a texture of the old size.
 * After every run the backend checks the kernel class that really ran: gpu.js swaps in its cpu
 * kernel when a GL compile fails, and that must be an error, not a result.
 */
import type { Backend, DeviceStats } from '../../engine/backend.js';
import { allocate, type DType, type IntArray } from '../../engine/dtype.js';
import { BackendError } from '../../engine/errors.js';
import type { Tensor } from '../../engine/tensor.js';
import { fromPacked, fromValues, packedPlane } from './planes.js';
import { KERNEL_CLASS, type GpujsInstance, type GpujsKernel, type GpujsMode } from './runtime.js';
import { GpujsStorage, isTexture, type GpujsTexture, type Layout, type Plane } from './storage.js';
import { WasmMemoryBudget } from './wasm_memories.js';

/** A gpu.js kernel: its JavaScript-subset source and what it needs. */
export interface KernelSource {
  /** Unique cache key, e.g. 'matmul.chunks'. */
  readonly name: string;
  /** `function (args...) { ... }`, reading `this.thread.x` over a 1-D output. */
  readonly source: string;
  /** Helper functions it calls (sources of scalar → scalar functions). */
  readonly functions?: readonly string[];
  /** Upper bound on any loop's trip count (GLSL ES 1.0 needs a constant one). */
  readonly loopMax?: number;
}

export type KernelArg = Plane | number;

/** What the backend has asked of gpu.js; `uploads` counts host arrays handed to a kernel. */
export interface GpujsStats extends DeviceStats {
  readonly uploads: number;
}

// gpu.js cannot upload a zero-length array; kernels never read past a tensor's size.
const EMPTY = new Float32Array(1);

// How many planes `keyed` keeps: more than the distinct geometry and scale keys of a model's step.
const KEYED_KEPT = 256;

// Turns host data into a texture once (weights, derived planes): an exact copy.
const COPY: KernelSource = { name: 'copy', source: 'function (x) { return x[this.thread.x]; }' };

export class GpujsBackend implements Backend {
  readonly name: string;
  readonly description: string;
  /** GL modes keep results on the GPU as textures; webasm returns host arrays. */
  readonly pipeline: boolean;
  private readonly kernels = new Map<string, GpujsKernel>();
  /** webasm: every compiled size holds a WebAssembly.Memory, and browsers cap how many (wasm_memories.ts). */
  readonly wasmMemories: WasmMemoryBudget | undefined;
  /** Host planes that are the same on every call, uploaded once in GL modes (`constant`). */
  private readonly constants = new WeakMap<object, Map<string, Plane>>();
  /** Small planes kept by their content's key, oldest first (`keyed`). */
  private readonly byContent = new Map<string, Plane>();
  private unusedPlane: Plane | undefined;
  private dispatches = 0;
  private reads = 0;
  private uploads = 0;

  constructor(
    readonly mode: GpujsMode,
    private readonly gpu: GpujsInstance,
  ) {
    this.name = `gpujs-${mode}`;
    this.description = `gpu.js 2.24 mode '${mode}' (${KERNEL_CLASS[mode]}), float32 kernels exact below 2^24`;
    this.pipeline = mode !== 'webasm';
    this.wasmMemories = mode === 'webasm' ? new WasmMemoryBudget() : undefined;
  }

  /**
   * dispatches: kernel runs; reads: texture read-backs (GL) or results copied out of wasm memory
   * (webasm, one per run); uploads: host arrays passed to a run. gpu.js has no queue to submit
   * to: in GL modes each run is a draw call in GL's command stream, which only a read-back
   * flushes and waits for, so a submission is counted per read; webasm runs each kernel to
   * completion as it is called, a submission per run.
   */
  get deviceStats(): GpujsStats {
    return { dispatches: this.dispatches, reads: this.reads, submissions: this.reads, uploads: this.uploads };
  }

  upload(dtype: DType, data: IntArray): GpujsStorage {
    return new GpujsStorage(dtype, data.length, { host: data.slice() });
  }

  readSync(storage: unknown, dtype: DType, size: number): IntArray {
    return this.hostValues(this.storage(storage, dtype, size), 'read').slice();
  }

  read(storage: unknown, dtype: DType, size: number): Promise<IntArray> {
    return Promise.resolve(this.readSync(storage, dtype, size));
  }

  dispose(storage: unknown): void {
    if (storage instanceof GpujsStorage) storage.dispose();
  }

  /** Run `k` over a 1-D output of `size` floats and return them, read back to the host (empty for size 0). */
  run(k: KernelSource, size: number, args: readonly KernelArg[]): Float32Array {
    return this.toHost(this.dispatch(k, size, args));
  }

  /** Run `k` over a 1-D output of `size` floats; in GL modes the result stays on the GPU. */
  dispatch(k: KernelSource, size: number, args: readonly KernelArg[]): Plane {
    if (size === 0) return new Float32Array(0);
    if (size >= 2 ** 24) throw new BackendError(k.name, `output of ${size} floats exceeds gpu.js's exact index range 2^24 (§16 G6)`);
    const values = args.map((a) => (typeof a === 'number' || isTexture(a) ? a : a.length === 0 ? EMPTY : a));
    const kernel = this.compiled(k, values);
    kernel.setOutput([size]);
    this.dispatches++;
    this.uploads += values.filter((a) => a instanceof Float32Array).length;
    const out = this.wasmMemories ? this.wasmMemories.run(k.name, () => kernel(...values)) : kernel(...values);
    const ran = kernel.kernel?.constructor.name;
    if (ran !== KERNEL_CLASS[this.mode]) {
      throw new BackendError(k.name, `gpu.js ran this kernel on ${String(ran)} instead of ${KERNEL_CLASS[this.mode]} (${kernel.kernel?.fallbackReason ?? 'no reason given'})`);
    }
    this.wasmMemories?.note(k.name, kernel.kernel);
    if (this.pipeline ? !isTexture(out) : !(out instanceof Float32Array)) {
      throw new BackendError(k.name, `gpu.js returned ${Object.prototype.toString.call(out)}, not a ${this.pipeline ? 'Texture' : 'Float32Array'}`);
    }
    if (!this.pipeline) this.reads++;
    return out as Plane;
  }

  /** Delete the textures among `planes`, results of `dispatch` that nothing reads any more (the unused plane stays). */
  free(...planes: Plane[]): void {
    for (const p of planes) if (isTexture(p) && p !== this.unusedPlane) p.delete();
  }

  /**
   * A plane that is the same on every call, made by `make` once per `owner` and `key` and kept
   * while `owner` lives (uploaded once in GL modes, where an array argument is uploaded at every
   * run): a frozen attrs object's scale words, a module's table. Kernels must never free it.
   */
  constant(owner: object, key: string, make: () => Float32Array): Plane {
    let byKey = this.constants.get(owner);
    if (!byKey) this.constants.set(owner, (byKey = new Map()));
    let p = byKey.get(key);
    if (!p) {
      const f = make();
      p = this.pipeline && f.length > 0 ? this.toTexture(f) : f;
      byKey.set(key, p);
    }
    return p;
  }

  /**
   * A small plane named by `key`, a string that determines its content (a geometry table, a
   * one-off scale's words): made and uploaded once, then kept among the last KEYED_KEPT asked
   * for, so that the shapes a model repeats at every step cost no uploads. Kernels must never
   * free it; one evicted here is deleted only once the runs that read it are queued (GL orders them).
   */
  keyed(key: string, make: () => Float32Array): Plane {
    let p = this.byContent.get(key);
    if (p) {
      this.byContent.delete(key);
    } else {
      const f = make();
      p = this.pipeline && f.length > 0 ? this.toTexture(f) : f;
      if (this.byContent.size >= KEYED_KEPT) {
        const [oldest, old] = this.byContent.entries().next().value as [string, Plane];
        this.byContent.delete(oldest);
        if (isTexture(old)) old.delete();
      }
    }
    this.byContent.set(key, p);
    return p;
  }

  /** One float for an array argument a kernel does not read (no bias, no residual), uploaded once. */
  unused(): Plane {
    this.unusedPlane ??= this.pipeline ? this.toTexture(EMPTY) : EMPTY;
    return this.unusedPlane;
  }

  /** A plane's floats on the host; a texture is read back and deleted. */
  toHost(p: Plane): Float32Array {
    if (!isTexture(p)) return p;
    this.reads++;
    const f = p.toArray();
    p.delete();
    if (!(f instanceof Float32Array)) throw new BackendError('gpujs', `gpu.js read back ${Object.prototype.toString.call(f)}, not a Float32Array`);
    return f;
  }

  /**
   * A kernel's result as tensor storage: a texture stays on the GPU, host floats are checked now.
   * `layout` 'values': the kernel returned one float per int32 element, not limbs.
   */
  result(op: string, p: Plane, dtype: DType, size: number, layout: Layout = 'packed'): GpujsStorage {
    if (isTexture(p)) return new GpujsStorage(dtype, size, { texture: p }, layout);
    return new GpujsStorage(dtype, size, { host: unpack(op, p, dtype, size, layout) });
  }

  /**
   * A result made by runs over consecutive element ranges (batches that keep indices exact,
   * §16.1 G6): one run over everything is the result as it is; several are read back, checked
   * and joined on the host.
   */
  pieces(
    op: string,
    dtype: DType,
    size: number,
    ranges: readonly (readonly [number, number])[],
    run: (start: number, end: number) => Plane,
    layout: Layout = 'packed',
  ): GpujsStorage {
    if (ranges.length === 1 && ranges[0]![0] === 0 && ranges[0]![1] === size) return this.result(op, run(0, size), dtype, size, layout);
    const y = allocate(dtype, size);
    for (const [start, end] of ranges) y.set(unpack(op, this.toHost(run(start, end)), dtype, end - start, layout), start);
    return this.hostResult(dtype, y);
  }

  /** Host values as tensor storage (a result assembled on the host). */
  hostResult(dtype: DType, values: IntArray): GpujsStorage {
    return new GpujsStorage(dtype, values.length, { host: values });
  }

  /**
   * The packed plane of elements [start, end) of `t` (planes.ts layout). The whole of a tensor on
   * the GPU is its texture; the whole of a host tensor is uploaded once and kept (GL modes).
   */
  plane(t: Tensor, start = 0, end = t.size): Plane {
    const s = this.storage(t.storage, t.dtype, t.size);
    const whole = start === 0 && end === t.size;
    if (whole && s.texture && (s.layout === 'packed' || s.dtype !== 'int32')) return s.texture;
    const host = packedPlane(this.hostValues(s, 'plane').subarray(start, end), t.dtype);
    if (!whole || !this.pipeline || host.length === 0 || s.texture) return host;
    s.texture = this.toTexture(host);
    return s.texture;
  }

  /** Whether `t`'s values are on the host already (uploaded, or read once). */
  onHost(t: Tensor): boolean {
    return this.storage(t.storage, t.dtype, t.size).host !== undefined;
  }

  /** The checked host values of `t` (read back once if they are on the GPU); kernels must not write into them. */
  host(t: Tensor): IntArray {
    return this.hostValues(this.storage(t.storage, t.dtype, t.size), 'host');
  }

  /**
   * A plane computed from `t`'s host values, kept with `t` under `key` (and uploaded once in GL
   * modes): for weights, which are immutable and read at every step.
   */
  derived(t: Tensor, key: string, make: (values: IntArray) => Float32Array): Plane {
    const s = this.storage(t.storage, t.dtype, t.size);
    let p = s.derived.get(key);
    if (!p) {
      const f = make(this.hostValues(s, 'derived'));
      p = this.pipeline && f.length > 0 ? this.toTexture(f) : f;
      s.derived.set(key, p);
    }
    return p;
  }

  private toTexture(f: Float32Array): GpujsTexture {
    return this.dispatch(COPY, f.length, [f]) as GpujsTexture;
  }

  private hostValues(s: GpujsStorage, op: string): IntArray {
    if (!s.host) s.host = unpack(op, this.readTexture(s), s.dtype, s.size, s.layout);
    return s.host;
  }

  private readTexture(s: GpujsStorage): Float32Array {
    this.reads++;
    const f = s.texture!.toArray();
    if (!(f instanceof Float32Array)) throw new BackendError('gpujs', `gpu.js read back ${Object.prototype.toString.call(f)}, not a Float32Array`);
    return f;
  }

  /** Storage as this backend made it; a bare typed array (another module's result) is taken as host values. */
  private storage(storage: unknown, dtype: DType, size: number): GpujsStorage {
    if (storage instanceof GpujsStorage) return storage;
    if (ArrayBuffer.isView(storage)) return new GpujsStorage(dtype, size, { host: storage as IntArray });
    throw new BackendError(this.name, `storage ${Object.prototype.toString.call(storage)} is not this backend's`);
  }

  private compiled(k: KernelSource, args: readonly KernelArg[]): GpujsKernel {
    const kinds = args.map((a) => (typeof a === 'number' ? 'n' : isTexture(a) ? 't' : 'a')).join('');
    const key = `${k.name}:${kinds}`;
    let kernel = this.kernels.get(key);
    if (!kernel) {
      kernel = this.gpu.createKernel(k.source, {
        dynamicOutput: true,
        dynamicArguments: true,
        precision: 'single',
        tactic: 'precision',
        pipeline: this.pipeline,
        immutable: this.pipeline,
        loopMaxIterations: k.loopMax ?? 1024,
        functions: [...(k.functions ?? [])],
      });
      this.kernels.set(key, kernel);
    }
    return kernel;
  }
}

/** Checked host values from a kernel's floats in `layout`. */
function unpack(op: string, f: Float32Array, dtype: DType, size: number, layout: Layout): IntArray {
  return layout === 'values' ? fromValues(op, f, dtype, size) : fromPacked(op, f, dtype, size);
}

/** The gpujs backend a kernel was called with. */
export function gpujs(backend: Backend): GpujsBackend {
  if (!(backend instanceof GpujsBackend)) throw new BackendError('gpujs', `kernel called with backend '${backend.name}'`);
  return backend;
}
