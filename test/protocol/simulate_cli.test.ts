/**
 * `spml simulate` as a user runs it (apps/cli/simulate.ts): JSON output with the theory beside
 * each measured value, `--p auto`, a sweep writing its SVG, and bad input as one line with exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function spml(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonComparison {
  metric: string;
  realized: number | null;
  theory: number | null;
  bound: number;
  within: boolean;
}

describe('spml simulate', () => {
  it('--json reports every metric beside its theory, and the same seed repeats it', () => {
    const args = ['simulate', '--nodes', '100', '--rounds', '200000', '--r', '0.1', '--p', 'auto', '--strategies', 'honest:0.8,cheat:0.1,cheat-q=0.3:0.1', '--seed', '7', '--json'];
    const a = spml(...args);
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    const j = JSON.parse(a.stdout) as { config: { p: number }; pAuto: boolean; pMin: { network: number; theorem1: number; economics: number }; comparisons: JsonComparison[] };
    expect(j.pAuto).toBe(true);
    expect(j.config.p).toBeCloseTo(1.5 * j.pMin.network, 12);
    expect(j.pMin.economics).toBeCloseTo(j.pMin.theorem1, 12);
    expect(j.comparisons.map((c) => c.metric)).toContain('undetectedFraudCoalition');
    for (const c of j.comparisons) expect(c.within).toBe(true);
    const challenge = j.comparisons.find((c) => c.metric === 'challengeRate')!;
    expect(challenge.theory).toBe(j.config.p);
    const b = JSON.parse(spml(...args).stdout) as typeof j;
    expect(b.comparisons).toEqual(j.comparisons);
  });

  it('prints a text report with realized, theory and bound columns', () => {
    const r = spml('simulate', '--rounds', '50000', '--p', '0.02');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/metric\s+realized\s+theory\s+±4σ\s+within/);
    expect(r.stdout).toMatch(/honest servers slashed\s+0\.000000\s+0\.000000/);
    expect(r.stdout).toContain('p_min: 0.007275');
  });

  it('--sweep writes the chart with p_min marked', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'spml-sweep-')), 'sweep.svg');
    const r = spml('simulate', '--rounds', '20000', '--sweep', 'p=0.004:0.012:0.002', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`wrote ${out}`);
    const svg = readFileSync(out, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('p_min = 0.007275');
    expect(svg).toContain('Theorem 1 (rⁿ, exact) 0.007349');
  });

  it.each([
    [['--strategies', 'honest:0.5'], /^spml: parseStrategies: parameter 'strategies': fractions must sum to 1/],
    [['--p', '1.5'], /^spml: simulate: parameter 'p': must satisfy 0 <= p <= 1, got 1\.5$/],
    [['--nodes', 'ten'], /^spml: simulate: parameter 'nodes': must be a number, got "ten"$/],
    [['--sweep', 'p=0.1:0.01:0.01'], /^spml: parseSweep: parameter 'sweep': needs 0 <= from <= to <= 1/],
    [['--selection', 'random'], /parameter 'selection': must be uniform or stake/],
    [['--out', 'x.svg'], /^spml: simulate: parameter 'out': draws the chart of a sweep, so it needs --sweep p=from:to:step; a single run has no chart$/],
    [['--sweep', 'p=0.01:0.02:0.01', '--engine-rounds', '2'], /^spml: simulate: parameter 'engine-rounds': plays one p, so it cannot go with --sweep$/],
    [['--engine-rounds', '-1'], /^spml: simulate: parameter 'engine-rounds': must be >= 0, got -1$/],
    [['--bogus'], /^spml: unknown option '--bogus'$/],
  ])('bad input %j is one line on stderr and exit status 2', (args, message) => {
    const r = spml('simulate', '--rounds', '10', ...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(message);
  });

  it('--out without --sweep writes nothing', () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'spml-nosweep-')), 'x.svg');
    expect(spml('simulate', '--rounds', '10', '--out', out).status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('a huge --rounds runs, and its first progress line says how long it will take', async () => {
    // 10^12 rounds take hours: the run is not refused, it says so at once (apps/cli/simulate.ts).
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', 'simulate', '--rounds', '1e12'], { cwd: root });
    const line = await new Promise<string>((resolve) => {
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.includes('\n')) resolve(err.split('\n')[0]!);
      });
      child.on('exit', () => resolve(err));
    });
    child.kill();
    expect(line).toMatch(/^simulate: \d+\.\d% of 1000000000000 rounds, [\d.]+ M rounds\/s, about (\d+ h( \d+ min)?|\d+ d( \d+ h)?) left$/);
  });
});
