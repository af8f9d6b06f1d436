/**
 * `--json` on every command that prints a result: one JSON document on stdout (no Markdown, no
 * text beside it) with the fields a script needs, and numbers without float noise.
 */
import { describe, expect, it } from 'vitest';
import { BACKEND_FAMILIES, backendNames } from '../../kernels/backends.js';
import { spmlAsync } from './run_cli.js';

/** Every number in a JSON document. */
function numbers(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap(numbers);
  if (v !== null && typeof v === 'object') return Object.values(v).flatMap(numbers);
  return [];
}
/** At most 12 significant digits: no 259.4895190000001 or 0.20000000000000173. */
const tidy = (x: number) => Number.isInteger(x) || Number(x.toPrecision(12)) === x;

describe('spml --json', () => {
  it.concurrent('backends --json lists names, families and kernels', async () => {
    const r = await spmlAsync('backends', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { families: { family: string }[]; backends: { name: string; family: string; reference: boolean; kernels: string[] }[] };
    expect(j.families.map((f) => f.family)).toEqual(BACKEND_FAMILIES.map((f) => f.family));
    expect(j.backends.map((b) => b.name)).toEqual(backendNames('node'));
    const cpu = j.backends.find((b) => b.name === 'cpu')!;
    expect(cpu).toMatchObject({ family: 'cpu', reference: true });
    expect(cpu.kernels).toContain('MatMul');
    for (const b of j.backends) expect(b.kernels).toEqual(cpu.kernels);
    expect(j.backends.find((b) => b.name === 'gpujs-webasm')?.family).toBe('gpujs');
  });

  it.concurrent('check-backends --json without --backend is one JSON document for all backends', async () => {
    const r = await spmlAsync('check-backends', '--json');
    expect(r.stdout).not.toContain('|');
    const j = JSON.parse(r.stdout) as {
      block: { tokens: number; width: number };
      reference: string;
      backends: { name: string; agrees: boolean; hash?: string; root?: string; ms?: number; error?: string }[];
      allAgree: boolean;
    };
    expect(j.block).toEqual({ tokens: 16, width: 64, dtype: 'int8' });
    expect(j.backends.map((b) => b.name)).toEqual(backendNames('node'));
    const cpu = j.backends[0]!;
    expect(cpu.agrees).toBe(true);
    expect(cpu.hash).toMatch(/^[0-9a-f]{64}$/);
    for (const b of j.backends) {
      // Each backend either ran (hash, root, ms) or says why it could not start.
      if (b.error === undefined) expect(b.agrees).toBe(b.hash === cpu.hash && b.root === cpu.root);
      else expect(b.agrees).toBe(false);
      if (b.ms !== undefined) expect(tidy(b.ms) && Math.round(b.ms * 10) === b.ms * 10).toBe(true);
    }
    expect(j.allAgree).toBe(j.backends.every((b) => b.agrees));
    expect(r.status).toBe(j.allAgree ? 0 : 1);
  });

  it.concurrent('params --json is one document of exact decimal strings', async () => {
    const r = await spmlAsync('params', '--C', '1', '--R', '1.2', '--S', '150', '--r', '0.1', '--n', '1', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { threshold: { pMin: string }; params: { R: string } };
    expect(j.params.R).toBe('1.2');
    expect(j.threshold.pMin).toMatch(/^0\.00734861/);
  });

  it.concurrent('simulate --json has its fields and no float noise in its numbers', async () => {
    const r = await spmlAsync('simulate', '--rounds', '100000', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { config: { p: number; rounds: number }; pMin: { network: number }; comparisons: { metric: string; within: boolean }[]; elapsedMs: number; roundsPerSec: number };
    expect(j.config.rounds).toBe(100000);
    expect(j.config.p).toBeCloseTo(1.5 * j.pMin.network, 12);
    expect(j.comparisons.length).toBeGreaterThan(5);
    expect(Number.isInteger(j.roundsPerSec)).toBe(true);
    expect(Math.round(j.elapsedMs * 10)).toBe(j.elapsedMs * 10);
    expect(numbers(j).filter((x) => !tidy(x))).toEqual([]);
  });

  it.concurrent('simulate --sweep --json has its points and no float noise in its numbers', async () => {
    const r = await spmlAsync('simulate', '--rounds', '2000', '--sweep', 'p=0.01:0.02:0.01', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { points: { p: number; honest: { simulated: number } }[]; svg: null };
    expect(j.points.map((q) => q.p)).toEqual([0.01, 0.02]);
    expect(j.svg).toBeNull();
    expect(numbers(j).filter((x) => !tidy(x))).toEqual([]);
  });
});
