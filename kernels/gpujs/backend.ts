/**
 * The gpu.js backends (engine/NUMERICS.md §0.2, §16 "GPU.js"): one class for each mode.
 *
 * Tensors live on the host as typed arrays, as on cpu (kernels/shared/host_storage.ts); each op
 * uploads its operands as float32 planes (planes.ts), runs one or more gpu.js kernels and reads
 * the result back. Compiled kernels are cached by name, with dynamic output and argument sizes,
 * so a shape change never recompiles. After every run the backend checks the kernel class that
 * really ran: gpu.js swaps in its cpu kernel when a GL compile fails, and that must be an error,
 * not a result.
 */
import type { Backend, DeviceStats } from '../../engine/backend.js';
import { BackendError } from '../../engine/errors.js';
import { HostStorageBackend } from '../shared/host_storage.js';
import { KERNEL_CLASS, type GpujsInstance, type GpujsKernel, type GpujsMode } from './runtime.js';
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

export type KernelArg = Float32Array | number;

// gpu.js cannot upload a zero-length array; kernels never read past a tensor's size.
const EMPTY = new Float32Array(1);

export class GpujsBackend extends HostStorageBackend {
  readonly name: string;
  readonly description: string;
  private readonly kernels = new Map<string, GpujsKernel>();
  /** webasm: every compiled size holds a WebAssembly.Memory, and browsers cap how many (wasm_memories.ts). */
  readonly wasmMemories: WasmMemoryBudget | undefined;

  constructor(
    readonly mode: GpujsMode,
    private readonly gpu: GpujsInstance,
  ) {
    super();
    this.name = `gpujs-${mode}`;
    this.description = `gpu.js 2.24 mode '${mode}' (${KERNEL_CLASS[mode]}), float32 kernels exact below 2^24`;
    this.wasmMemories = mode === 'webasm' ? new WasmMemoryBudget() : undefined;
  }

  private runs = 0;

  /**
   * gpu.js takes its inputs from the host and returns its output there: every kernel run is a
   * dispatch, a submission and a read of its own (bench/model.ts reports them per token).
   */
  get deviceStats(): DeviceStats {
    return { dispatches: this.runs, reads: this.runs, submissions: this.runs };
  }

  /** Run `k` over a 1-D output of `size` floats and return them (empty for size 0). */
  run(k: KernelSource, size: number, args: readonly KernelArg[]): Float32Array {
    if (size === 0) return new Float32Array(0);
    this.runs++;
    if (size >= 2 ** 24) throw new BackendError(k.name, `output of ${size} floats exceeds gpu.js's exact index range 2^24 (§16 G6)`);
    const kernel = this.compiled(k);
    kernel.setOutput([size]);
    const call = (): unknown => kernel(...args.map((a) => (typeof a === 'number' ? a : a.length === 0 ? EMPTY : a)));
    const out = this.wasmMemories ? this.wasmMemories.run(k.name, call) : call();
    const ran = kernel.kernel?.constructor.name;
    if (ran !== KERNEL_CLASS[this.mode]) {
      throw new BackendError(k.name, `gpu.js ran this kernel on ${String(ran)} instead of ${KERNEL_CLASS[this.mode]} (${kernel.kernel?.fallbackReason ?? 'no reason given'})`);
    }
    this.wasmMemories?.note(k.name, kernel.kernel);
    if (!(out instanceof Float32Array)) throw new BackendError(k.name, `gpu.js returned ${Object.prototype.toString.call(out)}, not a Float32Array`);
    return out;
  }

  private compiled(k: KernelSource): GpujsKernel {
    let kernel = this.kernels.get(k.name);
    if (!kernel) {
      kernel = this.gpu.createKernel(k.source, {
        dynamicOutput: true,
        dynamicArguments: true,
        precision: 'single',
        tactic: 'precision',
        loopMaxIterations: k.loopMax ?? 1024,
        functions: [...(k.functions ?? [])],
      });
      this.kernels.set(k.name, kernel);
    }
    return kernel;
  }
}

/** The gpujs backend a kernel was called with. */
export function gpujs(backend: Backend): GpujsBackend {
  if (!(backend instanceof GpujsBackend)) throw new BackendError('gpujs', `kernel called with backend '${backend.name}'`);
  return backend;
}
