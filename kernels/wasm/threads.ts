/**
 * Threads for the wasm backend: a pool of workers that instantiate the threaded spml module
 * (build.ts, spml-threads.wasm) on the backend's shared memory, so that they run kernels on the
 * very tensors the main thread allocated (heap.ts stays on the main thread; workers never
 * allocate). Instantiating rewrites the module's one data segment (stridedCopy's 64-byte
 * scratch, zeros) in the shared memory; that happens only while the backend is starting, before
 * any kernel runs, so it clobbers nothing.
 *
 * Why threading cannot change a bit (engine/NUMERICS.md §5): matmul's output element
 * C[p, i, j] depends only on row i of A, B and the bias, and the kernel computes it with the same
 * instructions whatever thread runs it, so splitting the rows [0, M) into ranges, one per thread,
 * writes the same bytes as one thread does (the ranges are disjoint: no element is written twice,
 * none is read by another thread). The other kernels stay on the main thread.
 *
 * Synchronization: a small control SharedArrayBuffer holds one slot per worker (job number, done
 * number, export, arguments). The main thread writes the arguments, bumps the job number with
 * Atomics.store and notifies; the worker, parked in Atomics.wait on its slot, runs the export
 * and stores the job number into `done` (Atomics.store, then notify). Atomics are sequentially
 * consistent, so the worker's plain stores to linear memory happen before the main thread's
 * Atomics.load that sees `done`, and the main thread's stores (inputs) before the worker's run.
 * The main thread takes its own share of rows meanwhile, then waits: Atomics.wait in Node and in
 * workers, a spin on Atomics.load on a browser's main thread (where Atomics.wait throws).
 */
import { BackendError } from '../../engine/errors.js';
import type { SpmlExports } from './module.js';

/** Int32 words per worker slot: [job, done, export index, argc, error, (pad), (pad), (pad), args…]. */
const SLOT = 32;
const JOB = 0;
const DONE = 1;
const FN = 2;
const ARGC = 3;
const ERROR = 4;
const ARGS = 8;
const MAX_ARGS = SLOT - ARGS;
/** Export index that tells a worker to leave its loop. */
const STOP = -1;

/** The exports workers may run (index = the number written into a slot). */
const WORKER_EXPORTS = ['matmul'] as const;
type WorkerExport = (typeof WORKER_EXPORTS)[number];

/**
 * The worker, one self-contained plain-JS source for both runtimes: a Node worker_threads worker
 * (eval: true, its init in workerData; `require` exists there) and a browser Web Worker from a
 * Blob URL (its init in the first message). It instantiates the module on the shared memory,
 * says it is ready, then loops: wait for a job, run the named export with the int arguments,
 * publish done.
 */
export const WORKER_SOURCE = `(function () {
  'use strict';
  var SLOT = ${SLOT}, JOB = ${JOB}, DONE = ${DONE}, FN = ${FN}, ARGC = ${ARGC}, ERROR = ${ERROR}, ARGS = ${ARGS};
  function start(init, post) {
    var ctrl = new Int32Array(init.control);
    var base = init.slot * SLOT;
    var env = { memory: init.memory, abort: function () { throw new Error('the spml module aborted'); } };
    WebAssembly.instantiate(init.module, { env: env }).then(function (instance) {
      var fns = init.names.map(function (n) { return instance.exports[n]; });
      // Read the job number before saying ready: once ready, the main thread may post a job at
      // any moment, and a job posted before this read would be missed (both threads waiting).
      var seen = Atomics.load(ctrl, base + JOB);
      post({ ready: true });
      for (;;) {
        Atomics.wait(ctrl, base + JOB, seen);
        var job = Atomics.load(ctrl, base + JOB);
        if (job === seen) continue;
        seen = job;
        var fn = ctrl[base + FN];
        if (fn < 0) return;
        var args = [];
        for (var i = 0, n = ctrl[base + ARGC]; i < n; i++) args.push(ctrl[base + ARGS + i]);
        try {
          fns[fn].apply(null, args);
          ctrl[base + ERROR] = 0;
        } catch (e) {
          ctrl[base + ERROR] = 1;
          post({ error: String((e && e.stack) || e) });
        }
        Atomics.store(ctrl, base + DONE, job);
        Atomics.notify(ctrl, base + DONE);
      }
    }).catch(function (e) { post({ error: String((e && e.stack) || e) }); });
  }
  if (typeof process === 'object' && process !== null && process.versions && process.versions.node && typeof require === 'function') {
    var wt = require('node:worker_threads');
    start(wt.workerData, function (m) { wt.parentPort.postMessage(m); });
  } else {
    self.onmessage = function (e) {
      self.onmessage = null;
      start(e.data, function (m) { self.postMessage(m); });
    };
  }
})();
`;

/** What a worker gets: the compiled module, the memory, the control buffer and its slot. */
interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  names: readonly string[];
}

/** A started worker: Node's or the browser's, behind the few calls the pool makes. */
interface PoolWorker {
  terminate(): void;
}

const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

/**
 * Whether this thread may block in Atomics.wait: Node's main thread and every worker may; a
 * browser's main thread may not (Atomics.wait throws there), so it spins on Atomics.load.
 */
const canBlock = isNode || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';

