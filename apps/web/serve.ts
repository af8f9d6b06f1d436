/**
 * A static file server for the browser build (node:http, no dependencies), bound to 127.0.0.1
 * only. `serve(dir, port?)` serves `dir` on `port` (0 or absent: a free one) with the right MIME
 * types and resolves with its URL and a close(). As a command, `npm run web [-- --port N]`
 * builds dist-web/ (apps/web/build.ts) and serves it until interrupted. Every response makes the
 * page cross-origin isolated (COOP_COEP), which is what gives a browser SharedArrayBuffer and
 * shared WebAssembly memory, so the wasm backend can run on threads (kernels/wasm/threads.ts);
 * everything the page loads comes from this origin, so require-corp blocks nothing it needs.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.spml': 'application/octet-stream',
};

/** The headers that make a page cross-origin isolated (`crossOriginIsolated` true). */
export const COOP_COEP: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

export interface Served {
  /** e.g. 'http://127.0.0.1:41234/' */
  readonly url: string;
  close(): Promise<void>;
}

/** The file under `root` that `urlPath` names, or undefined if it leaves `root` or is not a file. */
function fileFor(root: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split(/[?#]/)[0]!);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  let file = resolve(root, `.${normalize(`/${path}`)}`);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Serve `dir` on 127.0.0.1:`port` (a free port when 0 or absent). */
export function serve(dir: string, port = 0): Promise<Served> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', ...COOP_COEP }).end();
      return;
    }
    const file = fileFor(root, req.url ?? '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...COOP_COEP }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...COOP_COEP,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolveServed, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as AddressInfo;
      resolveServed({
        url: `http://127.0.0.1:${bound}/`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((e) => (e ? fail(e) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { buildWeb } = await import('./build.js');
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('serve: --port must be an integer in 0..65535');
    process.exit(2);
  }
  const { url } = await serve(await buildWeb(), port);
  console.log(`spml page: ${url} (Ctrl-C to stop)`);
}
