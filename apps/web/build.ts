/**
 * Builds the browser bundle of spml into dist-web/ with esbuild, from the same sources as Node:
 *   spml.js      apps/web/browser.ts: the engine API and every backend a browser runs
 *   page.js      apps/web/page.ts: the demo page's script, which imports ./spml.js
 *   index.html   apps/web/index.html
 *   models/      the shipped models/*.spml, which the page fetches from its own origin
 * Node-only modules stay out of the bundle: the engine reaches them only through dynamic imports
 * that never run in a browser (node:*, the `webgpu` package, headless-gl's `gl`), so they are
 * marked external; gpu.js resolves to its browser build through its package.json `browser` field.
 * `npm run build:web` runs it; `npm pack` runs it with --no-sourcemap for the package, which
 * ships dist-web/spml.js.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_DIST = join(ROOT, 'dist-web');
const WEB_SRC = join(ROOT, 'apps', 'web');
const MODELS = join(ROOT, 'models');
/** Written last: its time is the build's, for `isStale`. */
const STAMP = '.built';

/** Modules a browser never loads: the engine imports them dynamically, only in Node. */
export const NODE_ONLY = ['node:*', 'webgpu', 'gl'];

function shippedModels(): string[] {
  return readdirSync(MODELS).filter((f) => f.endsWith('.spml'));
}

/** Newest modification time of the files the bundle is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|html)$/.test(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['lib', 'engine', 'kernels', 'apps/web']) walk(join(ROOT, d));
  for (const f of shippedModels()) newest = Math.max(newest, statSync(join(MODELS, f)).mtimeMs);
  return newest;
}

/** True when dist-web/ is missing or older than any source file or shipped model. */
export function isStale(outDir = WEB_DIST): boolean {
  try {
    return statSync(join(outDir, STAMP)).mtimeMs < newestSource();
  } catch {
    return true;
  }
}

/**
 * esbuild: dist-web/spml.js (the library) and dist-web/page.js (the page, importing ./spml.js),
 * with source maps (sources included) unless `sourcemap` is false, as for the npm package, which
 * ships dist-web/spml.js and no maps (`npm pack` runs `build.ts --no-sourcemap`).
 */
async function bundle(outdir: string, sourcemap: boolean): Promise<void> {
  await build({
    entryPoints: { spml: join(WEB_SRC, 'browser.ts'), page: join(WEB_SRC, 'page.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap,
    external: NODE_ONLY,
    logLevel: 'warning',
    plugins: [
      {
        // The page imports the library as ./spml.js at run time rather than carrying a copy.
        name: 'page-imports-library',
        setup(b) {
          b.onResolve({ filter: /^\.\/browser\.js$/ }, (args) =>
            args.importer === join(WEB_SRC, 'page.ts') ? { path: './spml.js', external: true } : undefined,
          );
        },
      },
    ],
  });
}

/**
 * Bundle the page and the library and copy the page and models into `outDir`, replacing it. The
 * build goes to a folder of its own first, so a page being served meanwhile never sees half of it.
 */
export async function buildWeb(outDir = WEB_DIST, options: { sourcemap?: boolean } = {}): Promise<string> {
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'models'), { recursive: true });
  try {
    await bundle(tmp, options.sourcemap ?? true);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  copyFileSync(join(WEB_SRC, 'index.html'), join(tmp, 'index.html'));
  for (const f of shippedModels()) copyFileSync(join(MODELS, f), join(tmp, 'models', f));
  writeFileSync(join(tmp, STAMP), `${new Date().toISOString()}\n`);
  rmSync(outDir, { recursive: true, force: true });
  renameSync(tmp, outDir);
  return outDir;
}

/** Build only when `isStale` says so; returns the folder either way. */
export async function ensureBuilt(outDir = WEB_DIST): Promise<string> {
  return isStale(outDir) ? buildWeb(outDir) : outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildWeb(WEB_DIST, { sourcemap: !process.argv.includes('--no-sourcemap') });
  const files = readdirSync(out, { recursive: true }).map(String).filter((f) => statSync(join(out, f)).isFile());
  console.log(`built ${files.length} files into ${out}: ${files.sort().join(', ')}`);
}
