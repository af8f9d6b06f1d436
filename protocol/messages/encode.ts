/**
 * Canonical bytes, digests and signing for spML messages (paper §3.1 "Off-chain Operations", §3.2).
 *
 * A message is signed over `"spml/v1/signed\n" ‖ canonicalJson(message without signature)`, with the
 * engine's canonical JSON (engine/format/canonical_json.ts: sorted keys, no whitespace), so that every
 * node derives the same bytes from the same fields. The domain tag is one of those fields, so a signature
 * binds the message type; the fixed prefix keeps these bytes apart from anything else a key might sign.
 */
import { canonicalJson } from '../../engine/format/canonical_json.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256Hex, signBytes, type NodeKey } from '../crypto.js';
import type { GenerateOptions } from '../../engine/api.js';
import { bytesToHex, hashData } from '../../engine/hash.js';
import type { Domain, InferenceInput, InferenceOutput, InferenceRequest, MessageByDomain, SignedMessage, Unsigned } from './types.js';

const SIGNED_PREFIX = 'spml/v1/signed\n';

/** The bytes a message's signature covers: every field except `signature`. */
export function signingBytes(msg: Unsigned<SignedMessage> & { readonly signer: string }): Uint8Array {
  const { signature: _omit, ...body } = msg as SignedMessage;
  return utf8ToBytes(SIGNED_PREFIX + canonicalJson(body));
}

/** Sign `body` with `key`: fills in `signer` (the key's public key) and `signature`. */
export function signMessage<D extends Domain>(key: NodeKey, body: Unsigned<MessageByDomain[D]> & { readonly domain: D }): MessageByDomain[D] {
  const unsigned = { ...body, signer: key.publicKey } as Unsigned<MessageByDomain[D]> & { signer: string };
  return { ...unsigned, signature: signBytes(key, signingBytes(unsigned)) } as unknown as MessageByDomain[D];
}

/** SHA-256 naming one signed message (signature included): what later messages point back to. */
export function messageDigest(msg: SignedMessage): string {
  return sha256Hex('spml/v1/message\n', canonicalJson(msg));
}

/** SHA-256 of an input, as carried in every message's `inputHash`. */
export function inputHash(input: InferenceInput): string {
  return sha256Hex('spml/v1/input\n', canonicalJson(input));
}

/**
 * The engine's output hash of a delivered output (engine/NUMERICS.md §2.1: SHA-256 of its canonical bytes
 * as an int32 tensor), computed by the engine's own hashData: what a response's outputHash must be.
 */
export function outputHashOf(output: InferenceOutput): string {
  return bytesToHex(hashData('int32', output.shape, Int32Array.from(output.data)));
}

/**
 * SHA-256 of what a request asks, leaving out who it is addressed to and its transport fields (server,
 * nonce, expiry, signature). A and B receive requests with the same digest exactly when the user sent
 * both the same model, input, options, seed and commitment — the question arbitration asks (§3.2 step 7).
 */
export function requestDigest(req: InferenceRequest): string {
  const { server: _s, nonce: _n, expiry: _e, signature: _sig, domain: _d, ...core } = req;
  return sha256Hex('spml/v1/request-core\n', canonicalJson(core));
}

/** The engine's generate() options for a request: its options plus its seed. */
export function toGenerateOptions(req: InferenceRequest): GenerateOptions {
  return { ...req.options, seed: BigInt(req.seed) };
}
