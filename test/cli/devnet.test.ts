/**
 * `spml devnet` end to end: eight `spml node serve` processes on 127.0.0.1, rounds between them over
 * HTTP while kill -9, restarts, delays, drops, lost replies and partitions hit them; the report's
 * checks hold, and every process it started is gone when it returns.
 */
import { describe, expect, it } from 'vitest';
import { spmlAsync } from './run_cli.js';

describe('spml devnet', () => {
  it('plays rounds between 8 server processes under injected faults: every round settles, money is conserved, no honest server is slashed', async () => {
    const r = await spmlAsync('devnet', '--servers', '8', '--rounds', '80', '--p', '0.5', '--faults', '0.3', '--concurrency', '4', '--seed', '5', '--json');
    expect(r.stderr).toMatch(/devnet: \[#+\.*\] \d+\/80 rounds, [\d.]+ rounds\/s, \d+ disputes, \d+ faults, (about .* left|done in .*)/);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.servers).toBe(8);
    expect(report.rounds).toBe(80);
    expect(report.failedRounds).toBe(0);
    expect(report.conservation).toBe(true);
    expect(report.slashes.honestSlashed).toEqual([]);
    // node-0 cheats: with p = 0.5 some of its rounds are challenged and disputed, and it is slashed.
    expect(report.disputes).toBeGreaterThan(0);
    expect(report.slashes.count).toBe(report.disputes - report.outcomes['no-verdict']);
    expect(report.faults.total).toBeGreaterThan(5);
    expect(report.faultedRounds / report.rounds).toBeGreaterThanOrEqual(0.05);
    for (const k of ['p50', 'p90', 'p99', 'max']) expect(report.latencyMs[k]).toBeGreaterThan(0);
    // Every server it started has stopped: nothing listens on their ports any more.
    const ports = /listening \(([\d, ]+)\)/.exec(r.stderr)![1]!.split(', ').map(Number);
    expect(ports).toHaveLength(8);
    for (const port of ports) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 300_000);

  it('--chain settles the same kind of run on the SpmlSettlement contract on anvil', async () => {
    const r = await spmlAsync('devnet', '--servers', '6', '--rounds', '30', '--p', '0.5', '--faults', '0.2', '--seed', '3', '--chain', '--json');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, any>;
    expect(report.rounds).toBe(30);
    expect(report.failedRounds).toBe(0);
    // conservation here is the contract's: its ether equals what its accounts, pool and burnt hold.
    expect(report.conservation).toBe(true);
    expect(report.slashes.honestSlashed).toEqual([]);
    expect(report.challenges).toBeGreaterThan(0);
    for (const [outcome, gas] of Object.entries(report.gas as Record<string, number>)) expect(gas, outcome).toBeGreaterThan(100_000);
  }, 300_000);

  it('refuses bad arguments with one line and status 2', async () => {
    const r = await spmlAsync('devnet', '--servers', '1');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/servers must be an integer in \[2, 64\]/);
  });
});