/** Start one worker and resolve once it has instantiated the module. */
async function startWorker(init: WorkerInit): Promise<PoolWorker> {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    // execArgv: [] so the source runs as the CommonJS script it is, with `require`, whatever the
    // parent was started with (--input-type=module would make it a module without `require`).
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: init, execArgv: [] });
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        w.off('message', onMessage);
        w.off('error', done);
        w.off('exit', onExit);
        if (e) reject(e);
        else resolve();
      };
      const onMessage = (m: { ready?: boolean; error?: string }) => done(m.ready ? undefined : new Error(m.error));
      const onExit = (code: number) => done(new Error(`worker exited with code ${code}`));
      w.on('message', onMessage);
      w.on('error', done);
      w.on('exit', onExit);
    }).catch((e: unknown) => {
      void w.terminate();
      throw e;
    });
    // Parked in Atomics.wait between jobs, a worker must not keep Node from exiting. (It stays
    // referenced until ready: an unreferenced worker would let a script that only awaits the
    // backend exit early.)
    w.unref();
    return { terminate: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const w = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      w.onmessage = (e: MessageEvent<{ ready?: boolean; error?: string }>) => (e.data.ready ? resolve() : reject(new Error(e.data.error)));
      w.onerror = (e) => reject(new Error(e.message || 'the worker failed to start'));
      w.postMessage(init);
    });
  } catch (e) {
    w.terminate();
    throw e;
  } finally {
    URL.revokeObjectURL(url);
  }
  w.onmessage = null;
  w.onerror = null;
  return { terminate: () => w.terminate() };
}

/** A pool of `workers` workers running exports of `module` on `memory` beside the main thread. */
export class WasmThreadPool {
  private readonly ctrl: Int32Array;
  private jobs = 0;
  private stopped = false;

  private constructor(
    private readonly workers: readonly PoolWorker[],
    control: SharedArrayBuffer,
  ) {
    this.ctrl = new Int32Array(control);
  }

  /** Start `workers` workers (all of them ready before this resolves). */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, workers: number): Promise<WasmThreadPool> {
    const control = new SharedArrayBuffer(Math.max(1, workers) * SLOT * 4);
    const settled = await Promise.allSettled(
      Array.from({ length: workers }, (_, slot) => startWorker({ module, memory, control, slot, names: WORKER_EXPORTS })),
    );
    const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) {
      for (const w of started) w.terminate();
      throw new BackendError('wasm', `a worker thread failed to start: ${(failed.reason as Error).message ?? failed.reason}`);
    }
    return new WasmThreadPool(started, control);
  }

  /** Threads that share work: the workers and the main thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Run `exports[name](...args, row0, row1)` over rows [0, rows), split into contiguous ranges of
   * near-equal size, one per thread: the main thread runs the first, each worker one of the rest.
   * Returns when every range is done. The kernel must write only its own rows (matmul does).
   */
  splitRows(exports: SpmlExports, name: WorkerExport, args: readonly number[], rows: number): void {
    if (this.stopped) throw new BackendError('wasm', 'the backend has been shut down');
    const fn = WORKER_EXPORTS.indexOf(name);
    const parts = Math.min(this.threads, rows);
    const bound = (t: number) => Math.floor((rows * t) / parts);
    const run = exports[name] as (...a: number[]) => void;
    if (parts <= 1) {
      run(...args, 0, rows);
      return;
    }
    if (args.length + 2 > MAX_ARGS) throw new BackendError('wasm', `${name}: too many arguments for a worker slot`);
    const job = ++this.jobs;
    for (let t = 1; t < parts; t++) {
      const base = (t - 1) * SLOT;
      this.ctrl[base + FN] = fn;
      this.ctrl[base + ARGC] = args.length + 2;
      for (let i = 0; i < args.length; i++) this.ctrl[base + ARGS + i] = args[i]!;
      this.ctrl[base + ARGS + args.length] = bound(t);
      this.ctrl[base + ARGS + args.length + 1] = bound(t + 1);
      Atomics.store(this.ctrl, base + JOB, job);
      Atomics.notify(this.ctrl, base + JOB);
    }
    let error: unknown;
    try {
      run(...args, 0, bound(1));
    } catch (e) {
      error = e;
    }
    // Wait for every worker that got a job, even when our share failed: their rows are in flight.
    let workerFailed = false;
    for (let t = 1; t < parts; t++) {
      const at = (t - 1) * SLOT + DONE;
      for (let d = Atomics.load(this.ctrl, at); d !== job; d = Atomics.load(this.ctrl, at)) {
        if (canBlock) Atomics.wait(this.ctrl, at, d);
      }
      if (this.ctrl[(t - 1) * SLOT + ERROR] !== 0) workerFailed = true;
    }
    if (error !== undefined) throw error;
    if (workerFailed) throw new BackendError('wasm', `${name} failed on a worker thread`);
  }

  /** Stop and end every worker; the pool cannot run jobs after this. */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    const job = ++this.jobs;
    for (let t = 0; t < this.workers.length; t++) {
      this.ctrl[t * SLOT + FN] = STOP;
      Atomics.store(this.ctrl, t * SLOT + JOB, job);
      Atomics.notify(this.ctrl, t * SLOT + JOB);
    }
    for (const w of this.workers) w.terminate();
  }
}

/**
 * The default thread count: the cores this runtime reports (os.availableParallelism in Node,
 * navigator.hardwareConcurrency in a browser), at most 4 (matmuls of the shipped models are
 * small; more threads mostly add synchronization), overridden in Node by SPML_WASM_THREADS.
 */
export async function defaultThreadCount(): Promise<number> {
  if (isNode) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.SPML_WASM_THREADS;
    if (env !== undefined && env !== '') {
      const n = Number(env);
      if (!Number.isInteger(n) || n < 1) throw new BackendError('wasm', `SPML_WASM_THREADS must be a positive integer, not '${env}'`);
      return n;
    }
    const os = await import('node:os');
    return Math.min(4, Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  }
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.min(4, Math.max(1, cores ?? 1));
}
