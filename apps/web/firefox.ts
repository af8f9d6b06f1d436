/**
 * Runs spml in Firefox (SpiderMonkey), as apps/web/chromium.ts does in Chromium:
 * `runInFirefox(cases, opts)` builds dist-web/ if it is stale (apps/web/build.ts), serves it on
 * 127.0.0.1 (apps/web/serve.ts), starts Firefox ESR from /usr/bin/firefox-esr through
 * puppeteer-core over WebDriver BiDi with a fresh profile in a temporary folder, and runs each
 * case (apps/web/browser_cases.ts) through the page's `window.spml.run` (apps/web/page.ts).
 *
 * Why headful: Firefox gives no WebGL2 context headless, and WebGPU only with a window (and on a
 * secure origin: 127.0.0.1 is one, about:blank is not). So Firefox runs on the X display in
 * DISPLAY (`bash test/with-display.sh` starts Xvfb when there is none), and without one this
 * throws rather than run a headless Firefox that lacks those backends. WebGPU is behind prefs on
 * Linux; its adapter here is wgpu on Mesa's Vulkan software driver (mesa-vulkan-drivers). Firefox
 * hides the adapter's name from pages, so a webgpu result's description gets the name wgpu logged.
 * Nothing is downloaded: Firefox comes from apt, puppeteer-core fetches no browser.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import puppeteer, { type Page } from 'puppeteer-core';
import { ensureBuilt } from './build.js';
import { runCases, type BrowserCase, type BrowserResult } from './browser_cases.js';
import { serve } from './serve.js';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/**
 * Prefs for the fresh profile, over puppeteer's own (which keep Firefox off the network): WebGPU
 * on (off by default on Linux), and allowed on an adapter its blocklist refuses (without this
 * pref Mesa's software Vulkan gives no adapter at all).
 */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
  'dom.webgpu.enabled': true,
  'gfx.webgpu.ignore-blocklist': true,
};

/**
 * Firefox blanks GPUAdapterInfo's vendor, architecture, device and description for pages, so the
 * page cannot name its adapter ('WebGPU adapter'). wgpu, in Firefox's own process, logs every
 * adapter it returns to a requestAdapter at this level, to stderr:
 *   [INFO  wgpu_core::instance] Request adapter result AdapterInfo { name: "llvmpipe (…)", …, backend: Vulkan, … }
 */
const WGPU_LOG = 'wgpu_core::instance=info';
const WGPU_ADAPTER = /Request adapter result AdapterInfo \{ name: "([^"]*)".*?device_type: (\w+).*?driver_info: "([^"]*)", backend: (\w+)/;

/** One adapter wgpu returned, as a line of its log reads it: 'llvmpipe (…) (Vulkan, Cpu, Mesa …)'. */
export function wgpuAdapter(line: string): string | undefined {
  const m = WGPU_ADAPTER.exec(line);
  return m ? `${m[1]} (${m[4]}, ${m[2]}, ${m[3]})` : undefined;
}

/** What the running Firefox told us besides the page. */
export interface FirefoxSession {
  /** The adapters wgpu returned to this Firefox's requestAdapter calls so far, each once, in order. */
  webgpuAdapters(): string[];
}

export interface FirefoxOptions {
  /** Save a full-page PNG of the page here after the last case. */
  screenshot?: string;
  /** Called with the page after the last case (and before the screenshot), to look at it. */
  onPage?: (page: Page) => Promise<void>;
}

/**
 * Runs `cases` in order in one Firefox, one result per case; a failing case rejects the call. A
 * webgpu result's description also names the adapters Firefox's wgpu returned (see WGPU_LOG).
 */
export async function runInFirefox(cases: BrowserCase[], opts: FirefoxOptions = {}): Promise<BrowserResult[]> {
  return withFirefoxPage(await ensureBuilt(), 'spml', async (page, session) => {
    const results = await runCases('Firefox', cases, (c) => page.evaluate((x) => window.spml.run(x), c));
    if (opts.onPage) await opts.onPage(page);
    if (opts.screenshot) {
      mkdirSync(dirname(opts.screenshot), { recursive: true });
      await page.screenshot({ path: opts.screenshot, fullPage: true });
    }
    const adapters = session.webgpuAdapters();
    const named = adapters.length > 0 ? `; Firefox's wgpu adapter: ${adapters.join(' | ')}` : '';
    return results.map((r) => (r.backend === 'webgpu' ? { ...r, description: `${r.description}${named}` } : r));
  });
}

/** Why Firefox cannot start headful here, or undefined. */
function missing(): string | undefined {
  if (!existsSync(FIREFOX_PATH)) return `no Firefox at ${FIREFOX_PATH}: apt-get install firefox-esr mesa-vulkan-drivers xvfb`;
  if (!process.env.DISPLAY) {
    return 'DISPLAY is not set: Firefox needs an X display for WebGL2 and WebGPU (headless it has neither); run under `bash test/with-display.sh` (xvfb-run)';
  }
  return undefined;
}

/**
 * Serves `dir` on 127.0.0.1, opens its page in Firefox (a fresh profile, only the page's own
 * origin reachable), waits until the page has set `window[ready]`, and runs `use` on it; Firefox,
 * the profile and the server are gone when it returns.
 */
export async function withFirefoxPage<T>(dir: string, ready: string, use: (page: Page, session: FirefoxSession) => Promise<T>): Promise<T> {
  const why = missing();
  if (why) throw new Error(why);
  const server = await serve(dir);
  const profile = mkdtempSync(join(tmpdir(), 'spml-firefox-'));
  // wgpu and Mesa want a private runtime folder, as Deno's WebGPU does.
  const runtimeDir = process.env.XDG_RUNTIME_DIR ?? join(profile, 'xdg');
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      protocol: 'webDriverBiDi',
      executablePath: FIREFOX_PATH,
      headless: false,
      userDataDir: profile,
      extraPrefsFirefox: { ...FIREFOX_PREFS },
      env: {
        ...process.env,
        XDG_RUNTIME_DIR: runtimeDir,
        MOZ_HEADLESS: undefined,
        RUST_LOG: [process.env.RUST_LOG, WGPU_LOG].filter((s) => s).join(','),
      },
      defaultViewport: { width: 1100, height: 800 },
      timeout: 60_000,
    });
    try {
      const adapters: string[] = [];
      const stderr = browser.process()?.stderr;
      if (stderr) {
        createInterface({ input: stderr }).on('line', (line) => {
          const adapter = wgpuAdapter(line);
          if (adapter && !adapters.includes(adapter)) adapters.push(adapter);
        });
      }
      const page = (await browser.pages())[0] ?? (await browser.newPage());
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      // Only the page's own origin may be reached.
      const origin = new URL(server.url).origin;
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        if (request.isInterceptResolutionHandled()) return;
        void (new URL(request.url()).origin === origin ? request.continue() : request.abort());
      });
      await page.goto(server.url);
      await page
        .waitForFunction((name: string) => typeof (window as unknown as Record<string, { run?: unknown } | undefined>)[name]?.run === 'function', { timeout: 30_000 }, ready)
        .catch(() => {
          throw new Error(`the page did not start in Firefox: ${pageErrors.join('; ') || `window.${ready} never appeared`}`);
        });
      return await use(page, { webgpuAdapters: () => [...adapters] });
    } finally {
      await browser.close();
    }
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
