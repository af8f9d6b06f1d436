/**
 * `spml verify` and `spml run --expect-hash` as a verifier uses them: recompute a claimed result
 * from model, prompt, options and seed, exit 0 on a match and 1 on a mismatch, and, given the
 * claimed trace leaves (`spml run --json`), name the first layer output that differs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function spml(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RUN = ['--prompt', 'Call me', '--max-tokens', '6', '--seed', '3', '--temperature', '0.8'];

describe('spml verify', () => {
  let dir: string;
  let claimFile: string;
  let claim: { outputHash: string; traceRoot: string; traceLength: number; traceLeaves: { label: string; tensorHash: string }[]; ms: number; tokensPerSecond: number };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spml-verify-'));
    const r = spml('run', ...RUN, '--json');
    expect(r.status).toBe(0);
    claim = JSON.parse(r.stdout);
    claimFile = join(dir, 'claim.json');
    writeFileSync(claimFile, r.stdout);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run --json carries the API field names: traceLength, the traceLeaves, and rounded timings', () => {
    expect(claim.traceLength).toBe(54);
    expect(claim.traceLeaves.map((l) => l.label).slice(7, 11)).toEqual(['prefill.h3', 'prefill.logits', 'step0.kv0', 'step0.h0']);
    expect(Number.isInteger(claim.ms * 10)).toBe(true);
    expect(Number.isInteger(claim.tokensPerSecond * 10)).toBe(true);
  });

  it('says yes, exit 0, when hash, root and every leaf match', () => {
    const r = spml('verify', ...RUN, '--expect-hash', claim.outputHash, '--expect-trace', claim.traceRoot, '--expect-leaves', claimFile);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('verified');
    expect(r.stdout).toContain(`all 54 match`);
  });

  it('says no, exit 1, for a different seed, and names the first layer that differs', () => {
    const r = spml('verify', ...RUN.slice(0, 4), '--seed', '4', '--temperature', '0.8', '--expect-hash', claim.outputHash, '--expect-leaves', claimFile);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('MISMATCH');
    // The prompt's pass is the same; the first sampled token is not, so the cache rows of step0's
    // first block differ.
    expect(r.stdout).toMatch(/first difference at leaf 9 of 54 \(step0\.kv0\)/);
  });

  it('says no for a forged trace root even when the output hash matches', () => {
    const r = spml('verify', ...RUN, '--expect-hash', claim.outputHash, '--expect-trace', '0'.repeat(64), '--json');
    expect(r.status).toBe(1);
    const v = JSON.parse(r.stdout);
    expect(v.match).toBe(false);
    expect(v.outputHash.match).toBe(true);
    expect(v.traceRoot).toEqual({ claimed: '0'.repeat(64), computed: claim.traceRoot, match: false });
  });

  it('rejects a malformed claim with one line and exit 2', () => {
    const bad = spml('verify', ...RUN, '--expect-hash', 'abc');
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('outputHash must be 64 hex digits');
    const none = spml('verify', ...RUN);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--expect-hash <hex> is required');
    const missing = spml('verify', ...RUN, '--expect-hash', claim.outputHash, '--expect-leaves', join(dir, 'nope.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--expect-leaves');
  });

  it('run --expect-hash exits 0 on the same hash and 1 on another', () => {
    expect(spml('run', ...RUN, '--expect-hash', claim.outputHash).status).toBe(0);
    const other = spml('run', ...RUN, '--expect-hash', 'f'.repeat(64));
    expect(other.status).toBe(1);
    expect(other.stdout).toContain('DIFFERS from the expected');
  });

  it('run uses the API defaults (64 tokens, greedy, seed 0), and the demo keeps its preset', () => {
    const r = JSON.parse(spml('run', '--prompt', 'Call me', '--json').stdout);
    expect({ maxTokens: r.maxTokens, temperature: r.temperature, seed: r.seed, tokens: r.tokens.length }).toEqual({ maxTokens: 64, temperature: 0, seed: '0', tokens: 64 });
    // The demo is a preset of run: stories260k, its story opening, 160 tokens, temperature 0.8, seed 42.
    const demo = JSON.parse(spml('demo', '--json').stdout);
    expect({ model: demo.model, maxTokens: demo.maxTokens, temperature: demo.temperature, seed: demo.seed, tokens: demo.tokens.length }).toEqual({ model: 'stories260k', maxTokens: 160, temperature: 0.8, seed: '42', tokens: 160 });
    const same = JSON.parse(spml('run', '--model', 'stories260k', '--prompt', 'Once upon a time', '--max-tokens', '160', '--temperature', '0.8', '--seed', '42', '--json').stdout);
    expect([demo.outputHash, demo.traceRoot, demo.modelHash]).toEqual([same.outputHash, same.traceRoot, same.modelHash]);
  });
});
