/**
 * Timing one asynchronous call with benchmark.js in deferred mode, and the byte comparison every
 * bench uses to check a backend against cpu, shared so that every bench measures and compares the
 * same way.
 */
import Benchmark from 'benchmark';
import { median } from './inputs.js';

export interface Timing {
  readonly medianMs: number;
  readonly meanMs: number;
  readonly rmePct: number;
  readonly samples: number;
}

export interface BenchOptions {
  readonly maxTime: number;
  readonly minSamples: number;
  readonly initCount: number;
}

/** Deferred benchmark.js run of `call`; a call that fails fails the bench rather than timing an error path. */
export function timeCall(name: string, call: () => Promise<unknown>, options: BenchOptions): Promise<Timing> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    const bench = new Benchmark(name, {
      ...options,
      defer: true,
      fn(deferred: Benchmark.Deferred) {
        call().then(
          () => deferred.resolve(),
          (err: unknown) => {
            failure ??= err;
            deferred.resolve();
          },
        );
      },
      onComplete() {
        if (bench.error || failure) return reject(bench.error ?? failure);
        resolve({ medianMs: median(bench.stats.sample) * 1e3, meanMs: bench.stats.mean * 1e3, rmePct: bench.stats.rme, samples: bench.stats.sample.length });
      },
    });
    bench.run({ async: true });
  });
}

export function sameBytes(x: ArrayBufferView, y: ArrayBufferView): boolean {
  const a = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  const b = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** One timed call as a caller sees it: run the op and await its result on the host (spml or tfjs). */
export async function readBack(op: () => { data(): Promise<unknown>; dispose(): void }): Promise<void> {
  const out = op();
  await out.data();
  out.dispose();
}
