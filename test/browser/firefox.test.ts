/**
 * spml in Firefox (SpiderMonkey, apps/web/firefox.ts), a second browser engine beside Chromium:
 * one Firefox ESR, headful on the X display (test/with-display.sh), runs moby-gpt greedy and
 * sampled, stories260k sampled and a batch of MNIST test images on mnist-mlp on cpu, wasm,
 * gpujs-webgl2, gpujs-webasm and webgpu, and every model hash, output hash, trace root,
 * completion and label must equal what Node's cpu backend gives in this process. Each result
 * must come from Firefox (its user agent) and from what its backend claims: gpu.js's
 * WebGL2Kernel or WebAssemblyKernel, wasm on threads, and for webgpu the adapter Firefox's
 * wgpu returned. A backend that cannot run in Firefox fails the tests with its reason; nothing
 * skips.
 */
import { beforeAll, expect, it } from 'vitest';
import { classify, generate, loadModel } from '../../lib/index.js';
import { ensureBuilt } from '../../apps/web/build.js';
import type { BrowserCase, BrowserResult } from '../../apps/web/browser_cases.js';
import { runInFirefox, wgpuAdapter, withFirefoxPage } from '../../apps/web/firefox.js';
import { loadMnist, shippedMnistDir } from '../../tools/data/mnist.js';

const IMAGES = 16;
const MNIST = loadMnist('test', shippedMnistDir()).images.slice(0, IMAGES * 784);
type Case = { label: string; model: string } & ({ kind: 'generate'; prompt: string; seed: number; temperature: number; maxTokens: number } | { kind: 'classify' });
const CASES: readonly Case[] = [
  { label: 'moby-gpt greedy', model: 'moby-gpt', kind: 'generate', prompt: 'Call me Ishmael. ', seed: 1, temperature: 0, maxTokens: 8 },
  { label: 'moby-gpt sampled', model: 'moby-gpt', kind: 'generate', prompt: 'Call me Ishmael. ', seed: 42, temperature: 0.8, maxTokens: 8 },
  { label: 'stories260k sampled', model: 'stories260k', kind: 'generate', prompt: 'Once upon a time', seed: 42, temperature: 0.8, maxTokens: 8 },
  { label: `mnist-mlp, ${IMAGES} test images`, model: 'mnist-mlp', kind: 'classify' },
];
/** What each backend's description must say: the kernel class or device that really ran. */
const RAN_ON: Readonly<Record<string, RegExp>> = {
  cpu: /TypeScript reference/,
  // The page is cross-origin isolated, so wasm has shared memory for its threads.
  wasm: /^WebAssembly 128-bit SIMD \(AssemblyScript\), (1 thread|\d+ threads)$/,
  'gpujs-webgl2': /\(WebGL2Kernel\)/,
  'gpujs-webasm': /\(WebAssemblyKernel\)/,
  // The page's navigator.gpu, and the adapter Firefox's wgpu gave it, with its graphics API.
  webgpu: /^navigator\.gpu \(browser\): .*; Firefox's wgpu adapter: \S.* \((Vulkan|Gl|Metal|Dx12), \w+, /,
};
const RUNS = Object.keys(RAN_ON).flatMap((backend) => CASES.map((c, i) => ({ backend, index: i })));

interface Reference {
  modelHash: string;
  outputHash: string;
  traceRoot: string;
  completion?: string;
  labels?: number[];
}

function browserCase(c: Case, backend: string): BrowserCase {
  if (c.kind === 'classify') return { backend, model: c.model, kind: 'classify', images: MNIST, count: IMAGES };
  const { prompt, seed, temperature, maxTokens } = c;
  return { backend, model: c.model, prompt, seed, temperature, maxTokens };
}

let node: Reference[];
let firefox: BrowserResult[] = [];
let failure: string | undefined;
let preselected: string;

beforeAll(async () => {
  const t0 = performance.now();
  node = [];
  for (const c of CASES) {
    const model = await loadModel(c.model, { backend: 'cpu' });
    if (c.kind === 'classify') {
      const r = await classify(model, MNIST, IMAGES);
      node.push({ modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, labels: [...r.labels] });
    } else {
      const r = await generate(model, c.prompt, { seed: BigInt(c.seed), temperature: c.temperature, maxTokens: c.maxTokens });
      node.push({ modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot, completion: r.completion });
    }
  }
  const t1 = performance.now();
  try {
    firefox = await runInFirefox(
      RUNS.map(({ backend, index }) => browserCase(CASES[index]!, backend)),
      { onPage: async (page) => void (preselected = await page.evaluate(() => window.spml.ready)) },
    );
  } catch (e) {
    failure = (e as Error).message;
  }
  console.log(`Firefox: ${RUNS.length} runs in ${((performance.now() - t1) / 1e3).toFixed(1)} s, start included (Node cpu ${((t1 - t0) / 1e3).toFixed(1)} s)${failure ? `, failed: ${failure}` : ''}`);
  for (const backend of Object.keys(RAN_ON)) {
    const rs = firefox.filter((r) => r.backend === backend);
    if (rs.length > 0) console.log(`  ${backend}: ${rs.map((r) => r.ms.toFixed(0)).join(' + ')} ms; ${rs[0]!.description}`);
  }
}, 180_000);

it.each(RUNS.map((run, i) => [run.backend, CASES[run.index]!.label, i, run.index] as const))('%s in Firefox gives the hashes Node gives on cpu: %s', (backend, _label, i, index) => {
  expect(failure, 'Firefox did not run every case').toBeUndefined();
  const r = firefox[i];
  const want = node[index]!;
  expect(r, `no result for ${backend}`).toBeDefined();
  expect(r!.backend).toBe(backend);
  expect(r!.userAgent, 'the page did not run in Firefox').toMatch(/\bGecko\/\d+ Firefox\/\d+/);
  expect(r!.description, `${backend} ran on '${r!.description}'`).toMatch(RAN_ON[backend]!);
  expect(r!.modelHash).toBe(want.modelHash);
  expect(r!.outputHash).toBe(want.outputHash);
  expect(r!.traceRoot).toBe(want.traceRoot);
  if (want.labels) expect(r!.labels).toEqual(want.labels);
  else expect(r!.completion).toBe(want.completion);
});

it('preselects webgpu on the page: Firefox offers WebGPU here', () => {
  expect(failure).toBeUndefined();
  expect(preselected).toBe('webgpu');
});

it("names wgpu's adapter from its log line", () => {
  const line =
    '[INFO  wgpu_core::instance] Request adapter result AdapterInfo { name: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: 65541, device: 0, device_type: Cpu, ' +
    'device_pci_bus_id: "", driver: "llvmpipe", driver_info: "Mesa 22.3.6 (LLVM 15.0.6)", backend: Vulkan, subgroup_min_size: 8 }';
  expect(wgpuAdapter(line)).toBe('llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan, Cpu, Mesa 22.3.6 (LLVM 15.0.6))');
  expect(wgpuAdapter('[INFO  wgpu_core::instance] Instance::request_adapter')).toBeUndefined();
});

it('refuses to start Firefox without an X display, saying why', async () => {
  const display = process.env.DISPLAY;
  delete process.env.DISPLAY;
  try {
    await expect(withFirefoxPage(await ensureBuilt(), 'spml', async () => 'ran')).rejects.toThrow(/DISPLAY is not set.*with-display\.sh/);
  } finally {
    if (display !== undefined) process.env.DISPLAY = display;
  }
});
