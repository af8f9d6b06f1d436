/**
 * spml against a float32 peer, @tensorflow/tfjs-core 4.22 on its cpu (plain JavaScript) and wasm
 * (XNNPACK, SIMD) backends, on every spml backend:
 *   1. kernels, benchmark.js medians: int8 matmul 256³ and 512³, softmax on 12×128×128 attention
 *      scores (int32 → int16; tfjs: float32 softmax), layerNorm with gain and bias on 128×768
 *      rows (int16 → int8; tfjs: the mean/rsqrt composite the float32 GPT uses,
 *      layerNormForward of tools/train/tf_gpt.ts, as tfjs-core has no layerNorm kernel);
 *   2. end to end, tokens/s of greedy generation (64 tokens after 'Call me Ishmael. ', 1 warm-up
 *      and 5 timed runs, median; the contenders' runs interleaved round by round) with the
 *      shipped int8 moby-gpt (generate, trace off; on cpu also trace on) against the same
 *      architecture in float32 tfjs on the float checkpoint it was quantized from
 *      (TfGptInference of tools/train/tf_gpt.ts, the training code's forward pass with
 *      forward-only blocks). Both keep a KV cache, prefill the prompt in one pass, then run
 *      one single-token pass per generated token and read each chosen token back to the host.
 *
 * Every timing includes reading the result back to the host (spml `await out.data()`, tfjs
 * `await t.data()`). Ratios are spml time ÷ tfjs time (>1: spml slower), always between two
 * figures taken in one process: the cpu rows are timed in the parent beside tfjs-cpu and
 * tfjs-wasm; webgpu and gpujs-headlessgl cannot share a process (kernels/shared/native_gl.ts), so each
 * backend other than cpu runs in a child process of its own (bench/child.ts) that times its
 * backend and tfjs-wasm (the strongest peer) and nothing else. A child also checks its backend's
 * kernel outputs byte for byte against spml cpu, and every process checks its greedy tokens
 * against the parent's cpu run; the run exits non-zero if any differ or a child fails.
 *
 * The float model is checked too: its logits must match the float64 reference of
 * engine/arch/gpt/float.ts (max |Δ| printed), and the first tokens of its greedy text are
 * compared with the int8 model's (quantization changes some choices: agreement is reported, not
 * required).
 *
 * Run: npm run bench:perf [-- backend...]. Progress goes to stderr, the Markdown tables to
 * stdout; bench/results/perf.json and bench/results/perf.svg are written.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dyadicFromReal, generate, getBackend, layerNorm, loadModel, matmul, softmax, tensor, type Backend, type LoadedLanguageModel, type Tensor } from '../lib/index.js';
import { checkpointFromJson } from '../engine/format/checkpoint.js';
import { floatGptForward } from '../engine/arch/gpt/float.js';
import { loadAllBackends } from '../kernels/backends.js';
import { parseBenchArgs, replyToParent, runChildren } from './child.js';
import { barChartSvg } from '../tools/report/svg_chart.js';
import { generateGreedy, layerNormForward, TfGptInference } from '../tools/train/tf_gpt.js';
import { median, randomInt16, randomInt32, randomInt8, randomWords } from './inputs.js';
import { machineInfo, packageDir, spmlVersion, versionOf } from './machine.js';
import { readBack, sameBytes, timeCall, type Timing } from './timing.js';
import type { GptConfig } from '../engine/arch/gpt/config.js';

await loadAllBackends();

const SEED = 0x5eed;
/** Kept small so the whole run (four processes) stays under about four minutes on 2 cores. */
const BENCH_OPTIONS = { maxTime: 1, minSamples: 5, initCount: 1 };
const MODEL = 'moby-gpt';
const PROMPT = 'Call me Ishmael. ';
const MAX_TOKENS = 64;
const WARMUP = 1;
const RUNS = 5;
const ARGS = parseBenchArgs();

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

type TfBackend = 'cpu' | 'wasm';
/** The tfjs backends each process times: both in the parent, beside spml cpu; wasm in a child. */
const peersFor = (spmlBackend: string): TfBackend[] => (spmlBackend === 'cpu' ? ['cpu', 'wasm'] : ['wasm']);

