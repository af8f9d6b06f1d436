/**
 * This machine's limits for integer inference, measured, so that spml's speed can be quoted as a
 * fraction of what the CPU can do (bench:perf and bench:llama report those fractions):
 *
 *   - peak int16 dot throughput = 8 MACs per i32x4.dot_i16x8_s × the instructions per cycle a loop
 *     of independent dot_i16x8_s + i32x4.add achieves (measured, one thread) × the clock
 *     (/proc/cpuinfo's "cpu MHz") × the cores;
 *   - memory bandwidth: a one-thread WebAssembly v128 read of a 256 MiB buffer, far past the
 *     caches; the decode bound of a model is then this bandwidth ÷ the bytes of weights one token
 *     reads.
 *
 * The loops are AssemblyScript compiled here by the compiler npm ci installed (asc), with SIMD on
 * and relaxed-SIMD off, the flags of kernels/wasm/build.ts.
 *
 * Run: npm run bench:limits. It measures the limits, then reads bench/results/perf.json and
 * llama.json (run bench:perf and bench:llama first) and reports the fraction spml's wasm rows
 * reach: the int8 matmul 512³ against the peak of the threads it ran on, and each llama's decode
 * against the bandwidth bound of its int8 weights (one byte a weight, every weight read once a
 * token; int8WeightsPerToken). Writes bench/results/limits.json; prints a Markdown table.
 */
import * as asc from 'assemblyscript/asc';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';

const SOURCE = `
export function dots(iters: i32): i32 {
  let a0 = i32x4.splat(1), a1 = i32x4.splat(2), a2 = i32x4.splat(3), a3 = i32x4.splat(4);
  let a4 = i32x4.splat(5), a5 = i32x4.splat(6), a6 = i32x4.splat(7), a7 = i32x4.splat(8);
  const x = i16x8.splat(3), y = i16x8.splat(5);
  for (let i = 0; i < iters; i++) {
    a0 = i32x4.add(a0, i32x4.dot_i16x8_s(x, y)); a1 = i32x4.add(a1, i32x4.dot_i16x8_s(x, a0));
    a2 = i32x4.add(a2, i32x4.dot_i16x8_s(y, a1)); a3 = i32x4.add(a3, i32x4.dot_i16x8_s(a0, y));
    a4 = i32x4.add(a4, i32x4.dot_i16x8_s(x, a3)); a5 = i32x4.add(a5, i32x4.dot_i16x8_s(a2, y));
    a6 = i32x4.add(a6, i32x4.dot_i16x8_s(a4, x)); a7 = i32x4.add(a7, i32x4.dot_i16x8_s(y, a5));
  }
  const s = i32x4.add(i32x4.add(i32x4.add(a0, a1), i32x4.add(a2, a3)), i32x4.add(i32x4.add(a4, a5), i32x4.add(a6, a7)));
  return i32x4.extract_lane(s, 0);
}
export function read(ptr: usize, bytes: usize): i32 {
  let s0 = i32x4.splat(0), s1 = i32x4.splat(0), s2 = i32x4.splat(0), s3 = i32x4.splat(0);
  for (let p = ptr; p < ptr + bytes; p += 64) {
    s0 = i32x4.add(s0, v128.load(p)); s1 = i32x4.add(s1, v128.load(p, 16));
    s2 = i32x4.add(s2, v128.load(p, 32)); s3 = i32x4.add(s3, v128.load(p, 48));
  }
  return i32x4.extract_lane(i32x4.add(i32x4.add(s0, s1), i32x4.add(s2, s3)), 0);
}
export function base(): usize { return __heap_base; }
`;

export interface MachineLimits {
  readonly cpuMHz: number;
  readonly cores: number;
  /** dot_i16x8_s instructions per cycle on one core (8 MACs each). */
  readonly dotsPerCycle: number;
  /** Peak int16 multiply-accumulates per second, all cores. */
  readonly peakMacsPerSecond: number;
  /** One thread's measured read bandwidth, bytes per second. */
  readonly readBytesPerSecond: number;
}

function clockMHz(): number {
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux: fall through to what Node reports
  }
  return os.cpus()[0]?.speed ?? 0;
}

const bestOf = (runs: number, f: () => void): number => {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    best = Math.min(best, performance.now() - t);
  }
  return best / 1000;
};

