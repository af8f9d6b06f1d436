/**
 * Micro-benchmark: spml kernels on cpu, webgpu, gpujs-headlessgl and gpujs-webasm: int8 matmul
 * 256³ and 512³, softmax on 64×1024 int32 rows, layerNorm on 128×768 int16 rows (int16 gamma,
 * eps 1, scale 2^-20, int8 out), and sample on a 32,000-entry row shaped like a llama
 * vocabulary's and on a flat 65,536-entry row (NUMERICS §14.2).
 *
 * Every timing includes reading the result back to the host (`await out.data()`), so a GPU
 * backend pays its dispatch, synchronisation and copy-back just as a caller would. Timings use
 * benchmark.js in deferred mode.
 *
 * What matters is the ratio to cpu measured in the same process on the same machine; absolute
 * times depend on the machine, its load and the GPU (here possibly a software rasteriser such
 * as llvmpipe), so nothing here (or anywhere) asserts on them. webgpu and gpujs-headlessgl cannot
 * share a process (kernels/shared/native_gl.ts), so each backend other than cpu runs in a child process
 * of its own (bench/child.ts) that times cpu and then its backend, kernel by kernel: a row's
 * ratio uses the cpu median from its own child, shown beside it. The cpu row is timed in the
 * parent. Once per kernel each child compares its backend's output bytes with its own cpu's (the
 * engine promises byte-identical results on every backend); the run exits non-zero if any differ
 * or a child fails (the other backends are still measured).
 *
 * Run: npx tsx bench/kernels.ts [-- backend...]. Progress goes to stderr, the Markdown table to
 * stdout; bench/results/kernels.json and bench/results/kernels.svg are written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dyadicFromReal, getBackend, layerNorm, matmul, sample, softmax, tensor, type Backend, type Tensor } from '../lib/index.js';
import { loadAllBackends } from '../kernels/backends.js';
import { parseBenchArgs, replyToParent, runChildren } from './child.js';
import { barChartSvg } from '../tools/report/svg_chart.js';
import { randomInt16, randomInt32, randomInt8 } from './inputs.js';
import { machineInfo, spmlVersion, versionOf } from './machine.js';
import { readBack, sameBytes, timeCall } from './timing.js';

await loadAllBackends();

const SEED = 0x5eed;
/** Kept small so the whole run stays around a minute. */
const BENCH_OPTIONS = { maxTime: 1.5, minSamples: 5, initCount: 1 };
const ARGS = parseBenchArgs();

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

interface KernelCase {
  kernel: string;
  size: string;
  /** Multiply-adds or element operations, only for the record. */
  elements: number;
  /** Build inputs on a backend and return the op (a fresh output per call) plus a cleanup. */
  setup(backend: Backend): { op: () => Tensor; dispose: () => void };
}

function matmulCase(n: number): KernelCase {
  const aData = randomInt8(n * n, SEED + n);
  const bData = randomInt8(n * n, SEED + n + 1);
  return {
    kernel: 'matmul int8→int32',
    size: `${n}³`,
    elements: n * n * n,
    setup(be) {
      const a = tensor(be, aData, [n, n], 'int8');
      const b = tensor(be, bData, [n, n], 'int8');
      return { op: () => matmul(a, b), dispose: () => (a.dispose(), b.dispose()) };
    },
  };
}

function softmaxCase(rows: number, cols: number): KernelCase {
  const xData = randomInt32(rows * cols, SEED + 7);
  const scale = dyadicFromReal(2 ** -4); // scores then span ±16 in log2 units: peaked rows, not flat ones
  return {
    kernel: 'softmax int32→int16',
    size: `${rows}×${cols}`,
    elements: rows * cols,
    setup(be) {
      const x = tensor(be, xData, [rows, cols], 'int32');
      return { op: () => softmax(x, scale), dispose: () => x.dispose() };
    },
  };
}

function layerNormCase(rows: number, cols: number): KernelCase {
  const xData = randomInt16(rows * cols, SEED + 11);
  const gData = randomInt16(cols, SEED + 13);
  const scale = dyadicFromReal(2 ** -20);
  return {
    kernel: 'layerNorm int16→int8',
    size: `${rows}×${cols}`,
    elements: rows * cols,
    setup(be) {
      const x = tensor(be, xData, [rows, cols], 'int16');
      const g = tensor(be, gData, [cols], 'int16');
      return { op: () => layerNorm(x, g, { eps: 1, scale, outDtype: 'int8' }), dispose: () => (x.dispose(), g.dispose()) };
    },
  };
}

