/**
 * spml in a real browser: headless Chromium (apps/web/chromium.ts) runs moby-gpt on webgpu
 * (SwiftShader), gpujs-webgl2 (ANGLE on SwiftShader) and cpu from the browser bundle, and every
 * output hash and trace root must equal the ones Node's cpu backend gives for the same model,
 * prompt and options. Each backend must also have run on what it claims: the WebGPU adapter,
 * gpu.js's WebGL2Kernel. A backend that cannot start in Chromium fails the test; nothing skips.
 * The page is saved as test/artifacts/browser.png.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { generate, loadModel, type GenerationResult } from '../../lib/index.js';
import { runInChromium, type ChromiumResult } from '../../apps/web/chromium.js';
import type { PageState } from '../../apps/web/page.js';
import { backendNames } from '../../kernels/backends.js';

const SCREENSHOT = fileURLToPath(new URL('../artifacts/browser.png', import.meta.url));
const CASE = { prompt: 'Call me Ishmael. ', seed: 42, maxTokens: 8, temperature: 0.8 };
/** What each backend's description must say: the device or kernel class that really ran. */
const RAN_ON: Readonly<Record<string, RegExp>> = {
  webgpu: /swiftshader/i,
  'gpujs-webgl2': /WebGL2Kernel/,
  cpu: /TypeScript reference/,
};

let node: GenerationResult;
let browser: ChromiumResult[];
/** The page as a visitor finds it, and after a run that fails. */
let fresh: PageState;
let afterError: PageState & { rejected: string };

beforeAll(async () => {
  node = await generate(await loadModel('moby-gpt'), CASE.prompt, { ...CASE, seed: BigInt(CASE.seed) });
  browser = await runInChromium(
    Object.keys(RAN_ON).map((backend) => ({ backend, ...CASE })),
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
}, 90_000);

it.each(Object.keys(RAN_ON))('%s in Chromium gives the hashes Node gives on cpu', (backend) => {
  const r = browser.find((x) => x.backend === backend);
  expect(r, `no result for ${backend}`).toBeDefined();
  expect(r!.description, `${backend} ran on '${r!.description}'`).toMatch(RAN_ON[backend]!);
  expect(r!.completion).toBe(node.completion);
  expect(r!.outputHash).toBe(node.outputHash);
  expect(r!.traceRoot).toBe(node.traceRoot);
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