export async function measureLimits(): Promise<MachineLimits> {
  // runtime 'stub': AssemblyScript's runtime without a garbage collector, as in kernels/wasm/build.ts.
  const { binary, error } = await asc.compileString(SOURCE, { runtime: 'stub', optimizeLevel: 3, noAssert: true, enable: ['simd'], disable: ['relaxed-simd'], initialMemory: 4200 } as never);
  if (error || !binary) throw new Error(`bench/limits: the probe does not compile: ${error?.message}`);
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(binary as Uint8Array<ArrayBuffer>), { env: { abort: () => undefined } });
  const exports = instance.exports as unknown as { dots(n: number): number; read(p: number, b: number): number; base(): number; memory: WebAssembly.Memory };
  const iters = 20_000_000;
  exports.dots(1000);
  const dotSeconds = bestOf(5, () => exports.dots(iters));
  const cpuMHz = clockMHz();
  const dotsPerCycle = (iters * 8) / dotSeconds / (cpuMHz * 1e6);
  const bytes = 256 * 2 ** 20;
  const ptr = Math.ceil(exports.base() / 64) * 64;
  new Uint8Array(exports.memory.buffer, ptr, bytes).fill(1);
  const readSeconds = bestOf(5, () => exports.read(ptr, bytes));
  const cores = os.cpus().length;
  return { cpuMHz, cores, dotsPerCycle, peakMacsPerSecond: 8 * dotsPerCycle * cpuMHz * 1e6 * cores, readBytesPerSecond: bytes / readSeconds };
}

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const readResult = (name: string): any => (existsSync(path.join(resultsDir, name)) ? JSON.parse(readFileSync(path.join(resultsDir, name), 'utf8')) : undefined);
/** "…, 2 threads" in a backend description → 2; 1 when it names none. */
const threadsOf = (description: string | undefined): number => Number(/(\d+) threads?/.exec(description ?? '')?.[1] ?? 1);

interface Fraction {
  readonly what: string;
  readonly achieved: string;
  readonly limit: string;
  readonly fraction: number;
}

/**
 * The int8 weight bytes one decoded token reads (NUMERICS §20.7): per block q, o (C²), k, v (C·KV),
 * gate, up, down (C·F), then the classifier (V·C). The int16 embedding is not counted: a token
 * gathers one row of it.
 */
function int8WeightsPerToken(c: { width: number; hiddenWidth: number; layers: number; heads: number; kvHeads: number; vocabSize: number }): number {
  const kv = (c.width / c.heads) * c.kvHeads;
  return c.layers * (2 * c.width * c.width + 2 * c.width * kv + 3 * c.width * c.hiddenWidth) + c.vocabSize * c.width;
}

/** The fractions of the limits that bench:perf's and bench:llama's wasm rows reach. */
export function fractions(limits: MachineLimits): Fraction[] {
  const out: Fraction[] = [];
  const perf = readResult('perf.json');
  const mm = perf?.kernels?.find((k: any) => k.kernel === 'matmul' && k.size === '512³' && k.backend === 'wasm');
  if (mm) {
    const threads = threadsOf(perf.devices?.wasm);
    const macs = 512 ** 3 / (mm.spml.medianMs / 1e3);
    const peak = (limits.peakMacsPerSecond / limits.cores) * threads;
    out.push({ what: `int8 matmul 512³, wasm (${threads} thread${threads > 1 ? 's' : ''})`, achieved: `${(macs / 1e9).toFixed(1)} GMAC/s`, limit: `${(peak / 1e9).toFixed(1)} GMAC/s int16-dot peak`, fraction: macs / peak });
  }
  const llama = readResult('llama.json');
  for (const row of llama?.rows ?? []) {
    if (row.engine?.kind !== 'spml' || row.engine.backend !== 'wasm' || !row.result?.decode) continue;
    const weightBytes = int8WeightsPerToken(llama.models.find((m: any) => m.name === row.model).config);
    const bound = limits.readBytesPerSecond / weightBytes;
    const tps = row.result.decode.medianTokensPerSecond;
    const threads = row.result.threads ?? 1;
    out.push({ what: `${row.model} decode, wasm (${threads} thread${threads > 1 ? 's' : ''})`, achieved: `${tps.toFixed(1)} tokens/s`, limit: `${bound.toFixed(0)} tokens/s (${(limits.readBytesPerSecond / 1e9).toFixed(1)} GB/s ÷ ${(weightBytes / 2 ** 20).toFixed(1)} MiB)`, fraction: tps / bound });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const limits = await measureLimits();
  const rows = fractions(limits);
  writeFileSync(path.join(resultsDir, 'limits.json'), JSON.stringify({ benchmark: 'limits', machine: machineInfo(), limits, fractions: rows }, null, 2) + '\n');
  console.log(`## How close to this machine's limits — ${limits.cores} cores at ${limits.cpuMHz.toFixed(0)} MHz\n`);
  console.log(`Peak int16 dot throughput: 8 MACs × ${limits.dotsPerCycle.toFixed(2)} dot_i16x8_s a cycle × ${limits.cpuMHz.toFixed(0)} MHz × ${limits.cores} cores = ${(limits.peakMacsPerSecond / 1e9).toFixed(1)} GMAC/s; one thread reads memory at ${(limits.readBytesPerSecond / 1e9).toFixed(1)} GB/s.\n`);
  console.log('| measure | spml | limit | fraction |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${r.achieved} | ${r.limit} | ${(100 * r.fraction).toFixed(1)}% |`);
  if (rows.length === 0) console.log('| (no wasm rows in bench/results: run bench:perf and bench:llama first) | | | |');
}
