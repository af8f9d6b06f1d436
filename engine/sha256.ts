/**
 * SHA-256 (FIPS 180-4), the one hash of spml: tensor hashes and trace leaves (engine/hash.ts,
 * NUMERICS.md §2), model file trailers and model hashes (engine/format/format.ts), and the
 * protocol's commitments and message digests (protocol/crypto.ts).
 *
 * On Node it uses node:crypto (OpenSSL, about 10× faster than JavaScript on model files),
 * reached through process.getBuiltinModule so this module has no static Node import and bundles
 * for browsers unchanged; elsewhere @noble/hashes. test/unit/sha256.test.ts checks that the two
 * give the same digests.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

type NodeCrypto = typeof import('node:crypto');

/** A Node built-in module, or undefined outside Node (Node ≥ 20.16 has getBuiltinModule). */
export function nodeBuiltin<T>(id: string): T | undefined {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return p?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

const nodeCrypto = nodeBuiltin<NodeCrypto>('node:crypto');

/** SHA-256 with @noble/hashes alone: what runs where node:crypto is absent. */
export function sha256Portable(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** The 32-byte SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  if (nodeCrypto) {
    const d = nodeCrypto.createHash('sha256').update(data).digest();
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  }
  return nobleSha256(data);
}

/** SHA-256 of `data` as 64 lowercase hex digits. */
export function sha256Hex(data: Uint8Array): string {
  return bytesToHex(sha256(data));
}
