/**
 * Determinism bench: the engine's promise (engine/NUMERICS.md §0) checked end to end. A fixed
 * set of cases (the shipped models over fixed prompts, seeds and test images, stories260K among
 * them, and models with seeded random weights of several shapes: GPTs and an MLP from
 * bench/determinism_models.ts, llamas with odd head counts and grouped-query attention from
 * tools/data/random_llama_models.ts) runs on every stack this
 * machine has: Node cpu, webgpu (Dawn), gpujs-headlessgl and gpujs-webasm, each in a child
 * process of its own (bench/child.ts, kernels/shared/native_gl.ts), and Chromium's webgpu, gpujs-webgl2
 * and cpu through apps/web/chromium.ts. Every case's output hash and trace root must equal
 * those of Node cpu, the reference, and so must its model hash. Chromium runs the same cases
 * with the same inputs: shipped models by name, random-weight models and images as bytes.
 *
 * Run: npm run bench:determinism (bash test/with-display.sh tsx bench/determinism.ts). Progress
 * goes to stderr, the Markdown table to stdout; bench/results/determinism.json holds every
 * case, and bench/results/determinism.svg draws each stack's speed per model beside Node cpu's
 * with how many of its cases agree. Exits non-zero on any mismatch and on any stack that fails
 * to run.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify, generate, getBackend, loadModel, type SpmlModel } from '../lib/index.js';
import { loadMnist } from '../tools/data/mnist.js';
import { backendNames, loadAllBackends } from '../kernels/backends.js';
import type { ChromiumCase } from '../apps/web/chromium.js';
import { parseBenchArgs, replyToParent, runChildren } from './child.js';
import { RANDOM_GPTS, RANDOM_MLP, randomGptBytes, randomMlpBytes, randomPixels, randomPrompt } from './determinism_models.js';
import { RANDOM_LLAMA_PROMPT, RANDOM_LLAMAS, randomLlamaBytes } from '../tools/data/random_llama_models.js';
import { barChartSvg } from '../tools/report/svg_chart.js';
import { machineInfo, spmlVersion } from './machine.js';
import { sha256Hex } from '../engine/sha256.js';

await loadAllBackends();

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
const ARGS = parseBenchArgs();

// ---- cases ----

/** A generation case, of any language model (gpt or llama). */
interface GptCase {
  readonly id: string;
  readonly kind: 'gpt';
  readonly model: string;
  readonly prompt: string;
  readonly seed: bigint;
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly maxTokens: number;
}

interface MlpCase {
  readonly id: string;
  readonly kind: 'mlp';
  readonly model: string;
  /** MNIST test images [start, start + count), or `count` random inputs from `seed`. */
  readonly images: { readonly mnistStart: number; readonly count: number } | { readonly seed: number; readonly count: number };
}

type Case = GptCase | MlpCase;

const MOBY_PROMPTS = ['Call me Ishmael. ', 'The white whale ', 'Captain Ahab, '];
/** Greedy, and sampling at 0.8 under two seeds. */
const MOBY_SAMPLING = [
  { seed: 1n, temperature: 0 },
  { seed: 42n, temperature: 0.8 },
  { seed: 7n, temperature: 0.8 },
];
const MOBY_TOKENS = 20;
const RANDOM_TOKENS = 16;
/** stories260K: greedy and sampled, one prompt (its 512-token vocabulary, 16 tokens each). */
const STORIES_SAMPLING = [
  { seed: 1n, temperature: 0 },
  { seed: 42n, temperature: 0.8 },
];
const STORIES_TOKENS = 16;

