/**
 * The `spml` command line as a user runs it: help on every command, typed one-line errors with
 * exit status 2 for bad input, and the same hashes from the same command twice.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modelHash } from '../../engine/format/format.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function spml(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('spml CLI', () => {
  it.each([[''], ['run'], ['demo'], ['inspect'], ['import'], ['classify'], ['check-backends']])('`spml %s --help` documents its options', (name) => {
    const cmd = name ? [name] : [];
    const r = spml(...cmd, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: spml');
    if (cmd[0] === 'run') for (const flag of ['--prompt', '--max-tokens', '--seed', '--temperature', '--top-k', '--top-p', '--backend', '--json']) expect(r.stdout).toContain(flag);
  });

  it('bad input is one line on stderr and exit status 2', () => {
    const vocab = spml('run', '--prompt', 'ahoy ☃', '--max-tokens', '1');
    expect(vocab.status).toBe(2);
    expect(vocab.stderr.trim()).toMatch(/^spml: encode: character "☃" \(U\+2603\) at position 5 /);
    const model = spml('run', '--model', 'no/such/file.spml', '--prompt', 'a');
    expect(model.status).toBe(2);
    expect(model.stderr).toContain("cannot read model 'no/such/file.spml'");
    const topP = spml('run', '--prompt', 'a', '--top-p', '1.5');
    expect(topP.status).toBe(2);
    expect(topP.stderr).toContain('top-p must be a number in (0, 1]');
    const topK = spml('run', '--prompt', 'a', '--top-k', '0');
    expect(topK.status).toBe(2);
    expect(topK.stderr).toContain('top-k must be an integer >= 1');
    const long = spml('run', '--prompt', 'a'.repeat(100), '--max-tokens', '50');
    expect(long.status).toBe(2);
    expect(long.stderr).toContain('exceed the context of 128 tokens');
  });

  it('the demo prints the same hashes when run twice', () => {
    const a = spml('demo', '--max-tokens', '24', '--json');
    const b = spml('demo', '--max-tokens', '24', '--json');
    expect(a.status).toBe(0);
    const ja = JSON.parse(a.stdout) as { outputHash: string; traceRoot: string; modelHash: string; text: string };
    const jb = JSON.parse(b.stdout) as typeof ja;
    expect(jb.outputHash).toBe(ja.outputHash);
    expect(jb.traceRoot).toBe(ja.traceRoot);
    expect(jb.modelHash).toBe(ja.modelHash);
    expect(ja.text.startsWith('Once upon a time')).toBe(true);
    expect(ja.modelHash).toBe(modelHash(new Uint8Array(readFileSync(new URL('../../models/stories260k.spml', import.meta.url)))));
  });

  it('inspect and classify run on the shipped models', () => {
    const inspect = spml('inspect', 'mnist-mlp', '--json');
    expect(inspect.status).toBe(0);
    expect((JSON.parse(inspect.stdout) as { parameters: number }).parameters).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
    const cls = spml('classify', '--images', '0,1,2', '--json');
    expect(cls.status).toBe(0);
    expect((JSON.parse(cls.stdout) as { predicted: number[] }).predicted).toEqual([7, 2, 1]);
  });

  it('check-backends runs every backend, each in its own process, and all agree with cpu', () => {
    const r = spml('check-backends');
    expect(r.stderr).not.toContain('X Error');
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\| (cpu|webgpu|gpujs-)/.test(l));
    expect(rows.map((l) => l.split(' | ')[0]?.slice(2))).toEqual(['cpu', 'webgpu', 'gpujs-headlessgl', 'gpujs-webasm']);
    expect(rows.every((l) => l.endsWith('| yes |'))).toBe(true);
  });

  it('check-backends reports a backend that cannot start and exits 1', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', 'check-backends'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DISPLAY: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\| gpujs-headlessgl \| cannot start: gpujs-headlessgl: no X display/);
  });
});
