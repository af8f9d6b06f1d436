/**
 * Micro-benchmark: spml cpu int8×int8→int32 matmul against tfjs float32 matMul (tfjs-backend-cpu
 * and tfjs-backend-wasm) at 256³ and 512³, all in the same process, one after the other.
 *
 * Why: to know where the reference kernel stands next to a well-known peer. What matters is the
 * ratio to a peer measured in the same process on the same machine; absolute times depend on the
 * machine and its load, so nothing here (or anywhere) asserts on them.
 *
 * Run: npm run bench  (npx tsx bench/matmul.ts). Progress goes to stderr, the Markdown table to
 * stdout; bench/results/matmul.json and bench/results/matmul.svg are written.
 */
import Benchmark from 'benchmark';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend, matmul, tensor } from '../lib/index.js';
import '../kernels/cpu/index.js';
import { barChartSvg } from '../tools/report/svg_chart.js';
import { randomInt8 } from './inputs.js';
import { machineInfo, packageDir, spmlVersion, versionOf } from './machine.js';

const SIZES = [256, 512] as const;
const SEED = 0x5eed;
/** Kept small so the whole run stays under ~2 minutes on 2 cores. */
const BENCH_OPTIONS = { maxTime: 2.5, minSamples: 5, initCount: 1 };
const IMPLS = ['spml cpu int8', 'tfjs-cpu float32', 'tfjs-wasm float32'] as const;
type Impl = (typeof IMPLS)[number];

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');

interface Result {
  size: number;
  impl: Impl;
  medianMs: number;
  meanMs: number;
  rmePct: number;
  samples: number;
  gops: number;
}

const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** tfjs prints banners and warnings through console; send them to stderr so stdout stays a clean table. */
async function consoleOnStderr<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  const toErr = (...args: unknown[]): void => log(`[tfjs] ${args.map(String).join(' ')}`);
  console.log = console.info = console.warn = toErr;
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function runBench(size: number, impl: Impl, fn: () => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(`${impl} ${size}³`, fn, {
      ...BENCH_OPTIONS,
      onComplete() {
        if (bench.error) return reject(bench.error);
        const medianS = median(bench.stats.sample);
        const r: Result = {
          size,
          impl,
          medianMs: medianS * 1e3,
          meanMs: bench.stats.mean * 1e3,
          rmePct: bench.stats.rme,
          samples: bench.stats.sample.length,
          gops: (2 * size ** 3) / medianS / 1e9,
        };
        log(`  ${`${impl} ${size}³`.padEnd(24)} median ${r.medianMs.toFixed(2).padStart(8)} ms  ${r.gops.toFixed(2).padStart(6)} GOP/s  (±${r.rmePct.toFixed(1)}%, ${r.samples} samples)`);
        resolve(r);
      },
    });
    bench.run({ async: false });
  });
}

/** tfjs float32 matMul on the current tfjs backend; dataSync() forces completion. */
async function benchTfjs(size: number, impl: Impl, a: Int8Array, b: Int8Array): Promise<Result> {
  const ta = tf.tensor2d(Float32Array.from(a), [size, size]);
  const tb = tf.tensor2d(Float32Array.from(b), [size, size]);
  try {
    return await runBench(size, impl, () => {
      const c = tf.matMul(ta, tb);
      c.dataSync();
      c.dispose();
    });
  } finally {
    ta.dispose();
    tb.dispose();
  }
}

function mismatches(expected: Int32Array, actual: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== actual[i]) bad++;
  return bad;
}

