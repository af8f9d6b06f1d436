/**
 * The README's embedding example is code, not prose: this test runs it exactly as written, with
 * only the package name pointed at this checkout, so the README cannot drift from the API.
 */
import { expect, it } from 'vitest';
import { readmeExample, runExample } from '../helpers/readme.js';

it('the README embedding example runs and prints hashes', () => {
  const code = readmeExample('## Embedding it');
  expect(code, 'README has a ts block under "Embedding it"').toBeDefined();
  const r = runExample(code!, 'spml', 'lib/index.js');
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('Call me Ishmael. ');
  expect(r.stdout).toMatch(/[0-9a-f]{64}/);
});
