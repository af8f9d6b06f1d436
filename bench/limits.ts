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
 * and relaxed-SIMD off, the flags of kernels/wasm/build.ts. Run: npx tsx bench/limits.ts (JSON).
 */
import * as asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';
import os from 'node:os';

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

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await measureLimits(), null, 2));
