/**
 * Node identities and signatures for spML messages (paper §3.1 "Off-chain Operations": servers relay
 * results "along with their digital signatures"; §3.2 steps 1, 2, 4, 5: every input and output is signed).
 *
 * Ed25519 (RFC 8032) via @noble/curves. Keys travel as lowercase hex so that they compare as strings
 * and sit in canonical JSON unchanged. Verification is strict RFC 8032 (zip215: false): the verifier
 * accepts exactly one encoding of a signer's key.
 *
 * Speed: @noble/curves signs in about 1.4 ms and verifies in about 2.6 ms here, which made signatures
 * most of the cost of a network round (measured: 18.6 ms a round, of which about 12 ms signatures).
 * Node's built-in Ed25519 (OpenSSL) does both in tens of microseconds, so it is the fast path:
 * - signing: Ed25519 signatures are deterministic (RFC 8032 §5.1.6), so OpenSSL's bytes are noble's;
 * - verifying: OpenSSL checks the cofactorless equation [S]B = R + [k]A, which implies noble's
 *   cofactored one. Noble additionally refuses a non-canonical or small-order A (checked here once
 *   per key, and cached) and S ≥ L (checked here). A non-canonical R can never pass OpenSSL, which
 *   compares R's bytes with a canonical encoding. So "OpenSSL accepts and these checks pass" implies
 *   noble accepts; when OpenSSL refuses, noble decides, so the answer is always exactly noble's.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '../engine/sha256.js';
import { ProtocolParamError } from './errors.js';

/** A node's signing identity: the 32-byte Ed25519 secret key and its public key, both lowercase hex. */
export interface NodeKey {
  readonly secretKey: string;
  readonly publicKey: string;
}

/** Lowercase hex of exactly `bytes` bytes. */
export function isHex(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && value.length === 2 * bytes && /^[0-9a-f]*$/.test(value);
}

function fromSecret(secret: Uint8Array): NodeKey {
  return { secretKey: bytesToHex(secret), publicKey: bytesToHex(ed25519.getPublicKey(secret)) };
}

const KEY_SEED_TAG = utf8ToBytes('spml/v1/key-seed\n');

/**
 * A deterministic key from seed material (bytes, or a string taken as UTF-8), for tests and
 * simulations where node identities must be reproducible. The seed is hashed with a domain tag, so
 * a short label such as 'server-3' gives a full-entropy-looking key; it is only as secret as the seed.
 */
export function keyFromSeed(seed: Uint8Array | string): NodeKey {
  const material = typeof seed === 'string' ? utf8ToBytes(seed) : seed;
  return fromSecret(sha256(concatBytes(KEY_SEED_TAG, material)));
}

/**
 * The key whose secret is `secretKey` (64 hex digits; surrounding whitespace, such as a key file's
 * last newline, is ignored): how a node reads back the key file it was given. Anything else is a
 * ProtocolParamError of `op` on `param` that says what is wrong without repeating the text, which may be
 * a secret with one digit missing.
 */
export function keyFromSecret(secretKey: string, op = 'keyFromSecret', param = 'secretKey'): NodeKey {
  const hex: string = secretKey.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    const found = /^[0-9a-f]*$/.test(hex) ? `${hex.length} hex digits` : `${hex.length} characters, not all hex digits`;
    throw new ProtocolParamError(op, param, `must be a 32-byte Ed25519 secret key as 64 hex digits, and holds ${found}`);
  }
  return fromSecret(hexToBytes(hex));
}

/** A fresh key from the platform's cryptographic random source. */
export function randomKey(): NodeKey {
  return fromSecret(ed25519.utils.randomSecretKey());
}

/** Ed25519 signature (64 bytes, hex) of `message` under `key`. Deterministic (RFC 8032 §5.1.6). */
export function signBytes(key: NodeKey, message: Uint8Array): string {
  return bytesToHex(nodeSign(null, message, privateKeyObject(key.secretKey)));
}

// DER prefixes that wrap a raw 32-byte Ed25519 key as PKCS#8 / SPKI (RFC 8410 §7, §4).
const PKCS8_PREFIX = '302e020100300506032b657004220420';
const SPKI_PREFIX = '302a300506032b6570032100';
const privateKeys = new Map<string, KeyObject>();
/** Per public key: its OpenSSL key object if noble's strict decoding accepts it, else null. */
const publicKeys = new Map<string, KeyObject | null>();
const MAX_CACHED_KEYS = 4096;

function cached<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    if (map.size >= MAX_CACHED_KEYS) map.clear();
    v = make();
    map.set(key, v);
  }
  return v;
}

function privateKeyObject(secretKey: string): KeyObject {
  return cached(privateKeys, secretKey, () => createPrivateKey({ key: Buffer.from(PKCS8_PREFIX + secretKey, 'hex'), format: 'der', type: 'pkcs8' }));
}

function strictPublicKeyObject(publicKey: string): KeyObject | null {
  return cached(publicKeys, publicKey, () => {
    try {
      if (ed25519.Point.fromHex(publicKey, false).isSmallOrder()) return null;
      return createPublicKey({ key: Buffer.from(SPKI_PREFIX + publicKey, 'hex'), format: 'der', type: 'spki' });
    } catch {
      return null;
    }
  });
}

/** The group order L (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** S, the second half of a signature, read little-endian. */
function scalarS(sig: Uint8Array): bigint {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
  return s;
}

/**
 * True iff `signature` is a valid strict-RFC 8032 signature of `message` by `publicKey`. Inputs that are
 * not 32/64-byte lowercase hex, or a key that is not a curve point, give false, never an exception.
 */
export function verifyBytes(publicKey: string, signature: string, message: Uint8Array): boolean {
  if (!isHex(publicKey, 32) || !isHex(signature, 64)) return false;
  const sig = hexToBytes(signature);
  const fast = strictPublicKeyObject(publicKey);
  if (fast !== null && scalarS(sig) < L && nodeVerify(null, message, fast, sig)) return true;
  try {
    return ed25519.verify(sig, message, hexToBytes(publicKey), { zip215: false });
  } catch {
    return false;
  }
}

/** 32 random bytes as hex: nonces, request ids and challenge secrets. */
export function randomHex32(): string {
  return bytesToHex(randomBytes(32));
}

/** SHA-256 of the concatenation of `parts` (strings as UTF-8), as lowercase hex. */
export function sha256Hex(...parts: (Uint8Array | string)[]): string {
  return bytesToHex(sha256(concatBytes(...parts.map((p) => (typeof p === 'string' ? utf8ToBytes(p) : p)))));
}
