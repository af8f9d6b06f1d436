/**
 * The same bytes on other JavaScript engines: Bun (JavaScriptCore, from the `bun` npm package) and
 * Deno (from the `deno` npm package) run the engine's cpu and wasm backends on the shipped GPT and
 * Llama and must give Node's model hash, output hash and trace root, case by case. Deno also runs
 * the webgpu backend on its own WebGPU (wgpu; lavapipe on a machine without a GPU), which must
 * give Node cpu's hashes too, on the same cases and on every conformance case; its description must
 * name wgpu and a real adapter, so that a silent switch to Dawn or to another adapter fails. A
 * runtime that cannot start here fails the test with its reason; it is never skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../cli/run_cli.js';
import { engineCommand, type ScriptEngine } from '../../tools/engines/command.js';

const CASES = [
  ['moby-gpt', 'Call me Ishmael. ', '42', '0.8', '12'],
  ['stories260k', 'Once upon a time', '7', '0.8', '12'],
] as const;

/** The engines and how each starts (tools/engines/command.ts); Deno's WebGPU needs its flag. */
const RUNTIMES = {
  node: { engine: 'node', webgpu: false },
  bun: { engine: 'bun', webgpu: false },
  deno: { engine: 'deno', webgpu: false },
  'deno-webgpu': { engine: 'deno', webgpu: true },
} as const satisfies Record<string, { engine: ScriptEngine; webgpu: boolean }>;

/**
 * The adapter Deno's wgpu must report: Mesa's lavapipe (llvmpipe) on a machine without a GPU.
 * A machine with one sets SPML_EXPECT_DENO_ADAPTER to a pattern of its own (e.g. 'NVIDIA').
 */
const DENO_ADAPTER = new RegExp(process.env.SPML_EXPECT_DENO_ADAPTER || 'llvmpipe');

interface Run {
  engine: string;
  description: string;
  modelHash: string;
  outputHash: string;
  traceRoot: string;
  tokens: number;
}

/** Mesa's drivers want a private runtime directory (0700); each test run gets its own. */
let xdg: string;
beforeAll(() => {
  xdg = mkdtempSync(join(tmpdir(), 'spml-engines-xdg-'));
});
afterAll(() => rmSync(xdg, { recursive: true, force: true }));

/** Runs `script` (with `args`) on `runtime` and parses the JSON line it prints last. */
function runScript<T>(runtime: keyof typeof RUNTIMES, script: string, args: readonly string[], timeout = 120_000): T {
  const { engine, webgpu } = RUNTIMES[runtime];
  const command = engineCommand(engine, script, args, { webgpu });
  if ('unavailable' in command) throw new Error(`${runtime} cannot start here: ${command.unavailable}`);
  const out = execFileSync(command.command, command.args, { cwd: root, encoding: 'utf8', timeout, env: { ...command.env, XDG_RUNTIME_DIR: xdg } });
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

const run = (runtime: keyof typeof RUNTIMES, backend: string, c: readonly string[]) => runScript<Run>(runtime, 'test/engines/hash_run.ts', [backend, ...c]);

/** Node cpu's result per case, computed once for every comparison that needs it. */
const nodeCpu = new Map<string, Run>();
function reference(c: readonly string[]): Run {
  const key = c.join('\0');
  if (!nodeCpu.has(key)) nodeCpu.set(key, run('node', 'cpu', c));
  return nodeCpu.get(key)!;
}

const hashes = (r: Run) => ({ modelHash: r.modelHash, outputHash: r.outputHash, traceRoot: r.traceRoot });

describe.each(['cpu', 'wasm'])('%s backend on Bun and Deno', (backend) => {
  it.each(CASES)('%s: the same model hash, output hash and trace root as Node', (...c) => {
    const node = backend === 'cpu' ? reference(c) : run('node', backend, c);
    expect(node.tokens).toBe(Number(c[4]));
    for (const runtime of ['bun', 'deno'] as const) {
      const other = run(runtime, backend, c);
      expect(other.engine).toMatch(runtime === 'bun' ? /^bun .*JavaScriptCore/ : /^deno /);
      expect(hashes(other), `${runtime} ${backend}`).toEqual(hashes(node));
    }
  }, 240_000);
});

/** wgpu, not Dawn from the webgpu package, on the adapter this machine has. */
function expectWgpu(description: string): void {
  expect(description, `Deno's webgpu ran on '${description}'`).toMatch(/^wgpu \(Deno \d[^)]*\): /);
  expect(description.replace(/^[^:]*: /, ''), `Deno's webgpu adapter, wanted ${DENO_ADAPTER}`).toMatch(DENO_ADAPTER);
}

describe("webgpu backend on Deno's own WebGPU (wgpu)", () => {
  it.each(CASES)('%s: the same model hash, output hash and trace root as Node cpu', (...c) => {
    const node = reference(c);
    expect(node.tokens).toBe(Number(c[4]));
    const deno = run('deno-webgpu', 'webgpu', c);
    expect(deno.engine).toMatch(/^deno /);
    expectWgpu(deno.description);
    expect(hashes(deno), 'deno webgpu').toEqual(hashes(node));
  }, 240_000);

  it("every conformance case gives Node cpu's output hash", () => {
    const conformance = (runtime: keyof typeof RUNTIMES, backend: string) =>
      runScript<{ description: string; hashes: Record<string, string> }>(runtime, 'test/engines/conformance_run.ts', [backend], 180_000);
    const node = conformance('node', 'cpu');
    expect(Object.values(node.hashes).filter((h) => h.startsWith('error: '))).toEqual([]);
    const deno = conformance('deno-webgpu', 'webgpu');
    expectWgpu(deno.description);
    expect(deno.hashes).toEqual(node.hashes);
  }, 400_000);
});
