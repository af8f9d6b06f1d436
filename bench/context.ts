/**
 * Sweep: generation speed as the context grows. stories260k (a llama with a 512-position
 * context) generates 448 tokens untraced from 'Once upon a time' (seed 42, temperature 0.8), and
 * each window of 64 tokens is timed on its own, so the table and chart show tokens/s against the
 * tokens generated so far. A backend whose per-step cost grows with the context (a key/value cache copied
 * at every step, O(T) a step) falls off to the right; one that appends in place stays level until
 * attention itself dominates.
 *
 * As in bench/model.ts, cpu runs in the parent and every other backend in a child process of its
 * own that runs cpu too (kernels/shared/native_gl.ts), so each ratio compares two figures taken in
 * one process; the generated tokens of every backend must equal cpu's, or the run exits non-zero.
 * Nothing asserts on the speeds.
 *
 * Run: npx tsx bench/context.ts [-- backend...] (default: cpu, wasm, webgpu). Progress with the
 * time left goes to stderr, the Markdown table to stdout; bench/results/context.json and .svg are
 * written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate, getBackend, loadModel } from '../lib/index.js';
import { loadAllBackends } from '../kernels/backends.js';
import { lineChartSvg } from '../tools/report/svg_chart.js';
import { parseBenchArgs, replyToParent, runChildren } from './child.js';
import { machineInfo, spmlVersion } from './machine.js';

await loadAllBackends();

const MODEL = 'stories260k';
const PROMPT = 'Once upon a time';
const WINDOW = 64;
const WINDOWS = 7;
const OPTIONS = { maxTokens: WINDOW * WINDOWS, seed: 42n, temperature: 0.8, trace: false };
const DEFAULT_BACKENDS = ['cpu', 'wasm', 'webgpu'];
const ARGS = parseBenchArgs(process.argv.slice(2).filter((a) => a !== '--').length > 0 ? process.argv.slice(2) : DEFAULT_BACKENDS);
const COLORS = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e', '#8c564b'];

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

interface Sweep {
  backend: string;
  device: string;
  /** Tokens generated before each window (the context is the prompt and these). */
  positions: number[];
  tokensPerSecond: number[];
  /** This process's cpu figures, window by window (the row's own, for cpu). */
  cpuTokensPerSecond: number[];
  tokens: number[];
  sameAsCpu: boolean;
}

/** One generation on `name`, timed window by window; `cpu` is this process's cpu sweep. */
async function measure(name: string, cpu?: Sweep): Promise<Sweep> {
  const be = await getBackend(name);
  log(`${name}: ${be.description}`);
  const model = await loadModel(MODEL, { backend: name });
  await generate(model, PROMPT, { ...OPTIONS, maxTokens: 8 }); // shaders and caches warm
  const stamps: number[] = [];
  const start = performance.now();
  const r = await generate(model, PROMPT, {
    ...OPTIONS,
    onToken: ({ index }) => {
      stamps.push(performance.now());
      if ((index + 1) % WINDOW === 0) {
        const done = (index + 1) / OPTIONS.maxTokens;
        const spent = (performance.now() - start) / 1e3;
        log(`  ${index + 1}/${OPTIONS.maxTokens} tokens, ${spent.toFixed(1)} s, about ${((spent / done) * (1 - done)).toFixed(0)} s left`);
      }
    },
  });
  if (r.tokens.length !== OPTIONS.maxTokens) throw new Error(`${name}: generated ${r.tokens.length} tokens, not ${OPTIONS.maxTokens} (an end token?)`);
  // A window's time runs from the last token before it (the first window: from the first token, so prefill is left out).
  const positions: number[] = [];
  const tokensPerSecond: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const from = w === 0 ? 0 : w * WINDOW - 1;
    const to = (w + 1) * WINDOW - 1;
    positions.push(w * WINDOW);
    tokensPerSecond.push(((to - from) / (stamps[to]! - stamps[from]!)) * 1e3);
  }
  const tokens = [...r.tokens];
  return {
    backend: name,
    device: be.description,
    positions,
    tokensPerSecond,
    cpuTokensPerSecond: cpu?.tokensPerSecond ?? tokensPerSecond,
    tokens,
    sameAsCpu: cpu ? tokens.every((t, i) => t === cpu.tokens[i]) : true,
  };
}

