/**
 * How the determinism bench (bench/determinism/) and the cross-engine tests (test/engines/) start
 * a JavaScript engine on a script of the sources: Node through tsx, Bun and Deno from their npm packages (nothing downloaded at run
 * time). Deno resolves the sources' `.js` specifiers to their `.ts` files with --sloppy-imports;
 * its own WebGPU (wgpu) is behind --unstable-webgpu and, like Dawn, wants a private
 * XDG_RUNTIME_DIR. An engine that is not installed is reported with what to do, never skipped.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type ScriptEngine = 'node' | 'bun' | 'deno';

export interface EngineCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

/** A private runtime directory for Mesa's drivers (EGL, Vulkan), as kernels/webgpu/device.ts makes for Dawn. */
function runtimeDir(): string {
  const dir = path.join(tmpdir(), `spml-xdg-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The command line that runs `script` (relative to the repository root) with `args` on `engine`. */
export function engineCommand(engine: ScriptEngine, script: string, args: readonly string[], options: { webgpu?: boolean } = {}): EngineCommand | { unavailable: string } {
  const env = { ...process.env };
  const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);
  if (engine === 'node') return { command: process.execPath, args: ['--import', 'tsx', script, ...args], env };
  if (!existsSync(bin(engine))) return { unavailable: `node_modules/.bin/${engine} is missing: the ${engine} npm package (a dev dependency) is not installed; run npm ci` };
  if (engine === 'bun') return { command: bin('bun'), args: [script, ...args], env };
  env.XDG_RUNTIME_DIR ??= runtimeDir();
  const flags = ['--allow-read', '--allow-env', '--allow-sys', '--sloppy-imports', '--quiet', ...(options.webgpu ? ['--unstable-webgpu'] : [])];
  return { command: bin('deno'), args: ['run', ...flags, script, ...args], env };
}