// ---- inputs ----

// ---- kernels ----

/** One timed call: start the op and await its result on the host. */
type Call = () => Promise<void>;

interface KernelCase {
  kernel: string;
  size: string;
  /** spml: inputs uploaded to `be`; `op` makes a fresh output per call. */
  spml(be: Backend): { op: () => Tensor; dispose: () => void };
  /** tfjs float32 on the current tfjs backend, inputs made there. */
  tfjs(): { call: Call; dispose: () => void };
}

function matmulCase(n: number): KernelCase {
  const aData = randomInt8(n * n, SEED + n);
  const bData = randomInt8(n * n, SEED + n + 1);
  return {
    kernel: 'matmul',
    size: `${n}³`,
    spml(be) {
      const a = tensor(be, aData, [n, n], 'int8');
      const b = tensor(be, bData, [n, n], 'int8');
      return { op: () => matmul(a, b), dispose: () => (a.dispose(), b.dispose()) };
    },
    tfjs() {
      const a = tf.tensor2d(Float32Array.from(aData), [n, n]);
      const b = tf.tensor2d(Float32Array.from(bData), [n, n]);
      return { call: () => readBack(() => tf.matMul(a, b)), dispose: () => (a.dispose(), b.dispose()) };
    },
  };
}

/** Softmax over the last axis of [heads, T, S] scores; scale 2^-4 in 2^-8 log2 units (NUMERICS.md §9): rows span ±16 log2 units. */
function softmaxCase(heads: number, t: number): KernelCase {
  const shape = [heads, t, t];
  const xData = randomInt32(heads * t * t, SEED + 7);
  const scale = 2 ** -4;
  return {
    kernel: 'softmax',
    size: shape.join('×'),
    spml(be) {
      const x = tensor(be, xData, shape, 'int32');
      const s = dyadicFromReal(scale);
      return { op: () => softmax(x, s), dispose: () => x.dispose() };
    },
    tfjs() {
      // The same real scores: x·scale·2^-8 log2 units = x·scale·2^-8·ln 2 nats.
      const x = tf.tensor(Float32Array.from(xData, (v) => (v * scale * Math.LN2) / 256), shape);
      return { call: () => readBack(() => tf.softmax(x)), dispose: () => x.dispose() };
    },
  };
}

/** LayerNorm with gain and bias (the GPT's ln1/ln2/lnf) on [rows, cols]. */
function layerNormCase(rows: number, cols: number): KernelCase {
  const xData = randomInt16(rows * cols, SEED + 11);
  const gData = randomInt16(cols, SEED + 13);
  const bData = Int32Array.from(randomWords(cols, SEED + 17), (w) => (w % 0x10000) - 0x8000);
  return {
    kernel: 'layerNorm',
    size: `${rows}×${cols}`,
    spml(be) {
      const x = tensor(be, xData, [rows, cols], 'int16');
      const g = tensor(be, gData, [cols], 'int16');
      const b = tensor(be, bData, [cols], 'int32');
      const scale = dyadicFromReal(2 ** -20);
      return { op: () => layerNorm(x, g, { beta: b, eps: 1, scale, outDtype: 'int8' }), dispose: () => (x.dispose(), g.dispose(), b.dispose()) };
    },
    tfjs() {
      const x = tf.tensor2d(Float32Array.from(xData), [rows, cols]);
      const g = tf.tensor1d(Float32Array.from(gData, (v) => v / 64 / Math.sqrt(cols)));
      const b = tf.tensor1d(Float32Array.from(bData, (v) => v / 2 ** 20));
      return { call: () => readBack(() => tf.tidy(() => layerNormForward(x, g, b, 1e-5))), dispose: () => (x.dispose(), g.dispose(), b.dispose()) };
    },
  };
}

const CASES: KernelCase[] = [matmulCase(256), matmulCase(512), softmaxCase(12, 128), layerNormCase(128, 768)];

