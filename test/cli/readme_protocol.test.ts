/**
 * The README's protocol example is code, not prose: this test runs it exactly as written, with only
 * the package name pointed at this checkout, so the README cannot drift from the protocol API.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

it('the README protocol example runs, and its cheater is caught', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Protocol'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, 'README has a ts block under "Protocol"').toBeDefined();
  const dir = mkdtempSync(join(root, '.readme-protocol-'));
  try {
    const file = join(dir, 'example.ts');
    writeFileSync(file, code!.replace("from 'spml/protocol'", `from '${join(root, 'protocol/index.js')}'`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    // Twenty rounds at p = 0.5 with one cheat among five nodes (seeded): some round is arbitrated and
    // names node-4 dishonest, its first leaf being where the traces part.
    expect(r.stdout).toMatch(/arbitrated \[ 'node-4' \] layer0/);
    expect(r.stdout).toMatch(/slashed: [1-9]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
