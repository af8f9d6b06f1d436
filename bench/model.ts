/**
 * End-to-end benchmark: moby-gpt text generation (64 tokens from 'Call me Ishmael. ', seed 42,
 * temperature 0.8) on every registered backend (cpu, webgpu), in the same process, one after
 * the other: 1 warm-up run and 3 timed runs per backend, median tokens/s reported.
 *
 * It also checks the engine's promise that results are byte-identical on every backend: the
 * output hash and the trace root of each backend must equal cpu's; the process exits non-zero
 * if they do not.
 *
 * What matters is the ratio to cpu measured in the same process on the same machine; absolute
 * throughput depends on the machine, its load and the GPU (here possibly a software rasteriser
 * such as llvmpipe), so nothing here (or anywhere) asserts on it.
 *
 * Run: npx tsx bench/model.ts. Progress goes to stderr, the Markdown table to stdout;
 * bench/results/model.json is written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, getBackend, listBackends, loadModel, type GenerationResult } from '../engine/index.js';
import '../kernels/cpu/index.js';
import '../kernels/webgpu/index.js';

const MODEL = 'moby-gpt';
const PROMPT = 'Call me Ishmael. ';
const OPTIONS = { maxTokens: 64, seed: 42n, temperature: 0.8 };
const WARMUP = 1;
const RUNS = 3;
const BACKENDS = ['cpu', 'webgpu'] as const;

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface Result {
  backend: string;
  device: string;
  tokens: number;
  runsMs: number[];
  runsTokensPerSecond: number[];
  medianTokensPerSecond: number;
  ratioVsCpu: number;
  outputHash: string;
  traceRoot: string;
  traceLength: number;
  modelHash: string;
  sameAsCpu: boolean;
  completion: string;
}

async function main(): Promise<void> {
  const registered = listBackends();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  log(`model bench: ${MODEL}, ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`);
  const results: Result[] = [];
  for (const name of BACKENDS) {
    if (!registered.includes(name)) throw new Error(`backend '${name}' is not registered (have: ${registered.join(', ')})`);
    const be = await getBackend(name);
    log(`${name}: ${be.description}`);
    const model = await loadModel(MODEL, { backend: name });
    for (let i = 0; i < WARMUP; i++) {
      const w = await generate(model, PROMPT, OPTIONS);
      log(`  warm-up: ${w.tokens.length} tokens in ${w.ms.toFixed(0)} ms`);
    }
    const runs: GenerationResult[] = [];
    const runsMs: number[] = [];
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
    const cpu = results[0];
    const med = median(tps);
    results.push({
      backend: name,
      device: be.description,
      tokens: first.tokens.length,
      runsMs,
      runsTokensPerSecond: tps,
      medianTokensPerSecond: med,
      ratioVsCpu: cpu ? med / cpu.medianTokensPerSecond : 1,
      outputHash: first.outputHash,
      traceRoot: first.traceRoot,
      traceLength: first.traceLength,
      modelHash: first.modelHash,
      sameAsCpu: cpu ? first.outputHash === cpu.outputHash && first.traceRoot === cpu.traceRoot : true,
      completion: first.completion,
    });
  }

  // ---- report ----
  const short = (h: string): string => `${h.slice(0, 16)}…`;
  const lines: string[] = [
    '',
    `## ${MODEL} generation, ${OPTIONS.maxTokens} tokens — ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`,
    '',
    `Prompt ${JSON.stringify(PROMPT)}, seed ${OPTIONS.seed}, temperature ${OPTIONS.temperature}; ${WARMUP} warm-up + ${RUNS} timed runs, median. Ratio = tokens/s / cpu tokens/s (>1: faster than cpu).`,
    '',
    '| backend | device | median tokens/s | ratio vs cpu | output hash | trace root | same as cpu |',
    '|---|---|---:|---:|---|---|---|',
  ];
  for (const r of results) {
    lines.push(`| ${r.backend} | ${r.device} | ${r.medianTokensPerSecond.toFixed(2)} | ${r.ratioVsCpu.toFixed(2)}× | \`${short(r.outputHash)}\` | \`${short(r.traceRoot)}\` | ${r.sameAsCpu ? 'yes' : 'NO'} |`);
  }
  lines.push('', `completion (cpu): ${JSON.stringify(results[0]?.completion ?? '')}`);

  const machine = {
    cpu: cpuModel,
    cores: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
  const spmlVersion = (JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, 'model.json');
  const json = {
    benchmark: 'model',
    description: `${MODEL} generate() on each registered backend, same process; tokens/s = generated tokens / wall time of generate(); output hash and trace root must equal cpu's`,
    machine,
    devices: Object.fromEntries(results.map((r) => [r.backend, r.device])),
    versions: { spml: spmlVersion },
    options: { model: MODEL, prompt: PROMPT, maxTokens: OPTIONS.maxTokens, seed: String(OPTIONS.seed), temperature: OPTIONS.temperature, warmup: WARMUP, runs: RUNS },
    results,
    allSameAsCpu: results.every((r) => r.sameAsCpu),
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  lines.push(`wrote ${path.relative(process.cwd(), jsonPath)}`);
  const bad = results.filter((r) => !r.sameAsCpu);
  if (bad.length) lines.push(`MISMATCH: ${bad.map((r) => r.backend).join(', ')} disagree(s) with cpu`);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = bad.length ? 1 : 0;
}

await main();
// The webgpu device keeps the event loop alive; leave once the report is out.
process.exit(process.exitCode ?? 0);