const fmtTiming = (t: Timing): string => `median ${t.medianMs.toFixed(3).padStart(9)} ms  (±${t.rmePct.toFixed(1)}%, ${t.samples} samples)`;

interface KernelRow {
  kernel: string;
  size: string;
  backend: string;
  spml: Timing;
  /** tfjs float32 timed in the same process, by tfjs backend. */
  peers: Partial<Record<TfBackend, Timing>>;
  /** spml median ÷ peer median. */
  ratios: Partial<Record<TfBackend, number>>;
  /** Output bytes equal to spml cpu's (always true for cpu itself). */
  bitExactVsCpu: boolean;
}

async function measureKernels(be: Backend, cpu: Backend): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  for (const c of CASES) {
    log(`${c.kernel} ${c.size}:`);
    const s = c.spml(be);
    let spml: Timing;
    let bitExact = true;
    try {
      const first = s.op();
      const out = await first.data();
      first.dispose();
      if (be !== cpu) {
        const r = c.spml(cpu);
        const ref = r.op();
        bitExact = sameBytes(out, await ref.data());
        ref.dispose();
        r.dispose();
        log(`  spml ${be.name} vs spml cpu bit-exact: ${bitExact ? 'yes' : 'NO'}`);
      }
      spml = await timeCall(`spml ${be.name}`, () => readBack(s.op), BENCH_OPTIONS);
      log(`  spml ${be.name.padEnd(16)} ${fmtTiming(spml)}`);
    } finally {
      s.dispose();
    }
    const peers: KernelRow['peers'] = {};
    const ratios: KernelRow['ratios'] = {};
    for (const tb of peersFor(be.name)) {
      await tf.setBackend(tb);
      const t = c.tfjs();
      try {
        await t.call();
        peers[tb] = await timeCall(`tfjs-${tb}`, t.call, BENCH_OPTIONS);
        ratios[tb] = spml.medianMs / peers[tb].medianMs;
        log(`  tfjs-${tb.padEnd(16)} ${fmtTiming(peers[tb])}  → spml ${be.name} takes ${ratios[tb].toFixed(2)}× its time`);
      } finally {
        t.dispose();
      }
    }
    rows.push({ kernel: c.kernel, size: c.size, backend: be.name, spml, peers, ratios, bitExactVsCpu: bitExact });
  }
  return rows;
}

// ---- end to end ----

interface GenRuns {
  runsMs: number[];
  medianTokensPerSecond: number;
  tokens: number[];
}

interface E2eRow {
  backend: string;
  /** spml generate(), greedy, trace off. */
  spml: GenRuns;
  peers: Partial<Record<TfBackend, GenRuns>>;
  /** spml tokens/s ÷ peer tokens/s (>1: spml faster). */
  throughputRatios: Partial<Record<TfBackend, number>>;
  /** spml cpu with the per-layer hash trace on (generate's default), parent only. */
  spmlTraceOn?: GenRuns;
}

/** One way to generate: `before` (untimed) readies it, `once` generates and returns the token ids. */
interface Contender {
  label: string;
  before?: () => Promise<unknown>;
  once: () => Promise<number[]>;
}

/**
 * Warm-up then timed runs of every contender, interleaved round by round (A B C, A B C, ...) so
 * that a change in the machine's load during the run touches all of them alike.
 */
async function timeInterleaved(contenders: readonly Contender[]): Promise<GenRuns[]> {
  const runsMs = contenders.map((): number[] => []);
  const tokens = contenders.map((): number[] => []);
  for (let round = -WARMUP; round < RUNS; round++) {
    for (const [i, c] of contenders.entries()) {
      await c.before?.();
      const t0 = performance.now();
      const got = await c.once();
      const ms = performance.now() - t0;
      if (round < 0) continue;
      if (round > 0 && got.join() !== tokens[i]!.join()) throw new Error(`${c.label}: runs of the same greedy generation disagree`);
      tokens[i] = got;
      runsMs[i]!.push(ms);
    }
  }
  return contenders.map((c, i) => {
    const tps = runsMs[i]!.map((ms) => (tokens[i]!.length / ms) * 1e3);
    const res = { runsMs: runsMs[i]!, medianTokensPerSecond: median(tps), tokens: tokens[i]! };
    log(`  ${c.label.padEnd(28)} ${res.medianTokensPerSecond.toFixed(1).padStart(7)} tokens/s  (runs ${res.runsMs.map((ms) => ms.toFixed(0)).join(', ')} ms)`);
    return res;
  });
}

