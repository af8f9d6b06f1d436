/**
 * spML signed messages (paper §3.2 steps 1–8): types, canonical encoding and signing, verification.
 */
export * from './types.js';
export { signMessage, signingBytes, messageDigest, inputHash, outputHashOf, requestDigest, toGenerateOptions } from './encode.js';
export { checkShape } from './schema.js';
export { MessageVerifier, type VerifierOptions } from './verifier.js';
