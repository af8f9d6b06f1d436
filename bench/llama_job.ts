/**
 * One bench:llama measurement in a child process of its own: one engine, one model. A process per
 * job keeps each resident set clean (only that engine's code and that model's weights) and keeps
 * webgpu and gpujs-headlessgl apart (kernels/shared/native_gl.ts). The engine's modules are
 * imported here, in the child, for the same reason. RSS is read after a garbage collection (the
 * child runs with --expose-gc) before and after the model is loaded.
 */
import { readFileSync, statSync } from 'node:fs';
import { measureRunner, type EngineMeasurement, type LlamaRunner } from './llama_measure.js';
import type { BuiltModel, RunLengths } from './llama_models.js';

/** spml on a backend, llama.cpp on a GGUF type at a thread count, or the tfjs-wasm float32 llama. */
export type EngineSpec = { kind: 'spml'; backend: string; threads?: number } | { kind: 'llama.cpp'; type: 'Q8_0' | 'F32'; threads: number } | { kind: 'tfjs-wasm' };

export interface Job {
  readonly engine: EngineSpec;
  readonly model: BuiltModel;
  readonly lengths: RunLengths;
}

export interface JobResult extends EngineMeasurement {
  readonly device: string;
  /** The file the engine loaded and its size. */
  readonly file: string;
  readonly fileBytes: number;
  readonly loadMs: number;
  readonly rssBeforeLoadMiB: number;
  readonly rssAfterLoadMiB: number;
  readonly threads: number;
  readonly lengths: RunLengths;
}

export function engineLabel(e: EngineSpec): string {
  if (e.kind === 'spml') return `spml ${e.backend} int8${e.threads ? ` ${e.threads}t` : ''}`;
  if (e.kind === 'llama.cpp') return `llama.cpp ${e.type} ${e.threads}t`;
  return 'tfjs-wasm f32 1t';
}

const rssMiB = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
};

async function start(job: Job, log: (msg: string) => void): Promise<{ runner: LlamaRunner; device: string; file: string; threads: number }> {
  const { engine, model } = job;
  if (engine.kind === 'spml') {
    const { familyOf } = await import('../kernels/backends.js');
    const family = familyOf(engine.backend, 'node');
    if (!family) throw new Error(`no backend family registers ${engine.backend}`);
    // wasm starts its workers when it is first asked for: the thread count is read then.
    if (engine.threads) process.env.SPML_WASM_THREADS = String(engine.threads);
    await family.load();
    const { spmlRunner } = await import('./llama_spml.js');
    // spml's cpu and GPU backends run their kernels from the JavaScript thread: one thread.
    return { ...(await spmlRunner(model.files.spml, engine.backend)), file: model.files.spml, threads: engine.threads ?? 1 };
  }
  if (engine.kind === 'llama.cpp') {
    const { llamaCppRunner } = await import('./llama_cpp.js');
    const file = engine.type === 'Q8_0' ? model.files.ggufQ8 : model.files.ggufF32;
    return { ...(await llamaCppRunner(file, engine.threads, model.config.contextLength)), file, threads: engine.threads };
  }
  const { initTfjsWasm, TfLlama, tfLlamaRunner } = await import('./llama_tfjs.js');
  const wasm = await initTfjsWasm(log);
  const { readGgufLlama } = await import('../engine/format/gguf_llama.js');
  const model32 = new TfLlama(model.config, readGgufLlama(readFileSync(model.files.ggufF32)));
  return { runner: tfLlamaRunner(model32), device: `tfjs-wasm float32, simd ${wasm.simd}, multithreading ${wasm.threads}`, file: model.files.ggufF32, threads: 1 };
}

export async function runJob(job: Job, log: (msg: string) => void): Promise<JobResult> {
  const rssBeforeLoadMiB = rssMiB();
  const t0 = performance.now();
  const { runner, device, file, threads } = await start(job, log);
  const loadMs = performance.now() - t0;
  const rssAfterLoadMiB = rssMiB();
  log(`    ${device}: loaded in ${(loadMs / 1e3).toFixed(1)} s, RSS ${rssBeforeLoadMiB.toFixed(0)} → ${rssAfterLoadMiB.toFixed(0)} MiB`);
  const { prefill, decodePrompt } = job.lengths;
  const m = await measureRunner(runner, job.model.prefillIds.slice(0, prefill), job.model.prefillIds.slice(0, decodePrompt), job.lengths, log);
  return { ...m, device, file, fileBytes: statSync(file).size, loadMs, rssBeforeLoadMiB, rssAfterLoadMiB, threads, lengths: job.lengths };
}