async function main(): Promise<void> {
  const cpu = await getBackend('cpu');
  const wasmDir = path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep;
  const wasmInfo = await consoleOnStderr(async () => {
    setWasmPaths(wasmDir);
    for (const name of ['cpu', 'wasm']) {
      if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise (wasm files: ${wasmDir})`);
      await tf.ready();
    }
    return {
      simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
      threads: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    };
  });
  log(`matmul bench: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, node ${process.version}`);
  log(`tfjs-wasm: simd=${wasmInfo.simd} threads=${wasmInfo.threads}; options ${JSON.stringify(BENCH_OPTIONS)}`);

  const results: Result[] = [];
  const exactness: { size: number; against: string; mismatches: number; elements: number }[] = [];
  await consoleOnStderr(async () => {
    for (const size of SIZES) {
      log(`${size}³:`);
      const aData = randomInt8(size * size, SEED + size);
      const bData = randomInt8(size * size, SEED + size + 1);
      const a = tensor(cpu, aData, [size, size], 'int8');
      const b = tensor(cpu, bData, [size, size], 'int8');

      // Informational, once, at the smallest size: |sum| ≤ 256·2^14 = 2^22 < 2^24, so float32 is exact there.
      const check = size === SIZES[0];
      const spmlOut = check ? (matmul(a, b).dataSync() as Int32Array) : undefined;

      results.push(await runBench(size, 'spml cpu int8', () => void matmul(a, b)));

      for (const [backend, impl] of [['cpu', 'tfjs-cpu float32'], ['wasm', 'tfjs-wasm float32']] as const) {
        await tf.setBackend(backend);
        if (spmlOut) {
          const tc = tf.tidy(() => tf.matMul(tf.tensor2d(Float32Array.from(aData), [size, size]), tf.tensor2d(Float32Array.from(bData), [size, size])));
          exactness.push({ size, against: impl, mismatches: mismatches(spmlOut, tc.dataSync() as Float32Array), elements: spmlOut.length });
          tc.dispose();
        }
        results.push(await benchTfjs(size, impl, aData, bData));
      }
      a.dispose();
      b.dispose();
    }
  });
  const leaked = tf.memory().numTensors;

  // ---- report ----
  const spmlAt = (size: number): Result => results.find((r) => r.size === size && r.impl === 'spml cpu int8')!;
  const lines: string[] = [
    '',
    `## matmul ${SIZES.map((s) => `${s}³`).join(', ')} — ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, node ${process.version}`,
    '',
    '| size | implementation | median ms | mean ms ± rme | GOP/s (2·n³ ops) | ratio vs spml cpu (GOP/s) |',
    '|---:|---|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(`| ${r.size}³ | ${r.impl} | ${r.medianMs.toFixed(2)} | ${r.meanMs.toFixed(2)} ± ${r.rmePct.toFixed(1)}% | ${r.gops.toFixed(2)} | ${(r.gops / spmlAt(r.size).gops).toFixed(2)}× |`);
  }
  const ratios: { size: number; peer: string; spmlOverPeer: number }[] = [];
  lines.push('', 'spml-cpu / peer, throughput ratio (>1: spml faster; <1: spml slower):');
  for (const size of SIZES) {
    for (const peer of ['tfjs-cpu float32', 'tfjs-wasm float32'] as const) {
      const p = results.find((r) => r.size === size && r.impl === peer)!;
      const ratio = spmlAt(size).gops / p.gops;
      ratios.push({ size, peer, spmlOverPeer: ratio });
      lines.push(`- ${size}³: spml-cpu/${peer.split(' ')[0]} = ${ratio.toFixed(3)} (spml takes ${(1 / ratio).toFixed(2)}× the time)`);
    }
  }
  lines.push('');
  for (const e of exactness) {
    lines.push(
      e.mismatches === 0
        ? `exactness check: ok (spml int8→int32 == ${e.against} at ${e.size}³, ${e.elements} elements)`
        : `exactness check: ${e.mismatches} of ${e.elements} elements differ (spml int8→int32 vs ${e.against} at ${e.size}³)`,
    );
  }
  lines.push(`tfjs tensors still alive after the run: ${leaked}`);

  const machine = machineInfo();
  mkdirSync(resultsDir, { recursive: true });
  const jsonPath = path.join(resultsDir, 'matmul.json');
  const svgPath = path.join(resultsDir, 'matmul.svg');
  const json = {
    benchmark: 'matmul',
    description: 'spml cpu int8×int8→int32 matmul vs tfjs float32 matMul (cpu and wasm backends), same process; GOP/s = 2·n³ / median time',
    machine,
    versions: {
      spml: spmlVersion(),
      'tfjs-core': versionOf('@tensorflow/tfjs-core'),
      'tfjs-backend-cpu': versionOf('@tensorflow/tfjs-backend-cpu'),
      'tfjs-backend-wasm': versionOf('@tensorflow/tfjs-backend-wasm'),
      benchmark: versionOf('benchmark'),
    },
    options: { ...BENCH_OPTIONS, seed: SEED },
    spmlBackend: cpu.description,
    tfjsWasm: wasmInfo,
    results,
    ratios,
    exactness,
  };
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(
    svgPath,
    barChartSvg({
      title: 'matmul throughput: spml cpu int8 vs tfjs float32',
      subtitle: `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.date.slice(0, 10)} — median of benchmark.js samples`,
      unit: 'GOP/s',
      groups: SIZES.map((size) => ({
        label: `${size}×${size}×${size}`,
        bars: results
          .filter((r) => r.size === size)
          .map((r) => ({ label: r.impl, value: r.gops, note: `(${(r.gops / spmlAt(size).gops).toFixed(2)}× spml)` })),
      })),
    }),
  );
  lines.push(`wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
