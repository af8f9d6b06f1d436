/**
 * One process per GPU backend for the benches. webgpu (EGL) and gpujs-headlessgl (GLX) cannot
 * share a Node process (kernels/shared/native_gl.ts), so a bench measures cpu in its own process and runs
 * every other backend in a child process of the same script, as `spml check-backends` does. The
 * child measures cpu as well, so each of its ratios compares two figures taken in one process.
 *
 * Protocol: the child is `<script> --child <backend>`; it writes its progress to stderr (inherited,
 * so it streams through the parent) and its result as one JSON line, last, on stdout.
 */
import { spawnSync } from 'node:child_process';
import { listBackends } from '../lib/index.js';
import { backendNames, REFERENCE_BACKEND } from '../kernels/backends.js';

/** Every backend Node offers, from the backend list; cpu (the reference) first. */
export const ALL_BACKENDS: readonly string[] = backendNames('node');

export type BenchArgs = { readonly child: string } | { readonly child?: undefined; readonly backends: readonly string[] };

/**
 * `--child <backend>` marks a child. Otherwise the arguments name a subset of backends
 * (`-- gpujs-webasm webgpu`); cpu is always first and always measured. Call it once the
 * backends' modules are imported: a misspelt name should fail now, not after the cpu run.
 */
export function parseBenchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const args = argv.filter((a) => a !== '--');
  const child = args[0] === '--child' ? args[1] : undefined;
  const others = (args.length > 0 ? args : ALL_BACKENDS).filter((b) => b !== REFERENCE_BACKEND);
  const backends = child !== undefined ? [child] : [REFERENCE_BACKEND, ...others];
  const registered = listBackends();
  const unknown = backends.filter((n) => !registered.includes(n));
  if (unknown.length > 0) throw new Error(`backend(s) ${unknown.join(', ')} not registered (have: ${registered.join(', ')})`);
  return child !== undefined ? { child } : { backends };
}

/**
 * Runs this script again with `args` under the same Node flags (tsx or not), plus `nodeFlags`,
 * and returns its JSON result, or an error line when the child failed or ran past `timeoutMs`
 * (its own stderr is already above).
 */
export function runScriptChild<T>(args: readonly string[], options: { nodeFlags?: readonly string[]; timeoutMs?: number } = {}): { value: T } | { error: string } {
  return runJsonProcess<T>(process.execPath, [...process.execArgv, ...(options.nodeFlags ?? []), process.argv[1] ?? '', ...args], options);
}

/**
 * Runs `command` (any program that follows the protocol above: a Node child, or another
 * JavaScript engine running a bench script) and returns its JSON result, or an error line when it
 * failed or ran past `timeoutMs`. Its stderr streams through this process's.
 */
export function runJsonProcess<T>(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): { value: T } | { error: string } {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
  });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.trim() !== '');
  // Anything a native library printed to stdout before the result belongs with the progress.
  for (const l of lines.slice(0, -1)) process.stderr.write(`${l}\n`);
  const last = lines.at(-1);
  if (r.status === 0 && last !== undefined) {
    try {
      return { value: JSON.parse(last) as T };
    } catch {
      return { error: `its last stdout line is not JSON: ${last.slice(0, 200)}` };
    }
  }
  if (options.timeoutMs !== undefined && r.signal === 'SIGKILL' && (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') {
    return { error: `stopped after the bench's limit of ${(options.timeoutMs / 1e3).toFixed(0)} s` };
  }
  return { error: r.error ? String(r.error) : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}` };
}

/** This script as `--child <backend>`. */
const runChild = <T>(backend: string) => runScriptChild<T>(['--child', backend]);

export interface ChildFailure {
  readonly backend: string;
  readonly error: string;
}

/**
 * Each backend in a child of its own, one after the other. A backend that cannot run is a
 * failure to report, not the end of the bench, so the others are still measured.
 */
export function runChildren<T>(backends: readonly string[]): { results: T[]; failed: ChildFailure[] } {
  const results: T[] = [];
  const failed: ChildFailure[] = [];
  for (const backend of backends) {
    const r = runChild<T>(backend);
    if ('value' in r) results.push(r.value);
    else {
      process.stderr.write(`${backend}: its child process failed (${r.error})\n`);
      failed.push({ backend, error: r.error });
    }
  }
  return { results, failed };
}

/** The child's answer. Waits for the write: the caller exits right after (webgpu keeps Node alive). */
export function replyToParent(result: unknown): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(`${JSON.stringify(result)}\n`, (err) => (err ? reject(err) : resolve())));
}