function loadFloat(): { cfg: GptConfig; ck: ReturnType<typeof checkpointFromJson> } {
  const ck = checkpointFromJson(readFileSync(path.join(here, '..', 'models', MODEL, 'float.ckpt.json'), 'utf8'));
  return { cfg: ck.config as GptConfig, ck };
}

async function measureE2e(backend: string): Promise<E2eRow> {
  log(`${MODEL}, greedy, ${MAX_TOKENS} tokens after ${JSON.stringify(PROMPT)}, runs interleaved:`);
  const model = (await loadModel(MODEL, { backend })) as LoadedLanguageModel;
  const { cfg, ck } = loadFloat();
  if (ck.vocab !== model.file.meta.vocab) throw new Error('the float checkpoint and the shipped model have different vocabularies');
  const ids = model.runtime.tokenizer.encode(PROMPT);
  const spmlRun = (trace: boolean) => async () => [...(await generate(model, PROMPT, { maxTokens: MAX_TOKENS, temperature: 0, trace })).tokens];
  const tbs = peersFor(backend);
  const floats: TfGptInference[] = [];
  try {
    const contenders: Contender[] = [{ label: `spml ${backend} int8`, once: spmlRun(false) }];
    if (backend === 'cpu') contenders.push({ label: 'spml cpu int8, trace on', once: spmlRun(true) });
    for (const tb of tbs) {
      await tf.setBackend(tb);
      const float = new TfGptInference(cfg, ck.tensors);
      floats.push(float);
      contenders.push({ label: `tfjs-${tb} float32`, before: () => tf.setBackend(tb), once: async () => generateGreedy(float, ids, MAX_TOKENS).tokens });
    }
    const [spml, ...rest] = await timeInterleaved(contenders);
    const spmlTraceOn = backend === 'cpu' ? rest.shift() : undefined;
    const peers: E2eRow['peers'] = {};
    const throughputRatios: E2eRow['throughputRatios'] = {};
    tbs.forEach((tb, i) => {
      peers[tb] = rest[i]!;
      throughputRatios[tb] = spml!.medianTokensPerSecond / rest[i]!.medianTokensPerSecond;
    });
    return { backend, spml: spml!, peers, throughputRatios, ...(spmlTraceOn ? { spmlTraceOn } : {}) };
  } finally {
    for (const f of floats) f.dispose();
  }
}

/** The float model against the float64 reference, and its greedy text against the int8 model's. */
interface FloatCheck {
  maxAbsLogitDiffVsFloat64: number;
  logitRows: number;
  floatGreedyMatchesFloat64Greedy: boolean;
  floatCompletion: string;
  int8Completion: string;
  firstDivergence: number | null;
  samePositions: number;
}

async function checkFloat(int8Tokens: readonly number[]): Promise<FloatCheck> {
  const { cfg, ck } = loadFloat();
  const chars = [...ck.vocab!];
  const ids = [...PROMPT].map((ch) => chars.indexOf(ch));
  await tf.setBackend('wasm');
  const float = new TfGptInference(cfg, ck.tensors);
  const g = generateGreedy(float, ids, MAX_TOKENS, true);
  float.dispose();
  const ref = floatGptForward(cfg, ck.tensors, [...ids, ...g.tokens.slice(0, -1)]);
  const V = cfg.vocabSize;
  let maxDiff = 0;
  let row = 0;
  let greedySame = true;
  for (const pass of g.logits!) {
    for (let i = 0; i < pass.length; i++) maxDiff = Math.max(maxDiff, Math.abs(pass[i]! - ref[row * V + i]!));
    row += pass.length / V;
    // The reference's argmax at the row that chose this step's token.
    const r = ref.subarray((row - 1) * V, row * V);
    const step = row - ids.length;
    if (r.indexOf(Math.max(...r)) !== g.tokens[step]) greedySame = false;
  }
  const firstDivergence = g.tokens.findIndex((t, i) => t !== int8Tokens[i]);
  const decode = (ts: readonly number[]) => ts.map((t) => chars[t] ?? '').join('');
  return {
    maxAbsLogitDiffVsFloat64: maxDiff,
    logitRows: row,
    floatGreedyMatchesFloat64Greedy: greedySame,
    floatCompletion: decode(g.tokens),
    int8Completion: decode(int8Tokens),
    firstDivergence: firstDivergence < 0 ? null : firstDivergence,
    samePositions: g.tokens.filter((t, i) => t === int8Tokens[i]).length,
  };
}