const CASES: readonly Case[] = [
  ...MOBY_PROMPTS.flatMap((prompt, p) =>
    MOBY_SAMPLING.map(({ seed, temperature }) => ({
      id: `moby-gpt/p${p}/s${seed}/t${temperature}`,
      kind: 'gpt' as const,
      model: 'moby-gpt',
      prompt,
      seed,
      temperature,
      maxTokens: MOBY_TOKENS,
    })),
  ),
  { id: 'mnist-mlp/test[0:32]', kind: 'mlp', model: 'mnist-mlp', images: { mnistStart: 0, count: 32 } },
  { id: 'mnist-mlp/test[5000:5032]', kind: 'mlp', model: 'mnist-mlp', images: { mnistStart: 5000, count: 32 } },
  ...RANDOM_GPTS.flatMap((spec, m) => {
    const prompt = randomPrompt(spec, 6, spec.seed + 10);
    const common = { kind: 'gpt' as const, model: spec.name, prompt, maxTokens: RANDOM_TOKENS };
    return [
      { ...common, id: `${spec.name}/s0/t0`, seed: 0n, temperature: 0 },
      { ...common, id: `${spec.name}/s${m + 11}/t0.8`, seed: BigInt(m + 11), temperature: 0.8 },
      { ...common, id: `${spec.name}/s${m + 21}/t1.2/k8/p0.9`, seed: BigInt(m + 21), temperature: 1.2, topK: 8, topP: 0.9 },
    ];
  }),
  { id: `${RANDOM_MLP.name}/random[24]`, kind: 'mlp', model: RANDOM_MLP.name, images: { seed: 505, count: 24 } },
  ...STORIES_SAMPLING.map(({ seed, temperature }) => ({
    id: `stories260k/s${seed}/t${temperature}`,
    kind: 'gpt' as const,
    model: 'stories260k',
    prompt: 'Once upon a time',
    seed,
    temperature,
    maxTokens: STORIES_TOKENS,
  })),
  ...RANDOM_LLAMAS.flatMap((spec, m) => {
    const common = { kind: 'gpt' as const, model: spec.name, prompt: RANDOM_LLAMA_PROMPT, maxTokens: RANDOM_TOKENS };
    return [
      { ...common, id: `${spec.name}/s0/t0`, seed: 0n, temperature: 0 },
      { ...common, id: `${spec.name}/s${m + 31}/t1.2/k8/p0.9`, seed: BigInt(m + 31), temperature: 1.2, topK: 8, topP: 0.9 },
    ];
  }),
];

const modelSources = new Map<string, string | Uint8Array>();

/** A shipped name, or the in-memory bytes of a seeded random model (made once per process). */
function modelSource(name: string): string | Uint8Array {
  let source = modelSources.get(name);
  if (source === undefined) {
    const gpt = RANDOM_GPTS.find((s) => s.name === name);
    const llama = RANDOM_LLAMAS.find((s) => s.name === name);
    source = gpt ? randomGptBytes(gpt) : llama ? randomLlamaBytes(llama) : name === RANDOM_MLP.name ? randomMlpBytes(RANDOM_MLP) : name;
    modelSources.set(name, source);
  }
  return source;
}

let mnistTest: Uint8Array | undefined;

/** The pixels an MLP case classifies. */
function casePixels(c: MlpCase): Uint8Array {
  const { count } = c.images;
  return 'mnistStart' in c.images
    ? (mnistTest ??= loadMnist('test').images).slice(c.images.mnistStart * 784, (c.images.mnistStart + count) * 784)
    : randomPixels(RANDOM_MLP, count, c.images.seed);
}

// ---- running one stack ----

interface CaseResult {
  readonly id: string;
  /** SHA-256 of the model file. */
  readonly modelHash: string;
  readonly outputHash: string;
  readonly traceRoot: string;
  /** Generated tokens (gpt) or images classified (mlp). */
  readonly items: number;
  readonly ms: number;
  readonly completion?: string;
  readonly labels?: readonly number[];
}

interface StackResult {
  readonly runtime: 'node' | 'chromium';
  readonly backend: string;
  readonly description: string;
  readonly cases: readonly CaseResult[];
  /** Generated tokens / generate() wall time over the moby-gpt cases. */
  readonly tokensPerSecond: number;
  /** Why the stack could not run (then `cases` is empty or partial). */
  readonly error?: string;
}

const short = (h: string, n = 12): string => `${h.slice(0, n)}…`;

function mobyTokensPerSecond(cases: readonly CaseResult[]): number {
  const moby = cases.filter((c) => c.id.startsWith('moby-gpt/'));
  const ms = moby.reduce((s, c) => s + c.ms, 0);
  return ms > 0 ? (moby.reduce((s, c) => s + c.items, 0) / ms) * 1e3 : 0;
}

async function runCase(c: Case, model: SpmlModel): Promise<CaseResult> {
  if (c.kind === 'gpt') {
    const r = await generate(model, c.prompt, { maxTokens: c.maxTokens, seed: c.seed, temperature: c.temperature, topK: c.topK, topP: c.topP });
    return { id: c.id, modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, items: r.tokens.length, ms: r.ms, completion: r.completion };
  }
  const { count } = c.images;
  const r = await classify(model, casePixels(c), count);
  return { id: c.id, modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, items: count, ms: r.ms, labels: r.labels };
}

