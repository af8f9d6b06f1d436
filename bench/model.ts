/**
 * End-to-end benchmark: moby-gpt text generation (64 tokens from 'Call me Ishmael. ', seed 42,
 * temperature 0.8) on cpu, webgpu, gpujs-headlessgl and gpujs-webasm: 1 warm-up run and 3 timed
 * runs per backend, median tokens/s reported.
 *
 * It also checks the engine's promise that results are byte-identical on every backend: the
 * output hash and the trace root of each backend must equal cpu's; the process exits non-zero
 * if they do not, or if a backend's child fails (the other backends are still measured).
 *
 * What matters is the ratio to cpu measured in the same process on the same machine; absolute
 * throughput depends on the machine, its load and the GPU (here possibly a software rasteriser
 * such as llvmpipe), so nothing here (or anywhere) asserts on it. webgpu and gpujs-headlessgl
 * cannot share a process (kernels/shared/native_gl.ts), so each backend other than cpu runs in a child
 * process of its own (bench/child.ts) that runs cpu first: a row's ratio uses the cpu tokens/s
 * from its own child, shown beside it. The cpu row is measured in the parent, and every
 * backend's hash and root must equal both its child's cpu and that row.
 *
 * Run: npx tsx bench/model.ts [-- backend...]. Progress goes to stderr, the Markdown table to
 * stdout; bench/results/model.json is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, getBackend, loadModel, type DeviceStats, type GenerationResult } from '../lib/index.js';
import { loadAllBackends } from '../kernels/backends.js';
import { parseBenchArgs, replyToParent, runChildren } from './child.js';
import { median } from './inputs.js';
import { machineInfo, spmlVersion } from './machine.js';

await loadAllBackends();

const MODEL = 'moby-gpt';
const PROMPT = 'Call me Ishmael. ';
const OPTIONS = { maxTokens: 64, seed: 42n, temperature: 0.8 };
const WARMUP = 1;
const RUNS = 3;
const ARGS = parseBenchArgs();

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

interface Result {
  backend: string;
  device: string;
  tokens: number;
  runsMs: number[];
  runsTokensPerSecond: number[];
  medianTokensPerSecond: number;
  /** The cpu figure this row is compared with: measured in the same process (the row's own, for cpu). */
  cpuMedianTokensPerSecond: number;
  ratioVsCpu: number;
  outputHash: string;
  traceRoot: string;
  traceLength: number;
  modelHash: string;
  sameAsCpu: boolean;
  completion: string;
  /**
   * Per generated token over the timed runs, for a backend that counts its device work
   * (Backend.deviceStats): kernel dispatches, host reads, and submissions to the device's queue.
   */
  perToken?: DeviceStats;
}

type Output = Pick<Result, 'outputHash' | 'traceRoot'>;
const sameOutput = (a: Output, b: Output): boolean => a.outputHash === b.outputHash && a.traceRoot === b.traceRoot;

/** Warm-up and timed runs of one backend, in this process; `cpu` is this process's cpu result. */
async function measure(name: string, cpu?: Result): Promise<Result> {
  const be = await getBackend(name);
  log(`${name}: ${be.description}`);
  const model = await loadModel(MODEL, { backend: name });
  for (let i = 0; i < WARMUP; i++) {
    const w = await generate(model, PROMPT, OPTIONS);
    log(`  warm-up: ${w.tokens.length} tokens in ${w.ms.toFixed(0)} ms`);
  }
  const runs: GenerationResult[] = [];
  const runsMs: number[] = [];
  const statsBefore = be.deviceStats;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = await generate(model, PROMPT, OPTIONS);
    const ms = performance.now() - t0;
    runs.push(r);
    runsMs.push(ms);
    log(`  run ${i + 1}: ${r.tokens.length} tokens in ${ms.toFixed(0)} ms = ${((r.tokens.length / ms) * 1e3).toFixed(2)} tokens/s`);
  }
  const first = runs[0]!;
  if (runs.some((r) => r.outputHash !== first.outputHash || r.traceRoot !== first.traceRoot)) {
    throw new Error(`${name}: runs of the same generation disagree with each other`);
  }
  const tps = runsMs.map((ms) => (first.tokens.length / ms) * 1e3);
  const statsAfter = be.deviceStats;
  const tokens = runs.reduce((n, r) => n + r.tokens.length, 0);
  const perToken =
    statsBefore && statsAfter
      ? {
          dispatches: (statsAfter.dispatches - statsBefore.dispatches) / tokens,
          reads: (statsAfter.reads - statsBefore.reads) / tokens,
          submissions: (statsAfter.submissions - statsBefore.submissions) / tokens,
        }
      : undefined;
  const med = median(tps);
  return {
    backend: name,
    device: be.description,
    tokens: first.tokens.length,
    runsMs,
    runsTokensPerSecond: tps,
    medianTokensPerSecond: med,
    cpuMedianTokensPerSecond: cpu?.medianTokensPerSecond ?? med,
    ratioVsCpu: cpu ? med / cpu.medianTokensPerSecond : 1,
    outputHash: first.outputHash,
    traceRoot: first.traceRoot,
    traceLength: first.traceLength,
    modelHash: first.modelHash,
    sameAsCpu: cpu ? sameOutput(first, cpu) : true,
    completion: first.completion,
    ...(perToken ? { perToken } : {}),
  };
}