// ---- processes ----

interface Measured {
  backend: string;
  device: string;
  kernels: KernelRow[];
  e2e: E2eRow;
}

/** tfjs prints its banner and warnings through console; send them to stderr so stdout stays clean. */
async function consoleOnStderr<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = (...args: unknown[]): void => log(`[tfjs] ${args.map(String).join(' ')}`);
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

async function initTfjs(): Promise<{ simd: boolean; threads: boolean }> {
  setWasmPaths(path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep);
  for (const name of ['cpu', 'wasm']) {
    if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
    await tf.ready();
  }
  return { simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) };
}

/** Kernels then generation of one spml backend beside its tfjs peers, in this process. */
async function measure(backend: string): Promise<Measured> {
  const be = await getBackend(backend);
  log(`spml ${backend}: ${be.description}`);
  const kernels = await measureKernels(be, await getBackend('cpu'));
  return { backend, device: be.description, kernels, e2e: await measureE2e(backend) };
}

async function child(backend: string): Promise<void> {
  log(`[child ${process.pid}] spml ${backend}, compared with tfjs-wasm timed in this process:`);
  const measured = await consoleOnStderr(async () => {
    await initTfjs();
    return measure(backend);
  });
  await replyToParent(measured);
}

async function main(backendNames: readonly string[]): Promise<void> {
  const started = performance.now();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  const { local, tfjsWasm, floatCheck } = await consoleOnStderr(async () => {
    const tfjsWasm = await initTfjs();
    log(`perf bench: ${cpuModel}, ${os.cpus().length} cores, node ${process.version}; tfjs-wasm simd=${tfjsWasm.simd} threads=${tfjsWasm.threads}; options ${JSON.stringify(BENCH_OPTIONS)}`);
    const local = await measure('cpu');
    log('float model check:');
    const floatCheck = await checkFloat(local.e2e.spml.tokens);
    log(`  tfjs-wasm float32 vs float64 reference: max |Δlogit| ${floatCheck.maxAbsLogitDiffVsFloat64.toExponential(2)} over ${floatCheck.logitRows} rows`);
    return { local, tfjsWasm, floatCheck };
  });
  const { results: children, failed } = runChildren<Measured>(backendNames.slice(1));
  const parts = [local, ...children];
  const cpuTokens = local.e2e.spml.tokens.join();
  const sameTokens = (m: Measured) => m.e2e.spml.tokens.join() === cpuTokens;
  const kernelRows = CASES.flatMap((c) => parts.flatMap((p) => p.kernels.filter((k) => k.kernel === c.kernel && k.size === c.size)));
  const seconds = (performance.now() - started) / 1e3;

  // ---- report ----
  const ms = (t?: Timing) => (t ? t.medianMs.toFixed(3) : '—');
  const ratio = (r?: number) => (r === undefined ? '—' : `${r.toFixed(2)}×`);
  const tps = (g?: GenRuns) => (g ? g.medianTokensPerSecond.toFixed(1) : '—');
  const lines: string[] = [
    '',
    `## spml vs tfjs float32 — ${cpuModel}, ${os.cpus().length} cores, node ${process.version}, tfjs-wasm simd=${tfjsWasm.simd} threads=${tfjsWasm.threads}`,
    '',
    '### Kernels (medians, read-back included)',
    '',
    'Ratio = spml median time ÷ tfjs median time in the same process (>1: spml slower). spml cpu ran in the parent beside tfjs-cpu and tfjs-wasm; each other backend ran in a child process of its own beside tfjs-wasm only.',
    '',
    '| kernel | size | spml backend | spml ms | tfjs-cpu f32 ms | tfjs-wasm f32 ms | spml ÷ tfjs-cpu | spml ÷ tfjs-wasm | bit-exact vs cpu |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const k of kernelRows) {
    lines.push(`| ${k.kernel} | ${k.size} | ${k.backend} | ${ms(k.spml)} | ${ms(k.peers.cpu)} | ${ms(k.peers.wasm)} | ${ratio(k.ratios.cpu)} | ${ratio(k.ratios.wasm)} | ${k.bitExactVsCpu ? 'yes' : 'NO'} |`);
  }
  lines.push(
    '',
    `### ${MODEL} generation: int8 spml vs float32 tfjs (same architecture, same float weights)`,
    '',
    `Greedy, ${MAX_TOKENS} tokens after ${JSON.stringify(PROMPT)}, both with a KV cache (one prefill pass, then one pass per token); ${WARMUP} warm-up + ${RUNS} timed runs, interleaved round by round, median tokens/s. spml trace off unless said. Ratio = spml tokens/s ÷ tfjs tokens/s in the same process (>1: spml faster).`,
    '',
    '| spml backend | spml tokens/s | tfjs-cpu f32 tokens/s | tfjs-wasm f32 tokens/s | spml ÷ tfjs-cpu | spml ÷ tfjs-wasm | tokens same as cpu |',
    '|---|---:|---:|---:|---:|---:|---|',
  );
  for (const p of parts) {
    const e = p.e2e;
    lines.push(`| ${p.backend} | ${tps(e.spml)} | ${tps(e.peers.cpu)} | ${tps(e.peers.wasm)} | ${ratio(e.throughputRatios.cpu)} | ${ratio(e.throughputRatios.wasm)} | ${sameTokens(p) ? 'yes' : 'NO'} |`);
    if (e.spmlTraceOn) {
      const r = (tb: TfBackend) => (e.peers[tb] ? e.spmlTraceOn!.medianTokensPerSecond / e.peers[tb].medianTokensPerSecond : undefined);
      lines.push(`| ${p.backend}, trace on | ${tps(e.spmlTraceOn)} | ${tps(e.peers.cpu)} | ${tps(e.peers.wasm)} | ${ratio(r('cpu'))} | ${ratio(r('wasm'))} | ${e.spmlTraceOn.tokens.join() === cpuTokens ? 'yes' : 'NO'} |`);
    }
  }
  const fc = floatCheck;
  lines.push(
    '',
    `float32 tfjs model vs the float64 reference (engine/arch/gpt/float.ts): max |Δlogit| ${fc.maxAbsLogitDiffVsFloat64.toExponential(2)} over ${fc.logitRows} rows; greedy choices ${fc.floatGreedyMatchesFloat64Greedy ? 'identical' : 'DIFFER'}`,
    `greedy text, int8 spml:    ${JSON.stringify(fc.int8Completion)}`,
    `greedy text, float32 tfjs: ${JSON.stringify(fc.floatCompletion)}`,
    `agreement: ${fc.firstDivergence === null ? `all ${MAX_TOKENS} tokens equal` : `first ${fc.firstDivergence} tokens equal`}; ${fc.samePositions}/${MAX_TOKENS} positions equal`,
  );
  for (const f of failed) lines.push(`${f.backend}: NOT MEASURED, its child process failed (${f.error}; its stderr is above)`);

  const machine = machineInfo();
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, 'perf.json');
  const svgPath = path.join(resultsDir, 'perf.svg');
  const json = {
    benchmark: 'perf',
    description:
      'spml kernels and moby-gpt generation on each backend vs tfjs-core float32 (cpu and wasm backends); spml cpu in the parent beside tfjs-cpu and tfjs-wasm, every other backend in a child process of its own beside tfjs-wasm (kernels/shared/native_gl.ts); kernel ratios = spml median ms / tfjs median ms, generation ratios = spml tokens/s / tfjs tokens/s, both from the same process; every timed call includes the read-back',
    machine,
    devices: Object.fromEntries(parts.map((p) => [p.backend, p.device])),
    versions: {
      spml: spmlVersion(),
      'tfjs-core': versionOf('@tensorflow/tfjs-core'),
      'tfjs-backend-cpu': versionOf('@tensorflow/tfjs-backend-cpu'),
      'tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm'),
      benchmark: versionOf('benchmark'),
    },
    tfjsWasm,
    options: { ...BENCH_OPTIONS, defer: true, seed: SEED, model: MODEL, prompt: PROMPT, maxTokens: MAX_TOKENS, greedy: true, warmup: WARMUP, runs: RUNS },
    kernels: kernelRows,
    generation: parts.map((p) => ({ ...p.e2e, tokensSameAsCpu: sameTokens(p) })),
    floatCheck,
    failed,
    seconds: +seconds.toFixed(1),
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);

  // One scale for every group: throughput relative to tfjs-wasm timed in the same process.
  const bar = (label: string, rel: number, note: string) => ({ label, value: rel, note });
  const groups = CASES.map((c) => {
    const rows = kernelRows.filter((k) => k.kernel === c.kernel && k.size === c.size);
    const cpuRow = rows.find((k) => k.backend === 'cpu');
    return {
      label: `${c.kernel} ${c.size}`,
      bars: [
        ...rows.map((k) => bar(`spml ${k.backend}`, 1 / (k.ratios.wasm ?? NaN), `(${k.spml.medianMs.toFixed(2)} ms)`)),
        ...(cpuRow?.peers.cpu && cpuRow.peers.wasm ? [bar('tfjs-cpu f32', cpuRow.peers.wasm.medianMs / cpuRow.peers.cpu.medianMs, `(${cpuRow.peers.cpu.medianMs.toFixed(2)} ms)`)] : []),
        ...(cpuRow?.peers.wasm ? [bar('tfjs-wasm f32', 1, `(${cpuRow.peers.wasm.medianMs.toFixed(2)} ms)`)] : []),
      ],
    };
  });
  const e2eLocal = local.e2e;
  groups.push({
    label: `${MODEL} greedy generation, ${MAX_TOKENS} tokens`,
    bars: [
      ...parts.map((p) => bar(`spml ${p.backend}`, p.e2e.throughputRatios.wasm ?? NaN, `(${p.e2e.spml.medianTokensPerSecond.toFixed(1)} tokens/s)`)),
      ...(e2eLocal.peers.cpu && e2eLocal.peers.wasm
        ? [bar('tfjs-cpu f32', e2eLocal.peers.cpu.medianTokensPerSecond / e2eLocal.peers.wasm.medianTokensPerSecond, `(${e2eLocal.peers.cpu.medianTokensPerSecond.toFixed(1)} tokens/s)`)]
        : []),
      ...(e2eLocal.peers.wasm ? [bar('tfjs-wasm f32', 1, `(${e2eLocal.peers.wasm.medianTokensPerSecond.toFixed(1)} tokens/s)`)] : []),
    ],
  });
  writeFileSync(
    svgPath,
    barChartSvg({
      title: 'spml (int8) vs tfjs float32: throughput relative to tfjs-wasm',
      subtitle: `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.date.slice(0, 10)} — throughput ÷ tfjs-wasm's in the same process`,
      unit: '×',
      groups,
    }),
  );
  lines.push(`wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)} in ${seconds.toFixed(0)} s`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failed.length > 0 || kernelRows.some((k) => !k.bitExactVsCpu) || !parts.every(sameTokens)) process.exitCode = 1;
}

if (ARGS.child !== undefined) await child(ARGS.child);
else await main(ARGS.backends);
// The webgpu device keeps the event loop alive; leave once the report is out.
process.exit(process.exitCode ?? 0);
