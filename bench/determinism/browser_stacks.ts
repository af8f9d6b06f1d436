/**
 * The determinism bench's browser stacks: every case in headless Chromium (apps/web/chromium.ts)
 * and in Firefox ESR (apps/web/firefox.ts), with the same inputs as the process stacks: shipped
 * models by name, random-weight models and images as bytes. One browser per backend, so that a
 * backend that fails there does not take the others with it.
 */
import { spawnSync } from 'node:child_process';
import type { ChromiumCase, ChromiumResult } from '../../apps/web/chromium.js';
import { CASES, casePixels, mobyTokensPerSecond, modelSource, type Case, type CaseResult } from './cases.js';
import { failedStack, firstLine, log, short, type StackResult } from './result.js';
import { gpuImplementation, stackId, type StackSpec } from './stacks.js';

/** Per backend: the bundle build (first call only), the browser's start, and every case. */
const BROWSER_TIMEOUT_MS = 300_000;

type BrowserRunner = (cases: ChromiumCase[]) => Promise<ChromiumResult[]>;

/** The browser's runner and its executable (whose --version names the engine). */
async function browser(runtime: 'chromium' | 'firefox'): Promise<{ run: BrowserRunner; executable: string }> {
  if (runtime === 'chromium') {
    const { runInChromium, CHROMIUM_PATH } = await import('../../apps/web/chromium.js');
    return { run: (cases) => runInChromium(cases), executable: CHROMIUM_PATH };
  }
  const { runInFirefox, FIREFOX_PATH } = await import('../../apps/web/firefox.js');
  return { run: (cases) => runInFirefox(cases), executable: FIREFOX_PATH };
}

function browserVersion(executable: string): string {
  const r = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : executable;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1e3} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A case as the page takes it: the same model and inputs as in the process stacks. */
function browserCase(c: Case, backend: string): ChromiumCase {
  const model = modelSource(c.model);
  if (c.kind === 'mlp') return { backend, model, kind: 'classify', images: casePixels(c), count: c.images.count };
  return { backend, model, prompt: c.prompt, seed: c.seed, maxTokens: c.maxTokens, temperature: c.temperature, topK: c.topK, topP: c.topP };
}

export async function runBrowserStack(spec: StackSpec & { runtime: 'chromium' | 'firefox' }): Promise<StackResult> {
  let runner: { run: BrowserRunner; executable: string };
  try {
    runner = await browser(spec.runtime);
  } catch (e) {
    return failedStack(spec, spec.runtime, `cannot load the ${spec.runtime} runner (${firstLine(e)})`);
  }
  const engine = browserVersion(runner.executable);
  log(`[${stackId(spec)}] ${engine}, ${CASES.length} cases…`);
  try {
    const results = await withTimeout(runner.run(CASES.map((c) => browserCase(c, spec.backend))), BROWSER_TIMEOUT_MS);
    if (results.length !== CASES.length) throw new Error(`the runner returned ${results.length} results for ${CASES.length} cases`);
    const rows: CaseResult[] = results.map((r, i) => {
      const c = CASES[i]!;
      if (r.backend !== spec.backend) throw new Error(`a result for ${spec.backend} names backend ${r.backend}`);
      const row: CaseResult = { id: c.id, modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, items: r.items, ms: r.ms, completion: r.completion, labels: r.labels };
      log(`  ${c.id}: ${row.items} ${c.kind === 'gpt' ? 'tokens' : 'images'}, ${row.ms.toFixed(0)} ms, output ${short(row.outputHash)} trace ${short(row.traceRoot)}`);
      return row;
    });
    const description = results[0]?.description ?? '—';
    log(`  ${description}`);
    return { spec, engine, gpu: gpuImplementation(spec), description, cases: rows, tokensPerSecond: mobyTokensPerSecond(rows) };
  } catch (e) {
    log(`  failed: ${firstLine(e)}`);
    return failedStack(spec, engine, `failed: ${firstLine(e)}`);
  }
}
