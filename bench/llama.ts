/**
 * bench:llama — Llama inference speed side by side: prefill and decode tokens/s of stories260K
 * (the real llama2.c checkpoint) and of seeded random-weight llamas of llama2.c's 15M and 110M
 * shapes, on
 *   - spml, the int8 `.spml` on each backend that can hold the model (cpu; webgpu and the gpujs
 *     backends where they start: on a machine without a GPU they run on a software adapter, so
 *     they are timed on the two small models only, and the 110M row says so);
 *   - llama.cpp through node-llama-cpp's prebuilt cpu build, on GGUF Q8_0 and F32 files written by
 *     writeGgufLlama from the same float weights, at 1 and 2 threads;
 *   - a float32 llama in tfjs-core on its wasm backend (bench/llama_tfjs.ts), same weights, KV
 *     cache, greedy, on the single thread tfjs-wasm has in Node.
 * spml's cpu and GPU backends run on one JavaScript thread, so they compare with the 1-thread
 * llama.cpp rows; wasm runs on the thread count its description names.
 *
 * Every engine/model pair runs in a child process of its own (bench/llama_job.ts), which also
 * reads its resident set before and after loading. An engine that fails to start, or runs past
 * its limit, is a row saying why; the others are still measured. Speed is never asserted.
 *
 * Run: npm run bench:llama [-- --models stories260K,random-15M --engines cpu,webgpu,llama.cpp,tfjs-wasm].
 * Progress goes to stderr, the Markdown tables to stdout; bench/results/llama.json and
 * bench/results/llama.svg are written (only by a run of every model and engine).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_BACKENDS, replyToParent, runScriptChild } from './child.js';
import { engineLabel, runJob, type EngineSpec, type Job, type JobResult } from './llama_job.js';
import { BENCH_MODELS, buildModel, type BenchModelSpec, type BuiltModel, type RunLengths } from './llama_models.js';
import { chartSvg, markdownTable, type Row } from './llama_report.js';
import { machineInfo, spmlVersion, versionOf } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** node-llama-cpp's exports hide its package.json from require, so it is read from node_modules. */
const llamaCppVersion = (): string => (JSON.parse(readFileSync(path.join(here, '..', 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string }).version;

const LLAMA_CPP: EngineSpec[] = (['Q8_0', 'F32'] as const).flatMap((type) => [1, 2].map((threads) => ({ kind: 'llama.cpp' as const, type, threads })));
/** wasm runs at 1 and at 2 threads, beside llama.cpp's 1- and 2-thread rows (SPML_WASM_THREADS in its child). */
const spmlEngines = (backend: string): EngineSpec[] => (backend === 'wasm' ? [1, 2].map((threads) => ({ kind: 'spml' as const, backend, threads })) : [{ kind: 'spml' as const, backend }]);
const ALL_ENGINES: EngineSpec[] = [...ALL_BACKENDS.flatMap(spmlEngines), ...LLAMA_CPP, { kind: 'tfjs-wasm' }];

/** `--engines` names: a backend, 'llama.cpp' or 'tfjs-wasm'. */
const engineName = (e: EngineSpec): string => (e.kind === 'spml' ? e.backend : e.kind);

function parseArgs(argv: readonly string[]): { job?: Job; models: BenchModelSpec[]; engines: EngineSpec[]; full: boolean } {
  const args = argv.filter((a) => a !== '--');
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const job = value('--job');
  const modelNames = value('--models')?.split(',');
  const engineNames = value('--engines')?.split(',');
  const unknownModels = modelNames?.filter((n) => !BENCH_MODELS.some((m) => m.name === n)) ?? [];
  const unknownEngines = engineNames?.filter((n) => !ALL_ENGINES.some((e) => engineName(e) === n)) ?? [];
  if (unknownModels.length || unknownEngines.length) {
    throw new Error(`unknown ${[...unknownModels, ...unknownEngines].join(', ')} (models: ${BENCH_MODELS.map((m) => m.name).join(', ')}; engines: ${[...new Set(ALL_ENGINES.map(engineName))].join(', ')})`);
  }
  return {
    ...(job !== undefined ? { job: JSON.parse(job) as Job } : {}),
    models: BENCH_MODELS.filter((m) => !modelNames || modelNames.includes(m.name)),
    engines: ALL_ENGINES.filter((e) => !engineNames || engineNames.includes(engineName(e))),
    full: !modelNames && !engineNames,
  };
}

/** The GPU backends, which run on a software adapter on a machine without a GPU; cpu and wasm run on the CPU. */
const onSoftwareAdapter = (engine: EngineSpec): boolean => engine.kind === 'spml' && !['cpu', 'wasm'].includes(engine.backend);

/** Why a job is not run at all, if it is not. */
function notRun(spec: BenchModelSpec, engine: EngineSpec): string | undefined {
  if (onSoftwareAdapter(engine) && !spec.gpuLengths) {
    return `not run: on this machine ${(engine as { backend: string }).backend} is a software adapter, and a ${spec.name} pass would take minutes (see its random-15M row)`;
  }
  return undefined;
}

const lengthsFor = (spec: BenchModelSpec, engine: EngineSpec): RunLengths => (onSoftwareAdapter(engine) ? spec.gpuLengths! : spec.lengths);

/** A child's time limit: its warm-up, its runs while the budget lasts, the last run past it, loading. */
const limitMs = (lengths: RunLengths): number => 3 * Math.max(lengths.budgetMs, 30_000) + 60_000;

async function main(models: readonly BenchModelSpec[], engines: readonly EngineSpec[], full: boolean): Promise<void> {
  const started = performance.now();
  const clock = () => {
    const s = Math.round((performance.now() - started) / 1e3);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const machine = machineInfo();
  log(`llama bench: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}; ${models.length} models × ${engines.length} engines`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spml-bench-llama-'));
  const built: BuiltModel[] = [];
  const rows: Row[] = [];
  const total = models.length * engines.length;
  try {
    for (const spec of models) {
      log(`[${clock()}] ${spec.name} (${spec.note}): building its files`);
      const model = buildModel(spec, path.join(dir, spec.name), log);
      built.push(model);
      for (const engine of engines) {
        const label = engineLabel(engine);
        const skip = notRun(spec, engine);
        const lengths = skip ? spec.lengths : lengthsFor(spec, engine);
        log(`[${clock()}] job ${rows.length + 1}/${total}: ${spec.name} on ${label}${skip ? ` — ${skip}` : `, limit ${(limitMs(lengths) / 1e3).toFixed(0)} s`}`);
        if (skip) {
          rows.push({ model: spec.name, engine, label, error: skip });
          continue;
        }
        const job: Job = { engine, model, lengths };
        const r = runScriptChild<JobResult>(['--job', JSON.stringify(job)], { nodeFlags: ['--expose-gc'], timeoutMs: limitMs(lengths) });
        if ('value' in r) rows.push({ model: spec.name, engine, label, result: r.value });
        else {
          log(`  ${label}: ${r.error}`);
          rows.push({ model: spec.name, engine, label, error: r.error });
        }
      }
      rmSync(path.join(dir, spec.name), { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1e3;

  const lines = [
    '',
    `## Llama inference speed — ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`,
    '',
    'Median tokens/s after one warm-up; ratio = tokens/s ÷ llama.cpp Q8_0 at the same thread count on the same model (>1: faster). spml\'s cpu and GPU backends and tfjs-wasm run on one thread; spml wasm runs at the thread count its row names; each compares with llama.cpp at its own thread count. RSS is the child process after loading (before loading in brackets). Greedy = how many leading decoded tokens equal llama.cpp F32\'s.',
    ...markdownTable(rows, built),
  ];
  const failed = rows.filter((r) => !r.result);
  if (full) {
    mkdirSync(resultsDir, { recursive: true });
    const jsonPath = path.join(resultsDir, 'llama.json');
    const svgPath = path.join(resultsDir, 'llama.svg');
    const json = {
      benchmark: 'llama',
      description:
        'prefill and decode tokens/s of llama models on spml backends (int8), llama.cpp via node-llama-cpp (GGUF Q8_0/F32, 1 and 2 threads) and a tfjs-wasm float32 llama, one child process per engine and model; ratios = tokens/s / llama.cpp Q8_0 tokens/s at the same thread count; RSS of the child after loading; the baseline a WebAssembly backend will be measured against',
      machine,
      versions: { spml: spmlVersion(), 'node-llama-cpp': llamaCppVersion(), 'tfjs-core': versionOf('@tensorflow/tfjs-core'), 'tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm') },
      models: built.map(({ files: _files, ...m }) => ({ ...m, lengths: BENCH_MODELS.find((s) => s.name === m.name)!.lengths })),
      rows,
      seconds: +seconds.toFixed(1),
    };
    writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(svgPath, chartSvg(rows, built, machine));
    lines.push('', `wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)} in ${seconds.toFixed(0)} s`);
  } else lines.push('', `a partial run (--models/--engines): results not written; ${seconds.toFixed(0)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
  // Rows not run by design are not failures; engines that failed or ran past their limit are.
  process.exitCode = failed.some((r) => !r.error?.startsWith('not run')) ? 1 : 0;
}

const ARGS = parseArgs(process.argv.slice(2));
if (ARGS.job) {
  const job = ARGS.job;
  log(`  [child ${process.pid}] ${job.model.name} on ${engineLabel(job.engine)}`);
  await replyToParent(await runJob(job, log));
} else await main(ARGS.models, ARGS.engines, ARGS.full);
// webgpu and node-llama-cpp keep the event loop alive; leave once the report is out.
process.exit(process.exitCode ?? 0);