/** Every case on one backend, in this process (a child of the parent). */
async function runNodeStack(backend: string): Promise<StackResult> {
  const be = await getBackend(backend);
  log(`[${backend}, pid ${process.pid}] ${be.description}`);
  const results: CaseResult[] = [];
  const models = new Map<string, SpmlModel>();
  for (const c of CASES) {
    let model = models.get(c.model);
    if (!model) {
      model = await loadModel(modelSource(c.model), { backend });
      models.set(c.model, model);
    }
    const r = await runCase(c, model);
    results.push(r);
    log(`  ${c.id}: ${r.items} ${c.kind === 'gpt' ? 'tokens' : 'images'}, ${r.ms.toFixed(0)} ms, output ${short(r.outputHash)} trace ${short(r.traceRoot)}`);
  }
  return { runtime: 'node', backend, description: be.description, cases: results, tokensPerSecond: mobyTokensPerSecond(results) };
}

// ---- Chromium ----

/** Every backend a browser offers, from the backend list (kernels/backends.ts). */
const CHROMIUM_BACKENDS = backendNames('browser');
/** Per backend: the bundle build (first call only), Chromium's start, and every case. */
const CHROMIUM_TIMEOUT_MS = 300_000;

const failedStack = (runtime: StackResult['runtime'], backend: string, error: string): StackResult => ({ runtime, backend, description: '—', cases: [], tokensPerSecond: 0, error });
const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1e3} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A case as the Chromium page takes it: the same model and inputs as in Node. */
function chromiumCase(c: Case, backend: string): ChromiumCase {
  const model = modelSource(c.model);
  if (c.kind === 'mlp') return { backend, model, kind: 'classify', images: casePixels(c), count: c.images.count };
  return { backend, model, prompt: c.prompt, seed: c.seed, maxTokens: c.maxTokens, temperature: c.temperature, topK: c.topK, topP: c.topP };
}

/**
 * Every case in headless Chromium, one runInChromium call (one browser) per backend, so that a
 * backend that fails there does not take the others with it.
 */
async function runChromiumStacks(): Promise<StackResult[]> {
  let runInChromium: typeof import('../apps/web/chromium.js').runInChromium;
  try {
    ({ runInChromium } = await import('../apps/web/chromium.js'));
  } catch (e) {
    const error = `unreachable: cannot load apps/web/chromium.ts (${firstLine(e)})`;
    log(`chromium: ${error}`);
    return CHROMIUM_BACKENDS.map((b) => failedStack('chromium', b, error));
  }
  const stacks: StackResult[] = [];
  for (const backend of CHROMIUM_BACKENDS) {
    log(`[chromium ${backend}] ${CASES.length} cases…`);
    try {
      const results = await withTimeout(runInChromium(CASES.map((c) => chromiumCase(c, backend))), CHROMIUM_TIMEOUT_MS);
      if (results.length !== CASES.length) throw new Error(`runInChromium returned ${results.length} results for ${CASES.length} cases`);
      const rows: CaseResult[] = results.map((r, i) => {
        const c = CASES[i]!;
        if (r.backend !== backend) throw new Error(`a result for ${backend} names backend ${r.backend}`);
        const row: CaseResult = { id: c.id, modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, items: r.items, ms: r.ms, completion: r.completion, labels: r.labels };
        log(`  ${c.id}: ${row.items} ${c.kind === 'gpt' ? 'tokens' : 'images'}, ${row.ms.toFixed(0)} ms, output ${short(row.outputHash)} trace ${short(row.traceRoot)}`);
        return row;
      });
      log(`  ${results[0]?.description ?? ''}`);
      stacks.push({ runtime: 'chromium', backend, description: results[0]?.description ?? '—', cases: rows, tokensPerSecond: mobyTokensPerSecond(rows) });
    } catch (e) {
      log(`  failed: ${firstLine(e)}`);
      stacks.push(failedStack('chromium', backend, `failed: ${firstLine(e)}`));
    }
  }
  return stacks;
}

// ---- chart ----

