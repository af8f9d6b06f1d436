/**
 * engine/sha256.ts, the one SHA-256 of spml: the node:crypto path and the @noble/hashes path
 * give the same digests (FIPS 180-4 vectors, and every length across block boundaries), so a
 * browser and Node hash models, tensors and messages identically.
 */
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256, sha256Hex, sha256Portable } from '../../engine/sha256.js';
import { Rng } from '../../tools/data/rng.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('sha256', () => {
  it('gives the FIPS 180-4 example digests', () => {
    expect(sha256Hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex(utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('runs node:crypto here, and it agrees with @noble/hashes on every length from 0 to 300 bytes and on 1 MiB', () => {
    expect(typeof process.getBuiltinModule).toBe('function');
    const rng = new Rng(7);
    const data = Uint8Array.from({ length: 1 << 20 }, () => rng.int(0, 255));
    for (let n = 0; n <= 300; n++) expect(bytesToHex(sha256(data.subarray(0, n))), `length ${n}`).toBe(bytesToHex(sha256Portable(data.subarray(0, n))));
    expect(bytesToHex(sha256(data))).toBe(bytesToHex(sha256Portable(data)));
  });

  it('hashes a view of a larger buffer by its own bytes only', () => {
    const buffer = Uint8Array.from({ length: 100 }, (_, i) => i);
    const view = buffer.subarray(10, 20);
    expect(sha256Hex(view)).toBe(sha256Hex(Uint8Array.from(view)));
  });
});
