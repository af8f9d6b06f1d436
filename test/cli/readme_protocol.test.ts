/**
 * The README's protocol example is code, not prose: this test runs it exactly as written, with only
 * the package name pointed at this checkout, so the README cannot drift from the protocol API.
 */
import { expect, it } from 'vitest';
import { readmeExample, runExample } from '../helpers/readme.js';

it('the README protocol example runs, and its cheater is caught', () => {
  const code = readmeExample('## Protocol');
  expect(code, 'README has a ts block under "Protocol"').toBeDefined();
  const r = runExample(code!, 'spml/protocol', 'lib/protocol.js');
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  // Twenty rounds at p = 0.5 with one cheat among five nodes (seeded): some round is arbitrated and
  // names node-4 dishonest, its first leaf being where the traces part.
  expect(r.stdout).toMatch(/arbitrated \[ 'node-4' \] layer0/);
  expect(r.stdout).toMatch(/slashed: [1-9]/);
});
