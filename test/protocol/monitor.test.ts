// Challenge-rate drift monitor (protocol/monitor.ts).
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { challengeThreshold, drawValue, isChallenged } from '../../protocol/challenge.js';
import { ChallengeRateMonitor } from '../../protocol/monitor.js';
import { ProtocolParamError } from '../../protocol/errors.js';

const requestIdAt = (i: number) => bytesToHex(sha256(new TextEncoder().encode(`request-${i}`)));
const secret = '77'.repeat(32);
const P = '0.1';
const ROUNDS = 100_000;

/** Run ROUNDS draws through `sampler`, reading the report after every round; returns the first drift seen. */
function run(sampler: (requestId: string) => boolean) {
  const m = new ChallengeRateMonitor(P);
  let first: { round: number; drift: string } | null = null;
  for (let i = 0; i < ROUNDS; i++) {
    m.record(sampler(requestIdAt(i)));
    // Reading the report every round is what the anytime bound allows; check every 100 to keep it quick.
    if (first === null && i % 100 === 99) {
      const r = m.report();
      if (r.drift) first = { round: i + 1, drift: r.drift };
    }
  }
  return { first, final: m.report() };
}

describe('ChallengeRateMonitor', () => {
  it('does not flag the correct sampler over 10^5 draws, reading the report throughout', () => {
    const { first, final } = run((id) => isChallenged(secret, id, P));
    expect(first).toBeNull();
    expect(final.rounds).toBe(ROUNDS);
    expect(Math.abs(final.zScore)).toBeLessThan(5);
    expect(final.rate).toBeCloseTo(0.1, 2);
  });

  it('flags an inverted comparison (rate 1 − p) as high, within the first few hundred rounds', () => {
    const t = challengeThreshold(P);
    const { first, final } = run((id) => drawValue(secret, id) >= t);
    expect(first?.drift).toBe('high');
    expect(first!.round).toBeLessThanOrEqual(200);
    expect(final.rate).toBeCloseTo(0.9, 2);
  });

  it('flags a doubled rate (2p) as high', () => {
    const t = challengeThreshold('0.2');
    const { first, final } = run((id) => drawValue(secret, id) < t);
    expect(first?.drift).toBe('high');
    expect(final.drift).toBe('high');
    expect(final.zScore).toBeGreaterThan(50);
  });

  it('flags a halved rate as low', () => {
    const t = challengeThreshold('0.05');
    expect(run((id) => drawValue(secret, id) < t).final.drift).toBe('low');
  });

  it('flags any challenge at all when p = 0, and reports nothing before a round', () => {
    const m = new ChallengeRateMonitor('0');
    expect(m.report()).toMatchObject({ rounds: 0, drift: null, tailBound: 1 });
    for (let i = 0; i < 1000; i++) m.record(false);
    expect(m.report().drift).toBeNull();
    m.record(true);
    expect(m.report().drift).toBe('high');
  });

  it('its threshold is about 8.8σ at n = 10^5, p = 0.1 (the documented width)', () => {
    const at = (k: number) => {
      const m = new ChallengeRateMonitor(P);
      for (let i = 0; i < ROUNDS; i++) m.record(i < k);
      return m.report().drift;
    };
    const sigma = Math.sqrt(ROUNDS * 0.1 * 0.9);
    expect(at(10_000 + Math.round(8.6 * sigma))).toBeNull();
    expect(at(10_000 + Math.round(9.0 * sigma))).toBe('high');
  });

  it('rejects bad p and alpha, naming them', () => {
    expect(() => new ChallengeRateMonitor('1.5')).toThrow(/parameter 'p'/);
    expect(() => new ChallengeRateMonitor('0.1', { alpha: 0 })).toThrow(ProtocolParamError);
    expect(() => new ChallengeRateMonitor('0.1', { alpha: 0 })).toThrow(/parameter 'alpha'/);
  });
});
