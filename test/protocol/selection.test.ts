// Stake-weighted validator and asserter selection (protocol/selection.ts, PoSP §2.1 steps 1 and 3).
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { HashStream, asserterSeed, selectAsserter, selectValidators, selectionSeed, weightedSample, type StakedNode } from '../../protocol/selection.js';
import { ProtocolParamError } from '../../protocol/errors.js';

const seedAt = (i: number) => bytesToHex(sha256(new TextEncoder().encode(`seed-${i}`)));
const nodes: StakedNode[] = [
  { id: 'a', stake: 100n },
  { id: 'b', stake: 200n },
  { id: 'c', stake: 300n },
  { id: 'd', stake: 400n },
  { id: 'z', stake: 0n },
];

describe('selectValidators', () => {
  it('picks B in proportion to stake among the non-asserters (chi-square), never the asserter or a zero stake', () => {
    const n = 30_000;
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const [b] = selectValidators(nodes, { asserter: 'a', count: 1, seed: seedAt(i) });
      counts[b!] = (counts[b!] ?? 0) + 1;
    }
    expect(counts.a).toBeUndefined();
    expect(counts.z).toBeUndefined();
    // Expected shares among b, c, d: 2/9, 3/9, 4/9. Chi-square with 2 degrees of freedom:
    // P(χ² > 30) = e^{-15} ≈ 3·10⁻⁷, so a correct sampler passes and a biased one (say uniform: χ² ≈ 2400) fails.
    const expected = { b: (n * 2) / 9, c: (n * 3) / 9, d: (n * 4) / 9 };
    const chi2 = Object.entries(expected).reduce((s, [id, e]) => s + ((counts[id] ?? 0) - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(30);
  });

  it('draws without replacement: the first pick follows stake, the second is from the rest', () => {
    // Two picks from b, c, d (asserter a excluded). P(first = d) = 4/9; P(second = d) = Σ_{x≠d} P(first = x)·4/(9 − s_x)
    // = 2/9·4/7 + 3/9·4/6 = 0.3492. Checked per position with a 5σ binomial bound.
    const n = 20_000;
    let firstD = 0;
    let secondD = 0;
    for (let i = 0; i < n; i++) {
      const picks = selectValidators(nodes, { asserter: 'a', count: 2, seed: seedAt(i) });
      expect(new Set(picks).size).toBe(2);
      expect(picks).not.toContain('a');
      expect(picks).not.toContain('z');
      if (picks[0] === 'd') firstD++;
      if (picks[1] === 'd') secondD++;
    }
    for (const [k, q] of [[firstD, 4 / 9], [secondD, 2 / 9 * 4 / 7 + 3 / 9 * 4 / 6]] as const) {
      expect(Math.abs(k - n * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
    }
  });

  it('is deterministic from the seed and independent of the order nodes are listed', () => {
    const seed = selectionSeed('11'.repeat(32), '22'.repeat(32));
    const once = selectValidators(nodes, { asserter: 'b', count: 3, seed });
    expect(selectValidators([...nodes].reverse(), { asserter: 'b', count: 3, seed })).toEqual(once);
    expect(once.sort()).toEqual(['a', 'c', 'd']);
    const different = new Set(Array.from({ length: 50 }, (_, i) => selectValidators(nodes, { asserter: 'b', count: 3, seed: seedAt(i) }).join()));
    expect(different.size).toBeGreaterThan(1);
  });

  it('the seed depends on both the secret and the request id', () => {
    const s = selectionSeed('11'.repeat(32), '22'.repeat(32));
    expect(selectionSeed('12'.repeat(32), '22'.repeat(32))).not.toBe(s);
    expect(selectionSeed('11'.repeat(32), '23'.repeat(32))).not.toBe(s);
    expect(asserterSeed('22'.repeat(32))).not.toBe(s);
  });

  it('throws naming count when too few eligible nodes remain', () => {
    // b, c, d are eligible once a is the asserter; z has no stake.
    expect(selectValidators(nodes, { asserter: 'a', count: 3, seed: seedAt(0) })).toHaveLength(3);
    expect(() => selectValidators(nodes, { asserter: 'a', count: 4, seed: seedAt(0) })).toThrow(ProtocolParamError);
    expect(() => selectValidators(nodes, { asserter: 'a', count: 4, seed: seedAt(0) })).toThrow(/'count'.*only 3/);
    expect(() => selectValidators([{ id: 'a', stake: 5n }], { asserter: 'a', count: 1, seed: seedAt(0) })).toThrow(/only 0/);
  });

  it('rejects duplicate ids and negative or non-bigint stakes, naming the node', () => {
    expect(() => weightedSample([{ id: 'a', stake: 1n }, { id: 'a', stake: 2n }], 1, seedAt(0))).toThrow(/nodes\[1\]\.id/);
    expect(() => weightedSample([{ id: 'a', stake: -1n }], 1, seedAt(0))).toThrow(/nodes\[0\]\.stake/);
    expect(() => weightedSample([{ id: 'a', stake: 1 as unknown as bigint }], 1, seedAt(0))).toThrow(/nodes\[0\]\.stake/);
  });

  it('handles stakes far beyond 2^53 exactly', () => {
    const big: StakedNode[] = [{ id: 'x', stake: 1n }, { id: 'y', stake: 10n ** 30n }];
    for (let i = 0; i < 200; i++) expect(selectAsserter(big, seedAt(i))).toBe('y');
  });
});

describe('selectAsserter', () => {
  it('picks A by stake (chi-square, 3 degrees of freedom) and never a zero-stake node', () => {
    const n = 30_000;
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const a = selectAsserter(nodes, seedAt(i));
      counts[a] = (counts[a] ?? 0) + 1;
    }
    expect(counts.z).toBeUndefined();
    // P(χ²₃ > 35) ≈ 1.2·10⁻⁷.
    const chi2 = nodes.filter((x) => x.stake > 0n).reduce((s, x) => {
      const e = (n * Number(x.stake)) / 1000;
      return s + ((counts[x.id] ?? 0) - e) ** 2 / e;
    }, 0);
    expect(chi2).toBeLessThan(35);
  });
});

describe('HashStream.uniformBelow', () => {
  it('is uniform below a bound that is not a power of two (no modulo bias)', () => {
    // n = 3 over 2-bit blocks: a modulo reduction would give 0 half the time; rejection gives 1/3 each.
    const s = new HashStream(seedAt(1));
    const counts = [0, 0, 0];
    const n = 30_000;
    for (let i = 0; i < n; i++) counts[Number(s.uniformBelow(3n))]!++;
    const sigma = Math.sqrt((n * 2) / 9);
    for (const c of counts) expect(Math.abs(c - n / 3)).toBeLessThan(5 * sigma);
  });

  it('rejects an empty range', () => {
    expect(() => new HashStream(seedAt(1)).uniformBelow(0n)).toThrow(ProtocolParamError);
  });
});
