/**
 * Runs the first ```ts block under a README heading as a user would, with only the package import
 * pointed at this checkout, so that the README's examples cannot drift from the API.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ExampleRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The code under `heading`, or undefined when the section has no ts block. */
export function readmeExample(heading: string): string | undefined {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  if (at < 0) return undefined;
  return /```ts\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
}

/** Runs `code` with tsx after replacing `from '<pkg>'` by the checkout's `<file>`. */
export function runExample(code: string, pkg: string, file: string): ExampleRun {
  const dir = mkdtempSync(join(root, '.readme-example-'));
  try {
    const path = join(dir, 'example.ts');
    writeFileSync(path, code.replace(`from '${pkg}'`, `from '${join(root, file)}'`));
    const r = spawnSync(process.execPath, ['--import', 'tsx', path], { cwd: root, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