/** The chart's groups: each shipped model alone, the seeded random models by architecture. */
function chartGroup(c: Case): string {
  if (RANDOM_GPTS.some((s) => s.name === c.model)) return `seeded random GPTs (${RANDOM_GPTS.length})`;
  if (RANDOM_LLAMAS.some((s) => s.name === c.model)) return `seeded random llamas (${RANDOM_LLAMAS.length}: odd heads, grouped-query)`;
  if (c.model === RANDOM_MLP.name) return 'seeded random MLP';
  return c.model;
}

/**
 * Per group of cases, one bar per stack: its items per second (tokens or images) over the group
 * divided by Node cpu's, with its own rate and how many of its cases agree with cpu.
 */
function determinismSvg(stacks: readonly StackResult[], verdicts: readonly Verdict[], subtitle: string): string {
  const reference = stacks[0]!;
  const rate = (s: StackResult, ids: ReadonlySet<string>): number => {
    const rows = s.cases.filter((c) => ids.has(c.id));
    const ms = rows.reduce((a, c) => a + c.ms, 0);
    return rows.length === ids.size && ms > 0 ? (rows.reduce((a, c) => a + c.items, 0) / ms) * 1e3 : NaN;
  };
  const groups = [...new Set(CASES.map(chartGroup))].map((label) => {
    const cases = CASES.filter((c) => chartGroup(c) === label);
    const ids = new Set(cases.map((c) => c.id));
    const unit = cases[0]!.kind === 'gpt' ? 'tokens/s' : 'images/s';
    const cpuRate = rate(reference, ids);
    const bars = stacks.map((s, i) => {
      const r = rate(s, ids);
      const agree = s.cases.filter((c) => ids.has(c.id) && !verdicts[i]!.differing.includes(c.id)).length;
      const note = Number.isFinite(r) ? `(${r.toFixed(1)} ${unit}, ${agree}/${ids.size} agree)` : `(did not run: ${agree}/${ids.size} agree)`;
      return { label: `${s.runtime} ${s.backend}`, value: r / cpuRate, note };
    });
    return { label: `${label} — ${cases.length} cases`, bars };
  });
  return barChartSvg({ title: 'Same hashes on every stack: speed relative to Node cpu, per model', subtitle, unit: '× cpu', groups, width: 900 });
}

// ---- NVIDIA ----

/** An NVIDIA GPU, if nvidia-smi lists one; this machine's stacks say which adapter they used. */
function nvidiaGpus(): string[] {
  const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').filter((l) => l.startsWith('GPU '));
}

// ---- report ----

const sha256 = (s: string): string => sha256Hex(new TextEncoder().encode(s));
/** SHA-256 of the per-case hex digests concatenated in case order. */
const combined = (hashes: readonly string[]): string => sha256(hashes.join(''));

interface Verdict {
  readonly agrees: boolean;
  readonly differing: string[];
  readonly missing: string[];
}

function compare(stack: StackResult, reference: StackResult): Verdict {
  const ref = new Map(reference.cases.map((c) => [c.id, c]));
  const ran = new Set(stack.cases.map((c) => c.id));
  const missing = CASES.map((c) => c.id).filter((id) => !ran.has(id));
  const differing = stack.cases
    .filter((c) => {
      const r = ref.get(c.id);
      return !r || r.outputHash !== c.outputHash || r.traceRoot !== c.traceRoot || r.modelHash !== c.modelHash;
    })
    .map((c) => c.id);
  return { agrees: stack.error === undefined && missing.length === 0 && differing.length === 0, differing, missing };
}

