/**
 * spml in a real browser: headless Chromium (apps/web/chromium.ts) runs moby-gpt (shipped, by
 * name), stories260K and a seeded random llama with three query heads sharing one kv head (both
 * made in Node and handed to the page as .spml bytes) on webgpu (SwiftShader), gpujs-webgl2
 * (ANGLE on SwiftShader), gpujs-webasm, wasm and cpu from the browser bundle, and every completion,
 * output hash and trace root must equal the ones Node's cpu backend gives for the same model file,
 * prompt and options. Each backend must also have run on what it claims: the WebGPU adapter,
 * gpu.js's WebGL2Kernel and WebAssemblyKernel, wasm on threads (the page is served cross-origin isolated, so it has
 * shared memory; apps/web/serve.ts). A backend that cannot start in Chromium fails the test;
 * nothing skips.
 * The page is saved as test/artifacts/browser.png.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { generate, loadModel, type GenerationResult } from '../../lib/index.js';
import { runInChromium, type ChromiumResult } from '../../apps/web/chromium.js';
import type { PageState } from '../../apps/web/page.js';
import { backendNames } from '../../kernels/backends.js';
import { RANDOM_LLAMA_PROMPT, RANDOM_LLAMAS, randomLlamaBytes } from '../../tools/data/random_llama_models.js';
import { storiesSpml } from '../llama/stories_spml.js';

const SCREENSHOT = fileURLToPath(new URL('../artifacts/browser.png', import.meta.url));
const CASE = { prompt: 'Call me Ishmael. ', seed: 42, maxTokens: 8, temperature: 0.8 };
const RANDOM_LLAMA = RANDOM_LLAMAS.find((s) => s.shape.kvHeads < s.shape.heads && s.shape.heads % 2 === 1)!;
/** What the page runs on every backend: a shipped model by name, and model files as bytes. */
const MODELS: readonly { label: string; model: string | Uint8Array; prompt: string }[] = [
  { label: 'moby-gpt', model: 'moby-gpt', prompt: CASE.prompt },
  { label: 'stories260K', model: storiesSpml(), prompt: 'Once upon a time' },
  { label: `${RANDOM_LLAMA.name} (${RANDOM_LLAMA.shape.heads} heads, ${RANDOM_LLAMA.shape.kvHeads} kv)`, model: randomLlamaBytes(RANDOM_LLAMA), prompt: RANDOM_LLAMA_PROMPT },
];
/** What each backend's description must say: the device or kernel class that really ran. */
const RAN_ON: Readonly<Record<string, RegExp>> = {
  webgpu: /swiftshader/i,
  'gpujs-webgl2': /WebGL2Kernel/,
  'gpujs-webasm': /WebAssemblyKernel/,
  // Threads where the page is cross-origin isolated: not "1 thread: shared memory unavailable".
  wasm: /^WebAssembly 128-bit SIMD \(AssemblyScript\), (1 thread|\d+ threads)$/,
  cpu: /TypeScript reference/,
};

/** Node cpu's result per model, and Chromium's per (backend, model) in RUNS order. */
let node: GenerationResult[];
let browser: ChromiumResult[];
const RUNS = Object.keys(RAN_ON).flatMap((backend) => MODELS.map((m, i) => ({ backend, model: i })));
/** The page as a visitor finds it, and after a run that fails. */
let fresh: PageState;
let afterError: PageState & { rejected: string };

beforeAll(async () => {
  node = [];
  for (const m of MODELS) node.push(await generate(await loadModel(m.model, { backend: 'cpu' }), m.prompt, { ...CASE, seed: BigInt(CASE.seed) }));
  browser = await runInChromium(
    RUNS.map(({ backend, model }) => ({ ...CASE, backend, model: MODELS[model]!.model, prompt: MODELS[model]!.prompt })),
    {
      screenshot: SCREENSHOT,
      onPage: async (page) => {
        await page.reload();
        await page.waitForFunction(() => typeof window.spml?.run === 'function');
        fresh = await page.evaluate(async () => (await window.spml.ready, window.spml.state()));
        await page.evaluate(() => window.spml.run({ backend: 'cpu', prompt: 'Call me', maxTokens: 4 }));
        afterError = await page.evaluate(async () => {
          const rejected = await window.spml.run({ backend: 'cpu', prompt: 'snow ☃', maxTokens: 4 }).then(
            () => 'resolved',
            (e: unknown) => String(e),
          );
          return { ...window.spml.state(), rejected };
        });
      },
    },
  );
}, 180_000);

it.each(RUNS.map((run, i) => [run.backend, MODELS[run.model]!.label, i, run.model] as const))('%s in Chromium gives the hashes Node gives on cpu: %s', (backend, _label, i, model) => {
  const r = browser[i];
  expect(r, `no result for ${backend}`).toBeDefined();
  expect(r!.backend).toBe(backend);
  expect(r!.description, `${backend} ran on '${r!.description}'`).toMatch(RAN_ON[backend]!);
  expect(r!.modelHash).toBe(node[model]!.modelHash);
  expect(r!.completion).toBe(node[model]!.completion);
  expect(r!.outputHash).toBe(node[model]!.outputHash);
  expect(r!.traceRoot).toBe(node[model]!.traceRoot);
  expect(r!.tokensPerSecond).toBeGreaterThan(0);
});

it('offers every browser backend of the backend list and preselects one that starts here', () => {
  expect(fresh.backends).toEqual(backendNames('browser'));
  // Chromium here has WebGPU (SwiftShader), the first choice.
  expect(fresh.selected).toBe('webgpu');
  expect(fresh.status).toBe('ready: webgpu');
  expect(fresh.output).toBe('');
});

it('clears the previous output when a run fails, and says why', () => {
  expect(afterError.rejected).toContain('is not in the model');
  expect(afterError.output).toBe('');
  expect(afterError.error).toBe(true);
  expect(afterError.status).toContain('U+2603');
});

it('saves a screenshot of the page', () => {
  expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
});