/** In a child: cpu, then `backend` compared with it. */
async function child(backend: string): Promise<void> {
  log(`[child ${process.pid}] ${backend}, compared with cpu measured in this process:`);
  const cpu = await measure('cpu');
  await replyToParent(await measure(backend, cpu));
}

async function main(backendNames: readonly string[]): Promise<void> {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  log(`model bench: ${MODEL}, ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`);

  const cpu = await measure('cpu');
  const { results: children, failed } = runChildren<Result>(backendNames.slice(1));
  // Each child compared its backend with its own cpu; the cpu row printed here must agree too.
  const results = [cpu, ...children.map((r) => ({ ...r, sameAsCpu: r.sameAsCpu && sameOutput(r, cpu) }))];

  // ---- report ----
  const short = (h: string): string => `${h.slice(0, 16)}…`;
  const lines: string[] = [
    '',
    `## ${MODEL} generation, ${OPTIONS.maxTokens} tokens — ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`,
    '',
    `Prompt ${JSON.stringify(PROMPT)}, seed ${OPTIONS.seed}, temperature ${OPTIONS.temperature}; ${WARMUP} warm-up + ${RUNS} timed runs, median. Each backend other than cpu ran in a process of its own, which also ran cpu: ratio = tokens/s / that cpu tokens/s (>1: faster than cpu).`,
    '',
    '| backend | device | median tokens/s | cpu tokens/s, same process | ratio vs cpu | per token: dispatches · reads · submissions | output hash | trace root | same as cpu |',
    '|---|---|---:|---:|---:|---|---|---|---|',
  ];
  for (const r of results) {
    const work = r.perToken ? `${r.perToken.dispatches.toFixed(1)} · ${r.perToken.reads.toFixed(1)} · ${r.perToken.submissions.toFixed(1)}` : '—';
    lines.push(`| ${r.backend} | ${r.device} | ${r.medianTokensPerSecond.toFixed(2)} | ${r.cpuMedianTokensPerSecond.toFixed(2)} | ${r.ratioVsCpu.toFixed(2)}× | ${work} | \`${short(r.outputHash)}\` | \`${short(r.traceRoot)}\` | ${r.sameAsCpu ? 'yes' : 'NO'} |`);
  }
  lines.push('', `completion (cpu): ${JSON.stringify(cpu.completion)}`);
  for (const f of failed) lines.push(`${f.backend}: NOT MEASURED, its child process failed (${f.error}; its stderr is above)`);

  const machine = machineInfo();
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, 'model.json');
  const json = {
    benchmark: 'model',
    description: `${MODEL} generate() on each backend; cpu in the parent, every other backend in a child process of its own that also ran cpu (kernels/shared/native_gl.ts); tokens/s = generated tokens / wall time of generate(); ratioVsCpu = median tokens/s / cpuMedianTokensPerSecond, both from the same process; output hash and trace root must equal cpu's`,
    machine,
    devices: Object.fromEntries(results.map((r) => [r.backend, r.device])),
    versions: { spml: spmlVersion() },
    options: { model: MODEL, prompt: PROMPT, maxTokens: OPTIONS.maxTokens, seed: String(OPTIONS.seed), temperature: OPTIONS.temperature, warmup: WARMUP, runs: RUNS },
    results,
    failed,
    allSameAsCpu: results.every((r) => r.sameAsCpu),
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  lines.push(`wrote ${path.relative(process.cwd(), jsonPath)}`);
  const bad = results.filter((r) => !r.sameAsCpu);
  if (bad.length) lines.push(`MISMATCH: ${bad.map((r) => r.backend).join(', ')} disagree(s) with cpu`);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = bad.length || failed.length ? 1 : 0;
}

if (ARGS.child !== undefined) await child(ARGS.child);
else await main(ARGS.backends);
// The webgpu device keeps the event loop alive; leave once the report is out.
process.exit(process.exitCode ?? 0);