async function main(nodeBackends: readonly string[]): Promise<void> {
  const started = performance.now();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  log(`determinism bench: ${CASES.length} cases, ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`);

  const { results, failed } = runChildren<StackResult>(nodeBackends);
  const nodeStacks = nodeBackends.map((b) => {
    const r = results.find((x) => x.backend === b);
    return r ?? failedStack('node', b, `child process failed (${failed.find((f) => f.backend === b)?.error ?? 'no result'})`);
  });
  const chromiumStacks = await runChromiumStacks();
  const stacks = [...nodeStacks, ...chromiumStacks];
  const reference = nodeStacks[0]!;
  const gpus = nvidiaGpus();

  const verdicts = stacks.map((s) => (reference.error === undefined ? compare(s, reference) : { agrees: false, differing: [], missing: CASES.map((c) => c.id) }));
  const lines: string[] = [
    '',
    `## Determinism: ${CASES.length} cases on ${stacks.length} stacks — ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`,
    '',
    `Reference: Node cpu. Every stack runs every case; it agrees when each case's model hash, output hash and trace root equal Node cpu's. Output hash and trace root: SHA-256 over the per-case hashes concatenated in case order ("all"), and the first case's (${CASES[0]!.id}). tokens/s: moby-gpt cases, generated tokens / generate() time.`,
    '',
    '| runtime | backend | adapter / device | cases | output hash (all · first) | trace root (all · first) | tokens/s | agrees with cpu |',
    '|---|---|---|---:|---|---|---:|---|',
  ];
  stacks.forEach((s, i) => {
    const v = verdicts[i]!;
    const first = s.cases[0];
    const out = s.cases.length ? `\`${short(combined(s.cases.map((c) => c.outputHash)))}\` · \`${short(first!.outputHash)}\`` : '—';
    const trace = s.cases.length ? `\`${short(combined(s.cases.map((c) => c.traceRoot)))}\` · \`${short(first!.traceRoot)}\`` : '—';
    const verdict = s.error
      ? `NO: did not run (${s.error})`
      : v.agrees
        ? 'yes'
        : `NO: ${[...(v.differing.length ? [`differs on ${v.differing.join(', ')}`] : []), ...(v.missing.length ? [`missing ${v.missing.join(', ')}`] : [])].join('; ')}`;
    lines.push(`| ${s.runtime} | ${s.backend} | ${s.description} | ${s.cases.length} | ${out} | ${trace} | ${s.cases.length ? s.tokensPerSecond.toFixed(1) : '—'} | ${verdict} |`);
  });
  const nvidia = gpus.length ? `detected (${gpus.join('; ')}), not run as a stack of its own: the Node webgpu row shows the adapter Dawn chose` : 'not available (nvidia-smi lists no GPU on this machine)';
  lines.push(`| — | NVIDIA GPU | ${nvidia} | 0 | — | — | — | not run |`);

  const wallSeconds = (performance.now() - started) / 1e3;
  const resultsDir = path.join(here, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, 'determinism.json');
  const json = {
    benchmark: 'determinism',
    description:
      'Each case on every stack; a stack agrees when it ran every case and each has the model hash, output hash and trace root of Node cpu. Node stacks each ran in a child process of their own; Chromium stacks through apps/web/chromium.ts. combined* = SHA-256 of the per-case hex digests concatenated in case order.',
    machine: machineInfo(),
    versions: { spml: spmlVersion() },
    nvidia: gpus.length ? { available: true, gpus } : { available: false },
    cases: CASES.map((c) => ({ ...c, ...(c.kind === 'gpt' ? { seed: String(c.seed) } : {}) })),
    stacks: stacks.map((s, i) => ({
      runtime: s.runtime,
      backend: s.backend,
      description: s.description,
      ...(s.error ? { error: s.error } : {}),
      casesRun: s.cases.length,
      combinedOutputHash: s.cases.length ? combined(s.cases.map((c) => c.outputHash)) : null,
      combinedTraceRoot: s.cases.length ? combined(s.cases.map((c) => c.traceRoot)) : null,
      tokensPerSecond: s.tokensPerSecond,
      agreesWithCpu: verdicts[i]!.agrees,
      differing: verdicts[i]!.differing,
      missing: verdicts[i]!.missing,
      cases: s.cases,
    })),
    allAgree: verdicts.every((v) => v.agrees),
    wallSeconds: +wallSeconds.toFixed(1),
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  const svgPath = path.join(resultsDir, 'determinism.svg');
  const machine = machineInfo();
  writeFileSync(svgPath, determinismSvg(stacks, verdicts, `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.date.slice(0, 10)} — each stack's items/s ÷ Node cpu's on the same cases`));
  lines.push('', `wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)}; ${wallSeconds.toFixed(0)} s in all`);
  const bad = stacks.filter((_, i) => !verdicts[i]!.agrees);
  if (bad.length) lines.push(`FAILED: ${bad.map((s) => `${s.runtime} ${s.backend}`).join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = bad.length ? 1 : 0;
}

if (ARGS.child !== undefined) await replyToParent(await runNodeStack(ARGS.child));
else await main(ARGS.backends);
// The webgpu device (and the browser runner) can keep the event loop alive; leave once done.
process.exit(process.exitCode ?? 0);