async function main(backends: readonly string[]): Promise<void> {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  log(`context bench: ${MODEL}, ${OPTIONS.maxTokens} tokens in windows of ${WINDOW}, ${cpuModel}, ${os.cpus().length} cores`);
  const cpu = await measure('cpu');
  const { results: children, failed } = runChildren<Sweep>(backends.slice(1));
  const sweeps = [cpu, ...children.map((s) => ({ ...s, sameAsCpu: s.sameAsCpu && s.tokens.every((t, i) => t === cpu.tokens[i]) }))];

  const header = ['backend', ...cpu.positions.map((p) => `after ${p}`), 'last ÷ first', 'same tokens as cpu'];
  const lines = [
    '',
    `## ${MODEL}: tokens/s as the context grows — ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`,
    '',
    `${OPTIONS.maxTokens} tokens from ${JSON.stringify(PROMPT)}, untraced, seed ${OPTIONS.seed}, temperature ${OPTIONS.temperature}, timed in windows of ${WINDOW} (a column: tokens/s over the window that starts after that many generated tokens). Each backend other than cpu ran in a process of its own beside cpu; its cells give tokens/s and, in brackets, the ratio to that process's cpu in the same window.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:')).join('|')}|`,
  ];
  for (const s of sweeps) {
    const cells = s.tokensPerSecond.map((t, i) => (s.backend === 'cpu' ? t.toFixed(1) : `${t.toFixed(1)} (${(t / s.cpuTokensPerSecond[i]!).toFixed(2)}×)`));
    const falloff = s.tokensPerSecond.at(-1)! / s.tokensPerSecond[0]!;
    lines.push(`| ${s.backend} | ${cells.join(' | ')} | ${falloff.toFixed(2)} | ${s.sameAsCpu ? 'yes' : 'NO'} |`);
  }
  for (const f of failed) lines.push(`${f.backend}: NOT MEASURED, its child process failed (${f.error}; its stderr is above)`);

  mkdirSync(resultsDir, { recursive: true });
  const svg = lineChartSvg({
    title: `${MODEL}: tokens/s as the context grows`,
    subtitle: `${WINDOW}-token windows, untraced; ${cpuModel}, ${os.cpus().length} cores`,
    xLabel: 'tokens generated before the window',
    yLabel: 'tokens/s',
    series: sweeps.map((s, i) => ({ label: s.backend, style: 'points' as const, color: COLORS[i % COLORS.length]!, points: s.positions.map((x, k) => ({ x, y: s.tokensPerSecond[k]! })) })),
  });
  const svgPath = path.join(resultsDir, 'context.svg');
  writeFileSync(svgPath, svg);
  const jsonPath = path.join(resultsDir, 'context.json');
  const json = {
    benchmark: 'context',
    description: `${MODEL} generate() untraced, ${OPTIONS.maxTokens} tokens timed in windows of ${WINDOW}; cpu in the parent, every other backend in a child process of its own that also ran cpu; the generated tokens must equal cpu's`,
    machine: machineInfo(),
    versions: { spml: spmlVersion() },
    options: { model: MODEL, prompt: PROMPT, maxTokens: OPTIONS.maxTokens, window: WINDOW, seed: String(OPTIONS.seed), temperature: OPTIONS.temperature },
    results: sweeps.map(({ tokens: _tokens, ...s }) => s),
    failed,
    allSameAsCpu: sweeps.every((s) => s.sameAsCpu),
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  lines.push('', `wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!json.allSameAsCpu || failed.length > 0) process.exit(1);
  process.exit(0);
}

if (ARGS.child !== undefined) {
  log(`[child ${process.pid}] ${ARGS.child}, compared with cpu measured in this process:`);
  const cpu = await measure('cpu');
  await replyToParent(await measure(ARGS.child, cpu));
  process.exit(0);
} else {
  await main(ARGS.backends);
}
