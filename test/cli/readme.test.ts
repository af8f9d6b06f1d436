/**
 * The README's embedding example is code, not prose: this test runs it exactly as written, with
 * only the package name pointed at this checkout, so the README cannot drift from the API.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('the README embedding example runs and prints hashes', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Embedding it'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, 'README has a ts block under "Embedding it"').toBeDefined();
  const dir = mkdtempSync(join(root, '.readme-example-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code!.replace("from 'spml'", `from '${join(root, 'engine/index.js')}'`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Call me Ishmael. ');
    expect(r.stdout).toMatch(/[0-9a-f]{64}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
