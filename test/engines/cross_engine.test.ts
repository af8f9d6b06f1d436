/**
 * The same bytes on other JavaScript engines: Bun (JavaScriptCore, from the `bun` npm package) and
 * Deno (from the `deno` npm package) run the engine's cpu and wasm backends on the shipped GPT and
 * Llama and must give Node's model hash, output hash and trace root, case by case. A runtime that
 * cannot start here fails the test with its reason; it is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { root } from '../cli/run_cli.js';

const CASES = [
  ['moby-gpt', 'Call me Ishmael. ', '42', '0.8', '12'],
  ['stories260k', 'Once upon a time', '7', '0.8', '12'],
] as const;

const RUNTIMES = {
  node: [process.execPath, '--import', 'tsx'],
  bun: [`${root}/node_modules/.bin/bun`],
  // Deno resolves the sources' `.js` specifiers to their `.ts` files with --sloppy-imports.
  deno: [`${root}/node_modules/.bin/deno`, 'run', '--allow-read', '--allow-env', '--allow-sys', '--sloppy-imports', '--quiet'],
} as const;

function run(runtime: keyof typeof RUNTIMES, backend: string, c: readonly string[]) {
  const [command, ...args] = RUNTIMES[runtime];
  const out = execFileSync(command, [...args, 'test/engines/hash_run.ts', backend, ...c], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { engine: string; modelHash: string; outputHash: string; traceRoot: string; tokens: number };
}

describe.each(['cpu', 'wasm'])('%s backend on Bun and Deno', (backend) => {
  it.each(CASES)('%s: the same model hash, output hash and trace root as Node', (...c) => {
    const node = run('node', backend, c);
    expect(node.tokens).toBe(Number(c[4]));
    for (const runtime of ['bun', 'deno'] as const) {
      const other = run(runtime, backend, c);
      expect(other.engine).toMatch(runtime === 'bun' ? /^bun .*JavaScriptCore/ : /^deno /);
      expect({ modelHash: other.modelHash, outputHash: other.outputHash, traceRoot: other.traceRoot }, `${runtime} ${backend}`).toEqual({
        modelHash: node.modelHash,
        outputHash: node.outputHash,
        traceRoot: node.traceRoot,
      });
    }
  }, 240_000);
});
