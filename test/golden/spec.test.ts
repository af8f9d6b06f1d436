/**
 * engine/NUMERICS.md against the code: §0.2's kernel table lists exactly the op table's
 * KERNEL_NAMES in order, and every repository path the document cites exists, so the
 * specification a third party implements cannot silently fall behind a rename.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES } from '../../lib/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPEC = readFileSync(`${ROOT}engine/NUMERICS.md`, 'utf8');

/** The body of the section whose heading starts with `heading`, up to the next heading of any level. */
function section(heading: string): string {
  const start = SPEC.indexOf(`\n${heading}`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const rest = SPEC.slice(start + 1);
  const next = rest.slice(1).search(/\n#{2,3} /);
  return next < 0 ? rest : rest.slice(0, next + 1);
}

describe('engine/NUMERICS.md', () => {
  it('§0.2 lists exactly KERNEL_NAMES, in order', () => {
    const rows = section('### §0.2').split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.map((r) => /^\| `(\w+)`/.exec(r)![1])).toEqual([...KERNEL_NAMES]);
  });

  it('cites only paths that exist', () => {
    const cited = new Set(SPEC.match(/\b(?:engine|kernels|test|tools|apps|lib|docs|bench|models|protocol)\/[\w./-]*\w/g) ?? []);
    const missing = [...cited].filter((p) => !existsSync(ROOT + p));
    expect(cited.size).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