/**
 * Sampling one row of `v` logits in a unit where a difference of 4096 from the maximum is the
 * exp cutoff (§9.3, scale {1, 0}): `near` of every 1000 entries lie within 2048 of the top, the
 * rest far below it (weight 0). A llama vocabulary keeps a few hundred to a few thousand
 * candidates; a flat row (near = 1000) keeps all, the worst case for a sort.
 */
function sampleCase(v: number, near: number): KernelCase {
  const raw = randomInt32(v, SEED + 17 + near);
  const xData = Int32Array.from(raw, (r) => (Math.abs(r % 1000) < near ? r % 2048 : -(2 ** 20) + (r % 2048)));
  return {
    kernel: 'sample int32→index',
    size: `1×${v}, ${near === 1000 ? 'all' : `${near / 10}% of its`} weights positive`,
    elements: v,
    setup(be) {
      const x = tensor(be, xData, [1, v], 'int32');
      return { op: () => sample(x, { scale: { multiplier: 1, shift: 0 }, seed: 7, step: 1, topP: 58982 }), dispose: () => x.dispose() };
    },
  };
}

const CASES: KernelCase[] = [matmulCase(256), matmulCase(512), softmaxCase(64, 1024), layerNormCase(128, 768), sampleCase(32000, 30), sampleCase(65536, 1000)];

interface Result {
  kernel: string;
  size: string;
  backend: string;
  device: string;
  medianMs: number;
  meanMs: number;
  rmePct: number;
  samples: number;
  /** The cpu median this row is compared with: timed in the same process (the row's own, for cpu). */
  cpuMedianMs: number;
  ratioVsCpu: number;
}

interface Exactness {
  kernel: string;
  size: string;
  backend: string;
  bitExact: boolean;
  bytes: number;
}

/** What one process measured: cpu plus at most one other backend. */
interface Measured {
  devices: Record<string, string>;
  results: Result[];
  exactness: Exactness[];
}

/** Every case on `names` (cpu first), in this process. */
async function measure(names: readonly string[]): Promise<Measured> {
  const backends: Backend[] = [];
  for (const name of names) backends.push(await getBackend(name));
  for (const be of backends) log(`  ${be.name}: ${be.description}`);

  const results: Result[] = [];
  const exactness: Exactness[] = [];
  for (const c of CASES) {
    log(`${c.kernel} ${c.size}:`);
    let cpuOut: ArrayBufferView | undefined;
    let cpuMedian = NaN;
    for (const be of backends) {
      const { op, dispose } = c.setup(be);
      try {
        const once = op();
        const out = await once.data();
        once.dispose();
        if (be.name === 'cpu') cpuOut = out;
        else if (cpuOut) {
          const bitExact = sameBytes(out, cpuOut);
          exactness.push({ kernel: c.kernel, size: c.size, backend: be.name, bitExact, bytes: out.byteLength });
          log(`  ${be.name} vs cpu bit-exact: ${bitExact ? 'yes' : 'NO'}`);
        }
        const r = await timeCall(`${be.name} ${c.kernel} ${c.size}`, () => readBack(op), BENCH_OPTIONS);
        if (be.name === 'cpu') cpuMedian = r.medianMs;
        const res: Result = { kernel: c.kernel, size: c.size, backend: be.name, device: be.description, ...r, cpuMedianMs: cpuMedian, ratioVsCpu: r.medianMs / cpuMedian };
        results.push(res);
        log(`  ${be.name.padEnd(16)} median ${r.medianMs.toFixed(3).padStart(9)} ms  (±${r.rmePct.toFixed(1)}%, ${r.samples} samples)  ${res.ratioVsCpu.toFixed(2)}× cpu time`);
      } finally {
        dispose();
      }
    }
  }
  return { devices: Object.fromEntries(backends.map((b) => [b.name, b.description])), results, exactness };
}

