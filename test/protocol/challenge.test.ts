// Commit-reveal challenge draw (protocol/challenge.ts, paper §3.2 step 3).
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  challengeCommitment,
  challengeThreshold,
  drawValue,
  isChallenged,
  newChallengeSecret,
  probabilityFraction,
  verifyDraw,
} from '../../protocol/challenge.js';
import { MessageRejected, ProtocolParamError } from '../../protocol/errors.js';

const requestId = '5a'.repeat(32);
// Deterministic "random" secrets: SHA-256 of a counter, so the statistics below never flake.
const secretAt = (i: number) => bytesToHex(sha256(new TextEncoder().encode(`secret-${i}`)));

describe('threshold', () => {
  it('is floor(p · 2^256) exactly', () => {
    const two256 = 1n << 256n;
    expect(challengeThreshold('0')).toBe(0n);
    expect(challengeThreshold('1')).toBe(two256);
    expect(challengeThreshold('0.5')).toBe(two256 / 2n);
    expect(challengeThreshold('0.1')).toBe(two256 / 10n); // floor, not the binary float 0.1
    expect(challengeThreshold(new Decimal('0.000000000000000000000000000001'))).toBe(two256 / 10n ** 30n);
    expect(challengeThreshold('0.3')).toBe((3n * two256) / 10n);
    expect(probabilityFraction('1.2500e-1')).toEqual({ num: 125n, den: 1000n });
  });

  it('rejects p outside [0, 1] or not a number, naming p', () => {
    for (const bad of ['-0.01', '1.0001', 'abc', 'NaN', 'Infinity']) {
      expect(() => challengeThreshold(bad)).toThrow(ProtocolParamError);
      expect(() => challengeThreshold(bad)).toThrow(/parameter 'p'/);
    }
  });
});

describe('draw', () => {
  it('p = 0 never challenges and p = 1 always does', () => {
    for (let i = 0; i < 200; i++) {
      expect(isChallenged(secretAt(i), requestId, '0')).toBe(false);
      expect(isChallenged(secretAt(i), requestId, '1')).toBe(true);
    }
  });

  it('is monotone in p: a round challenged at p is challenged at every larger p', () => {
    for (let i = 0; i < 500; i++) {
      const s = secretAt(i);
      const at = (p: string) => isChallenged(s, requestId, p);
      if (at('0.05')) expect(at('0.2')).toBe(true);
      if (!at('0.2')) expect(at('0.05')).toBe(false);
    }
  });

  it('the commitment does not reveal the draw (different domain-separated hashes)', () => {
    const s = secretAt(1);
    const c = challengeCommitment(s, requestId);
    expect(BigInt('0x' + c)).not.toBe(drawValue(s, requestId));
    // Over many secrets, "commitment below the threshold" agrees with the draw only at chance rate.
    let agree = 0;
    const n = 4000;
    const t = challengeThreshold('0.5');
    for (let i = 0; i < n; i++) {
      const si = secretAt(i);
      if ((BigInt('0x' + challengeCommitment(si, requestId)) < t) === isChallenged(si, requestId, '0.5')) agree++;
    }
    // Binomial(4000, 0.5): σ ≈ 31.6; 5σ ≈ 158.
    expect(Math.abs(agree - n / 2)).toBeLessThan(158);
  });

  it('realized rate over 20 000 secrets is p within 5σ, for several p', () => {
    const n = 20_000;
    for (const p of ['0.01', '0.1', '0.5', '0.9']) {
      let k = 0;
      for (let i = 0; i < n; i++) if (isChallenged(secretAt(i), requestId, p)) k++;
      const q = Number(p);
      const sigma = Math.sqrt(n * q * (1 - q));
      expect(Math.abs(k - n * q), `p=${p}: ${k} of ${n}`).toBeLessThan(5 * sigma);
    }
  });

  it('depends on the request id as well as the secret', () => {
    let differ = 0;
    for (let i = 0; i < 200; i++) if (isChallenged(secretAt(i), requestId, '0.5') !== isChallenged(secretAt(i), '6b'.repeat(32), '0.5')) differ++;
    expect(differ).toBeGreaterThan(50); // Binomial(200, 0.5) mean 100, σ ≈ 7
  });
});

describe('verifyDraw (arbitration re-check)', () => {
  it('accepts the committed secret and returns the same bit as isChallenged', () => {
    for (let i = 0; i < 100; i++) {
      const s = secretAt(i);
      expect(verifyDraw(challengeCommitment(s, requestId), s, requestId, '0.3')).toBe(isChallenged(s, requestId, '0.3'));
    }
  });

  it('rejects a forged reveal with BAD_REVEAL on the secret', () => {
    const s = newChallengeSecret();
    const c = challengeCommitment(s, requestId);
    const forged = secretAt(7);
    let e: unknown;
    try {
      verifyDraw(c, forged, requestId, '0.5');
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(MessageRejected);
    expect((e as MessageRejected).reason).toBe('BAD_REVEAL');
    expect((e as MessageRejected).field).toBe('secret');
  });

  it('rejects the right secret under another request id', () => {
    const s = secretAt(3);
    expect(() => verifyDraw(challengeCommitment(s, requestId), s, '6b'.repeat(32), '0.5')).toThrow(/BAD_REVEAL/);
  });

  it('rejects malformed secrets and commitments as MALFORMED with the field name', () => {
    expect(() => challengeCommitment('xyz', requestId)).toThrow(expect.objectContaining({ reason: 'MALFORMED', field: 'secret' }));
    expect(() => verifyDraw('00', secretAt(1), requestId, '0.5')).toThrow(expect.objectContaining({ reason: 'MALFORMED', field: 'commitment' }));
  });
});
