/**
 * `spml params` as a user runs it (apps/cli/params.ts): the paper's example (§3.4), JSON with
 * decimals as strings, the extensions, and one-line errors with exit status 2.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Econ } from '../../protocol/economics/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const paper = ['--C', '1', '--R', '1.2', '--S', '150', '--r', '0.1', '--n', '1'];

function spml(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', 'params', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('spml params', () => {
  it("prints the paper's example as a table", () => {
    const r = spml(...paper, '--p', '0.01');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const line = (label: string) => r.stdout.split('\n').find((l) => l.startsWith(label)) ?? '';
    expect(line('Theorem 1 p_min')).toMatch(/ 0\.00734862 \(0\.7349%\): every p > p_min makes honesty dominant$/);
    expect(line('Proposition 1 p_min')).toContain('0.00734862 (0.7349%)');
    expect(line('Theorem 1 at p = 0.01')).toContain('holds: 0.512 > 0.1512');
    expect(line('payoff of honesty')).toContain('0.2012 at p = 0.01');
    expect(line('payoff of honesty')).toContain('RA − C = 0.2');
    expect(line('payoff of cheating')).toContain('-0.1596 at p = 0.01');
    expect(line('opML undetected fraud')).toContain('0.00983551 (0.9836%) with RC = 100 (default 100·C)');
    expect(line('outside gain G')).toContain('G < 1350.8');
    expect(line('warnings')).toMatch(/none$/);
  });

  it('--json gives every decimal as an exact string', () => {
    const r = spml(...paper, '--p', '0.007', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as {
      params: { r: string; U2: string };
      threshold: { kind: string; pMin: string };
      proposition1PMin: string;
      theorem1: { holds: boolean; lhs: string; rhs: string };
      payoffs: { honest: string; cheat: string; p: string };
      opml: { undetectedFraud: string; RC: string };
      warnings: unknown[];
    };
    expect(j.params.r).toBe('0.1');
    expect(j.params.U2).toBe('2.4');
    expect(j.threshold.kind).toBe('above');
    expect(new Econ(j.threshold.pMin).eq(new Econ(1).div(new Econ('0.9').mul('151.2')))).toBe(true);
    expect(j.proposition1PMin).toBe(j.threshold.pMin);
    expect(j.theorem1.holds).toBe(false);
    expect(new Econ(j.payoffs.cheat).gt(j.payoffs.honest)).toBe(true);
    expect(new Econ(j.opml.undetectedFraud).eq(new Econ('150.2').div('15271.2'))).toBe(true);
    expect(j.warnings).toEqual([]);
  });

  it('says when an outside gain makes every p infeasible, and shows p_max with false alarms', () => {
    const g = spml(...paper, '--G', '2000');
    expect(g.status).toBe(0);
    expect(g.stdout).toMatch(/Theorem 1 p_min\s+1\.03353 \(103\.4%\): infeasible: p_min = 1\.03353 >= 1/);
    expect(g.stdout).toContain('warning NO_CHALLENGE_PROBABILITY: infeasible');
    const f = spml(...paper, '--beta', '0.1', '--phi', '0.05', '--n', '2');
    expect(f.status).toBe(0);
    expect(f.stdout).toMatch(/imperfect comparison\s+beta = 0\.1, phi = 0\.05: p_min = 0\.00864543, p_max = 0\.026455; every p with p_min < p < p_max works/);
    expect(f.stdout).toContain('warning VALIDATOR_LOSS: RV/n = 0.6 <= C = 1: validators lose money on every challenge');
  });

  it('bad input is one line on stderr and exit status 2', () => {
    for (const [args, message] of [
      [['--C', '0', '--R', '1.2', '--S', '150', '--r', '0.1', '--n', '1'], "spml: params: parameter 'C': must satisfy C > 0, got 0"],
      [['--R', '1.2', '--S', '150', '--r', '0.1', '--n', '1'], "spml: params: parameter 'C': is required (C > 0)"],
      [[...paper, '--r', '1'], "spml: params: parameter 'r': must satisfy 0 <= r < 1, got 1"],
      [[...paper, '--p', '1.5'], "spml: params: parameter 'p': must satisfy 0 <= p <= 1, got 1.5"],
    ] as const) {
      const r = spml(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim()).toBe(message);
    }
  });

  it('--help documents the options', () => {
    const r = spml('--help');
    expect(r.status).toBe(0);
    for (const flag of ['--C', '--R', '--S', '--r', '--n', '--RA', '--RV', '--U1', '--U2', '--G', '--beta', '--phi', '--p', '--RC', '--json']) expect(r.stdout).toContain(flag);
  });
});
