/**
 * protocol/crypto.ts signs and verifies through node:crypto for speed; its answers must be exactly
 * @noble/curves' strict RFC 8032 answers (zip215: false), including on the edge cases where OpenSSL's
 * cofactorless check and noble's encoding rules could part.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { keyFromSeed, signBytes, verifyBytes } from '../../protocol/crypto.js';

const noble = (pk: string, sig: string, msg: Uint8Array) => {
  try {
    return ed25519.verify(hexToBytes(sig), msg, hexToBytes(pk), { zip215: false });
  } catch {
    return false;
  }
};
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

describe('the node:crypto fast path agrees with noble', () => {
  it('signatures are byte-identical to noble and verify for 50 keys and messages', () => {
    for (let i = 0; i < 50; i++) {
      const key = keyFromSeed(`k${i}`);
      const msg = utf8ToBytes(`message ${i} `.repeat(i));
      const sig = signBytes(key, msg);
      expect(sig).toBe(bytesToHex(ed25519.sign(msg, hexToBytes(key.secretKey))));
      expect(verifyBytes(key.publicKey, sig, msg)).toBe(true);
    }
  });

  it('a tampered message, signature or key, S + L, and small-order or non-canonical keys give noble’s answer', () => {
    const key = keyFromSeed('edge');
    const msg = utf8ToBytes('edge cases');
    const sig = signBytes(key, msg);
    const s = hexToBytes(sig);
    // S + L: the same point equation, but S is not reduced; RFC 8032 refuses it.
    let S = 0n;
    for (let i = 63; i >= 32; i--) S = (S << 8n) | BigInt(s[i]!);
    const big = S + L;
    const sPlusL = s.slice();
    for (let i = 0; i < 32; i++) sPlusL[32 + i] = Number((big >> BigInt(8 * i)) & 0xffn);
    const identity = '01' + '00'.repeat(31); // the neutral point: small order
    const nonCanonical = 'ed' + 'ff'.repeat(30) + '7f'; // y = p: y ≥ p is refused by strict decoding
    const cases: [string, string, Uint8Array][] = [
      [key.publicKey, sig, utf8ToBytes('edge caseS')],
      [key.publicKey, sig.slice(0, 10) + (sig[10] === '0' ? '1' : '0') + sig.slice(11), msg],
      [keyFromSeed('other').publicKey, sig, msg],
      [key.publicKey, bytesToHex(sPlusL), msg],
      [identity, sig, msg],
      [nonCanonical, sig, msg],
    ];
    for (const [pk, sg, m] of cases) {
      const expected = noble(pk, sg, m);
      expect(expected).toBe(false);
      expect(verifyBytes(pk, sg, m)).toBe(expected);
    }
  });
});
