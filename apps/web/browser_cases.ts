/**
 * What every browser driver (apps/web/chromium.ts, apps/web/firefox.ts) hands the page and gets
 * back: a case generates text or classifies images, on a shipped model (by name; moby-gpt when
 * absent) or on a model file's bytes, which go to the page as base64 with the images. `runCases`
 * runs cases in order through the page's `window.spml.run` (apps/web/page.ts), so that each
 * driver only says how to reach its browser's page; a case that fails rejects the whole run with
 * the page's error, naming the backend and the browser.
 */
import type { ClassifyFields, GenerateFields, WebCase, WebResult } from './page.js';

/** One case: `model` is a shipped model's name or a model file's bytes (absent: moby-gpt). */
export type BrowserCase = { backend: string; model?: string | Uint8Array } & (GenerateFields | ClassifyFields<Uint8Array>);

export type BrowserResult = WebResult;

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The case as the page takes it: bytes as base64, the seed as a decimal string (bigint does not cross). */
export function toWebCase(c: BrowserCase): WebCase {
  const model = c.model === undefined ? undefined : typeof c.model === 'string' ? { name: c.model } : { base64: base64(c.model) };
  if (c.kind === 'classify') return { backend: c.backend, model, kind: 'classify', images: base64(c.images), count: c.count };
  const { backend, prompt, seed, maxTokens, temperature, topK, topP } = c;
  return { backend, model, prompt, seed: String(seed), maxTokens, temperature, topK, topP };
}

/**
 * Runs `cases` in order with `run`, which calls `window.spml.run` in `browser`'s page, and
 * resolves with one result per case.
 */
export async function runCases(browser: string, cases: readonly BrowserCase[], run: (c: WebCase) => Promise<WebResult>): Promise<BrowserResult[]> {
  const results: BrowserResult[] = [];
  for (const c of cases) {
    try {
      results.push(await run(toWebCase(c)));
    } catch (e) {
      throw new Error(`backend '${c.backend}' failed in ${browser}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return results;
}