/** In a child: cpu then `backend`, and only `backend`'s rows go back (its cpu figure rides along in each). */
async function child(backend: string): Promise<void> {
  log(`[child ${process.pid}] ${backend}, compared with cpu timed in this process:`);
  const m = await measure(['cpu', backend]);
  await replyToParent({ devices: m.devices, results: m.results.filter((r) => r.backend === backend), exactness: m.exactness } satisfies Measured);
}

async function main(backendNames: readonly string[]): Promise<void> {
  const cpuModel = os.cpus()[0]?.model ?? 'unknown cpu';
  log(`kernels bench: ${cpuModel}, ${os.cpus().length} cores, node ${process.version}; options ${JSON.stringify(BENCH_OPTIONS)}`);

  const local = await measure(['cpu']);
  const { results: children, failed } = runChildren<Measured>(backendNames.slice(1));
  const parts = [local, ...children];
  const devices: Record<string, string> = Object.assign({}, ...parts.map((p) => p.devices));
  const all = parts.flatMap((p) => p.results);
  // Grouped by kernel as before, backends in the order asked for.
  const results = CASES.flatMap((c) =>
    backendNames.flatMap((b) => all.filter((r) => r.kernel === c.kernel && r.size === c.size && r.backend === b)),
  );
  const exactness = CASES.flatMap((c) =>
    backendNames.flatMap((b) => parts.flatMap((p) => p.exactness).filter((e) => e.kernel === c.kernel && e.size === c.size && e.backend === b)),
  );

  // ---- report ----
  const lines: string[] = [
    '',
    `## spml kernels per backend — ${cpuModel}, ${os.cpus().length} cores, node ${process.version}`,
    '',
    'Times include reading the result back (`await out.data()`). Each backend other than cpu ran in a process of its own, which also timed cpu: ratio = median time / that cpu median (<1: faster than cpu).',
    '',
    '| kernel | size | backend | device | median ms | cpu median ms, same process | ratio vs cpu |',
    '|---|---|---|---|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(`| ${r.kernel} | ${r.size} | ${r.backend} | ${r.device} | ${r.medianMs.toFixed(3)} | ${r.cpuMedianMs.toFixed(3)} | ${r.ratioVsCpu.toFixed(2)}× |`);
  }
  lines.push('');
  for (const e of exactness) lines.push(`${e.kernel} ${e.size}: ${e.backend} vs cpu bit-exact: ${e.bitExact ? 'yes' : 'NO'} (${e.bytes} bytes)`);
  for (const f of failed) lines.push(`${f.backend}: NOT MEASURED, its child process failed (${f.error}; its stderr is above)`);

  const machine = machineInfo();
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, 'kernels.json');
  const svgPath = path.join(resultsDir, 'kernels.svg');
  const json = {
    benchmark: 'kernels',
    description:
      'spml kernels on each backend; cpu timed in the parent, every other backend in a child process of its own that also timed cpu (kernels/shared/native_gl.ts); each timed call includes the read-back of the result (await out.data()); ratioVsCpu = median ms / cpuMedianMs, both from the same process',
    machine,
    devices,
    versions: { spml: spmlVersion(), benchmark: versionOf('benchmark'), webgpu: versionOf('webgpu') },
    options: { ...BENCH_OPTIONS, defer: true, seed: SEED },
    cases: CASES.map((c) => ({ kernel: c.kernel, size: c.size, elements: c.elements })),
    results,
    exactness,
    failed,
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(
    svgPath,
    barChartSvg({
      title: 'spml kernels: calls per second by backend (incl. read-back)',
      subtitle: `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.date.slice(0, 10)} — median of benchmark.js samples`,
      unit: 'calls/s',
      digits: 1,
      groups: CASES.map((c) => ({
        label: `${c.kernel} ${c.size}`,
        bars: results
          .filter((r) => r.kernel === c.kernel && r.size === c.size)
          .map((r) => ({ label: `${r.backend}`, value: 1000 / r.medianMs, note: `(${r.medianMs.toFixed(2)} ms, ${r.ratioVsCpu.toFixed(2)}× cpu time)` })),
      })),
    }),
  );
  lines.push(`wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (failed.length > 0 || exactness.some((e) => !e.bitExact)) process.exitCode = 1;
}

if (ARGS.child !== undefined) await child(ARGS.child);
else await main(ARGS.backends);
// The webgpu device keeps the event loop alive; leave once the report is out.
process.exit(process.exitCode ?? 0);
