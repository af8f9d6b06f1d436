/**
 * The browser side of test/browser/conformance.test.ts, bundled by esbuild at test time: the
 * conformance cases (test/conformance/cases.ts), their output hash (compare.ts) and the library
 * (lib/index.ts, which registers cpu and wasm). `window.spmlConformance.run(backend)` runs every
 * case, in CASES order, on that backend through the public op API and resolves with
 * [name, outputHash] pairs, the backend's description and what the page offers wasm (cross-origin
 * isolation, cores). A case that throws gives 'error: <message>' in place of its hash, so it
 * fails the comparison by name rather than ending the run.
 */
import { getBackend } from '../../lib/index.js';
import { CASES, runCase } from '../conformance/cases.js';
import { outputHash } from '../conformance/compare.js';

export interface ConformanceRun {
  readonly backend: string;
  /** The backend's own description (wasm: SIMD and its thread count). */
  readonly description: string;
  readonly crossOriginIsolated: boolean;
  readonly hardwareConcurrency: number;
  /** [case name, outputHash or 'error: …'], in CASES order. */
  readonly hashes: [string, string][];
  readonly ms: number;
}

export interface SpmlConformancePage {
  run(backend: string): Promise<ConformanceRun>;
}

declare global {
  interface Window {
    spmlConformance: SpmlConformancePage;
  }
}

async function run(name: string): Promise<ConformanceRun> {
  const backend = await getBackend(name);
  const t0 = performance.now();
  const hashes: [string, string][] = [];
  for (const c of CASES) {
    try {
      hashes.push([c.name, outputHash(await runCase(c, backend))]);
    } catch (e) {
      hashes.push([c.name, `error: ${String((e as Error)?.message ?? e).split('\n')[0]}`]);
    }
  }
  return {
    backend: name,
    description: backend.description,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    hashes,
    ms: Math.round(performance.now() - t0),
  };
}

window.spmlConformance = { run };
