/**
 * The whole conformance suite (test/conformance/cases.ts: random, adversarial and pipeline
 * cases) on the wasm backend inside headless Chromium, byte for byte against cpu: every case's
 * output hash in the page must equal its cpu reference hash in test/golden/golden.json, and the
 * page's own cpu backend runs every case too, as a control that the bundle and the page compute
 * what Node does. The page is served cross-origin isolated (apps/web/serve.ts sends COOP/COEP),
 * so wasm must run on threads: its description must name its thread count, never "shared memory
 * unavailable".
 *
 * The page is test/browser/conformance_entry.ts, bundled with esbuild (Node-only modules external,
 * as apps/web/build.ts does) into a temporary folder with an index.html, served there and opened
 * with apps/web/chromium.ts's Chromium and flags. Nothing is written into the tree.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NODE_ONLY } from '../../apps/web/build.js';
import { withChromiumPage } from '../../apps/web/chromium.js';
import { CASES } from '../conformance/cases.js';
import type { ConformanceRun } from './conformance_entry.js';

const ENTRY = fileURLToPath(new URL('./conformance_entry.ts', import.meta.url));
const GOLDEN_FILE = fileURLToPath(new URL('../golden/golden.json', import.meta.url));
const GOLDEN: ReadonlyMap<string, string> = new Map(
  (JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as { vectors: { name: string; outputHash: string }[] }).vectors.map((v) => [v.name, v.outputHash]),
);
const ADVERSARIAL = CASES.filter((c) => c.kind === 'adversarial').length;

/**
 * What differs between a run's [name, hash] pairs and the expected hashes: a case whose hash
 * differs (or that threw), a case the run gave twice or that has no expected hash, and an
 * expected case the run did not give. Empty when every case agrees.
 */
function differences(got: readonly (readonly [string, string])[], expected: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [name, hash] of got) {
    if (seen.has(name)) out.push(`${name}: given twice`);
    seen.add(name);
    const want = expected.get(name);
    if (want === undefined) out.push(`${name}: no cpu reference hash`);
    else if (hash !== want) out.push(`${name}: ${hash.slice(0, 80)}, cpu gives ${want}`);
  }
  for (const name of expected.keys()) if (!seen.has(name)) out.push(`${name}: not run`);
  return out;
}

let dir: string;
let wasm: ConformanceRun;
let cpu: ConformanceRun;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spml-conformance-web-'));
  await build({
    entryPoints: { conformance: ENTRY },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: NODE_ONLY,
    logLevel: 'warning',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html>\n<meta charset="utf-8">\n<title>spml conformance</title>\n<script type="module" src="./conformance.js"></script>\n',
  );
  await withChromiumPage(dir, 'spmlConformance', async (page) => {
    wasm = await page.evaluate(() => window.spmlConformance.run('wasm'));
    cpu = await page.evaluate(() => window.spmlConformance.run('cpu'));
  });
  console.log(
    `conformance in Chromium: ${wasm.hashes.length} cases (${ADVERSARIAL} adversarial), wasm (${wasm.description}) ${wasm.ms} ms, cpu ${cpu.ms} ms; ` +
      `${differences(wasm.hashes, GOLDEN).length} wasm and ${differences(cpu.hashes, GOLDEN).length} cpu differences from golden.json`,
  );
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it(`runs every case of the suite, ${CASES.length} (${ADVERSARIAL} adversarial), each with a cpu reference hash`, () => {
  expect(GOLDEN.size).toBe(CASES.length);
  expect(wasm.hashes.map(([n]) => n)).toEqual(CASES.map((c) => c.name));
  expect(cpu.hashes.map(([n]) => n)).toEqual(CASES.map((c) => c.name));
});

it(`wasm in Chromium = cpu on all ${CASES.length} cases, byte for byte (golden.json)`, () => {
  expect(differences(wasm.hashes, GOLDEN), 'cases where wasm in Chromium differs from cpu').toEqual([]);
});

it(`cpu in Chromium = cpu in Node on all ${CASES.length} cases (the control)`, () => {
  expect(differences(cpu.hashes, GOLDEN), 'cases where cpu in Chromium differs from golden.json').toEqual([]);
});

it('runs wasm on threads: the page is cross-origin isolated and the description names the thread count', () => {
  expect(wasm.crossOriginIsolated).toBe(true);
  expect(wasm.description).not.toMatch(/unavailable/);
  const m = /^WebAssembly 128-bit SIMD \(AssemblyScript\), (\d+) threads?$/.exec(wasm.description);
  expect(m, `wasm ran on '${wasm.description}'`).not.toBeNull();
  // The default count: the cores the page reports, at most 4 (kernels/wasm/threads.ts).
  expect(Number(m![1])).toBe(Math.min(4, Math.max(1, wasm.hardwareConcurrency)));
  expect(cpu.description).toMatch(/TypeScript reference/);
});

it('the comparison fails on a single differing hash, a missing case and an extra one', () => {
  const agreed = new Map(wasm.hashes);
  const first = CASES[0]!.name;
  const corrupted = new Map(agreed);
  corrupted.set(first, '0'.repeat(64));
  expect(differences(wasm.hashes, agreed)).toEqual([]);
  expect(differences(wasm.hashes, corrupted)).toEqual([`${first}: ${agreed.get(first)}, cpu gives ${'0'.repeat(64)}`]);
  expect(differences(wasm.hashes.slice(1), agreed)).toEqual([`${first}: not run`]);
  expect(differences([...wasm.hashes, ['nope/none', 'x']], agreed)).toEqual(['nope/none: no cpu reference hash']);
  expect(differences([...wasm.hashes, wasm.hashes[0]!], agreed)).toEqual([`${first}: given twice`]);
});
