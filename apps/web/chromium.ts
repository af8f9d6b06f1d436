/**
 * Runs spml in a real browser: `runInChromium(cases, { screenshot })` builds dist-web/ if it is
 * older than the sources (apps/web/build.ts), serves it on 127.0.0.1 (apps/web/serve.ts),
 * starts headless Chromium from /usr/bin/chromium through playwright-core with a fresh profile
 * in a temporary folder, opens the page and runs each case, in order, through
 * `window.spml.run` (apps/web/page.ts; the cases are apps/web/browser_cases.ts's); the page
 * loads each model once per backend. It resolves with one result per case: the backend, its
 * description (WebGPU adapter, gpu.js kernel class), the model hash, the output hash, the trace
 * root, the time, and the completion or the labels; a case that fails rejects the whole call
 * with the page's error.
 * With `screenshot` set it saves a full-page PNG there after the last case. Nothing is
 * downloaded: Chromium comes from apt (`chromium`), never from `npx playwright install`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ensureBuilt } from './build.js';
import { runCases, type BrowserCase, type BrowserResult } from './browser_cases.js';
import { serve } from './serve.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Headless flags (shared/reference/machine-notes.md): no sandbox (containers run as root), no
 * traffic of Chromium's own, and WebGPU on (its adapter here is SwiftShader, Chromium's CPU
 * Vulkan implementation). Developer features make the adapter report its full description
 * ('SwiftShader Device (Subzero)'), which otherwise reads only 'google swiftshader'.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--enable-webgpu-developer-features',
];

/** One case: `model` is a shipped model's name or a model file's bytes (absent: moby-gpt). */
export type ChromiumCase = BrowserCase;

export type ChromiumResult = BrowserResult;

export interface ChromiumOptions {
  /** Save a full-page PNG of the page here after the last case. */
  screenshot?: string;
  /** Called with the page after the last case (and before the screenshot), to look at it. */
  onPage?: (page: Page) => Promise<void>;
}

export async function runInChromium(cases: ChromiumCase[], opts: ChromiumOptions = {}): Promise<ChromiumResult[]> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium fonts-liberation (bash .ci/setup does)`);
  }
  return withChromiumPage(await ensureBuilt(), 'spml', async (page) => {
    const results = await runCases('Chromium', cases, (c) => page.evaluate((x) => window.spml.run(x), c));
    if (opts.onPage) await opts.onPage(page);
    if (opts.screenshot) {
      mkdirSync(dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot, fullPage: true });
    }
    return results;
  });
}

/**
 * Serves `dir` on 127.0.0.1, opens its page in headless Chromium (a fresh profile, only the page's
 * own origin reachable), waits until the page has set `window[ready]`, and runs `use` on it;
 * Chromium, the profile and the server are gone when it returns.
 */
export async function withChromiumPage<T>(dir: string, ready: string, use: (page: Page) => Promise<T>): Promise<T> {
  const server = await serve(dir);
  const profile = mkdtempSync(join(tmpdir(), 'spml-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 800 },
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      // Only the page's own origin may be reached.
      const origin = new URL(server.url).origin;
      await context.route('**/*', (route) => (new URL(route.request().url()).origin === origin ? route.continue() : route.abort()));
      await page.goto(server.url);
      await page.waitForFunction((name) => typeof (window as unknown as Record<string, { run?: unknown } | undefined>)[name]?.run === 'function', ready, { timeout: 30_000 }).catch(() => {
        throw new Error(`the page did not start: ${pageErrors.join('; ') || `window.${ready} never appeared`}`);
      });
      return await use(page);
    } finally {
      await context.close();
    }
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
