/**
 * Every module of the library loads on its own, whatever is imported first: an import cycle
 * that reads a binding before it is initialized ("Cannot access … before initialization") fails
 * only for some import orders, and vitest's loader can hide it. Each module is imported first
 * in a fresh Node process, as a user's program would.
 */
import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

const modules = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'engine/*.ts', 'lib/*.ts', 'kernels/backends.ts'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'));

async function loadAlone(path: string): Promise<string | undefined> {
  try {
    await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `await import(${JSON.stringify(`./${path}`)});`], { cwd: root });
    return undefined;
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? String(e);
    return `${path}: ${stderr.split('\n').find((l) => /Error/.test(l)) ?? stderr.slice(0, 200)}`;
  }
}

it(`each of the library's modules loads first in a fresh process`, async () => {
  expect(modules.length).toBeGreaterThan(50);
  const failures: string[] = [];
  // A few processes at a time: each start costs about half a second of one core.
  for (let i = 0; i < modules.length; i += 4) {
    const batch = await Promise.all(modules.slice(i, i + 4).map(loadAlone));
    failures.push(...batch.filter((f): f is string => f !== undefined));
  }
  expect(failures).toEqual([]);
}, 300_000);
