/**
 * Dawn's two adapter-limit notices ("maxDynamicUniformBuffersPerPipelineLayout artificially
 * reduced from 90 to 16 …") do not reach a user's terminal or pipe (kernels/webgpu/device.ts,
 * withoutDawnLimitNotices). A control run of the bare `webgpu` package shows that this machine's
 * Dawn does print them, so the check on spml's own run can fail; a scripted Dawn shows that
 * the filter drops only those two lines, puts stderr back, and leaves a regular file alone.
 *
 * stderr is a real pipe here (`2>&1 >/dev/null | cat` under bash) or a terminal (`script`), as
 * for a user: a Node parent's 'pipe' is a socket, which the workaround cannot reopen.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'spml-dawn-notices-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const NOTICE = /maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced/;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const tsx = (...args: string[]) => [process.execPath, '--import', 'tsx', ...args].map(q).join(' ');

/** What `command` writes to stderr when stderr is a pipe (stdout is dropped), and its exit status. */
function stderrThroughPipe(command: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -o pipefail; ${command} 2>&1 >/dev/null | cat`], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stderr: r.stdout };
}

describe("Dawn's adapter-limit notices", () => {
  it('are printed by the bare webgpu package on this machine (the control)', () => {
    const probe = join(scratch, 'bare.mjs');
    writeFileSync(
      probe,
      [
        `import { create } from ${JSON.stringify(join(root, 'node_modules/webgpu/index.js'))};`,
        "process.env.EGL_PLATFORM ??= 'surfaceless';",
        "const gpu = create(['backend=opengles']);",
        "const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });",
        "if (!adapter) throw new Error('no adapter');",
      ].join('\n'),
    );
    const r = stderrThroughPipe([process.execPath, probe].map(q).join(' '));
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => NOTICE.test(l))).toHaveLength(2);
  });

  it('do not reach stderr from a webgpu run of spml through a pipe', () => {
    const r = stderrThroughPipe(tsx('apps/cli/spml.ts', 'demo', '--backend', 'webgpu', '--max-tokens', '2'));
    expect(r.stderr).not.toMatch(NOTICE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.runIf(spawnSync('script', ['--version']).status === 0)('do not reach a terminal', () => {
    const r = spawnSync('script', ['-qec', tsx('apps/cli/spml.ts', 'demo', '--backend', 'webgpu', '--max-tokens', '2'), '/dev/null'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('output hash');
    expect(r.stdout).not.toMatch(NOTICE);
  });
});

describe('withoutDawnLimitNotices', () => {
  const notice = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.';
  const script = join(scratch, 'scripted.ts');
  writeFileSync(
    script,
    [
      "import * as fs from 'node:fs';",
      "import { tmpdir } from 'node:os';",
      "import { join } from 'node:path';",
      `import { withoutDawnLimitNotices } from ${JSON.stringify(join(root, 'kernels/webgpu/device.js'))};`,
      `const out = withoutDawnLimitNotices(fs, () => fs.mkdtempSync(join(tmpdir(), 'spml-dawn-')), () => {`,
      `  fs.writeSync(2, ${JSON.stringify(`${notice}\nDawn: another message\n`)});`,
      '  return 7;',
      '});',
      "console.error(`after ${out}`);",
    ].join('\n'),
  );

  it('drops only the two notices, writes back every other line and puts stderr back', () => {
    const r = stderrThroughPipe(tsx(script));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('Dawn: another message\nafter 7\n');
  });

  it('leaves stderr alone when it is a regular file', () => {
    const file = join(scratch, 'stderr.txt');
    const r = spawnSync('bash', ['-c', `${tsx(script)} 2>${q(file)}`], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(`${notice}\nDawn: another message\nafter 7\n`);
  });
});
