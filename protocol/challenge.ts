/**
 * The challenge draw of spML (paper §3.2 step 3, PoSP §2.1 step 2): "with a predetermined probability p"
 * the round is audited by a second server B. Commit-reveal makes the draw fair to A:
 *
 *   1. the user picks a 32-byte secret and sends A only commitment = H("spml/v1/commit" ‖ secret ‖ requestId);
 *   2. after A's signed response the user reveals the secret, and the network publishes the round's
 *      beacon; the round is challenged iff draw = H("spml/v1/draw" ‖ seed ‖ requestId), read as a
 *      256-bit big-endian integer, is below floor(p · 2^256), where seed = drawSeed(secret, requestId,
 *      A's response digest, beacon). No single party can grind the seed: the user commits before A
 *      signs, and both before the beacon (docs/PROTOCOL.md §3).
 *
 * The two hashes carry different domain tags on purpose: were the commitment the draw hash itself, A
 * could compare it with the public threshold and know at answer time whether it is audited — which is
 * exactly what the draw must hide (PoSP needs A to cheat only when it believes it is unobserved with
 * probability 1 − p). The secret is 32 random bytes, so the commitment hides it.
 *
 * The threshold is exact: p is a decimal (string or Decimal) turned into num/10^k and multiplied into
 * 2^256 with bigints, so p = 0 never challenges, p = 1 always does, and no float rounding moves the rate.
 */
import { Decimal } from 'decimal.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { isHex, randomHex32, sha256Hex } from './crypto.js';
import { MessageRejected, ProtocolParamError } from './errors.js';

const TWO_256 = 1n << 256n;

/** A fresh challenge secret: 32 random bytes as hex. */
export function newChallengeSecret(): string {
  return randomHex32();
}

function checkHex32(op: string, name: string, value: unknown): asserts value is string {
  if (!isHex(value, 32)) throw new MessageRejected(op, 'MALFORMED', `must be 32 bytes as 64 lowercase hex digits`, name);
}

/** The value the user publishes in its request before A answers: H("spml/v1/commit" ‖ secret ‖ requestId). */
export function challengeCommitment(secret: string, requestId: string): string {
  checkHex32('challengeCommitment', 'secret', secret);
  checkHex32('challengeCommitment', 'requestId', requestId);
  return sha256Hex('spml/v1/commit\n', hexToBytes(secret), hexToBytes(requestId));
}

/** The draw as a 256-bit integer: H("spml/v1/draw" ‖ secret ‖ requestId), big-endian. */
export function drawValue(secret: string, requestId: string): bigint {
  checkHex32('drawValue', 'secret', secret);
  checkHex32('drawValue', 'requestId', requestId);
  return BigInt('0x' + sha256Hex('spml/v1/draw\n', hexToBytes(secret), hexToBytes(requestId)));
}

/**
 * p as an exact fraction num / den with 0 ≤ num ≤ den. Throws ProtocolParamError naming `p` unless it is
 * a finite decimal in [0, 1].
 */
export function probabilityFraction(p: Decimal | string, op = 'challengeThreshold'): { num: bigint; den: bigint } {
  let d: Decimal;
  try {
    d = new Decimal(p);
  } catch {
    throw new ProtocolParamError(op, 'p', `'${String(p)}' is not a decimal number; give a probability in [0, 1]`);
  }
  if (!d.isFinite() || d.lt(0) || d.gt(1)) throw new ProtocolParamError(op, 'p', `${d.toString()} is outside [0, 1]`);
  // toFixed() with no argument writes every digit of the value in plain notation (no rounding).
  const [whole, frac = ''] = d.toFixed().split('.');
  return { num: BigInt(whole! + frac), den: 10n ** BigInt(frac.length) };
}

/** floor(p · 2^256), exactly: the round is challenged iff its draw is below this. */
export function challengeThreshold(p: Decimal | string): bigint {
  const { num, den } = probabilityFraction(p);
  return (num * TWO_256) / den;
}

/**
 * What a round's draw is made of (PoSP §2.1 step 2, spML §3.2 step 3), from three parties who each fix
 * their part before seeing the others': the user's secret (committed in its signed request before A
 * answers), A's signed response (its digest, as the user's reveal names it: unknown to the user when it
 * commits, since only A can sign it), and the round's beacon (published by the network after A's
 * response, so unknown to both when they commit or sign). docs/PROTOCOL.md §3 gives the argument.
 */
export interface DrawInputs {
  readonly secret: string;
  readonly requestId: string;
  /** messageDigest() of A's signed response; the reveal's `responseDigest`. */
  readonly responseDigest: string;
  /** The round's beacon value (network/beacon.ts roundBeacon in the in-process network). */
  readonly beacon: string;
}

/**
 * The round's draw seed: H("spml/v1/draw-seed" ‖ secret ‖ requestId ‖ responseDigest ‖ beacon). It takes
 * the place of the bare secret in the draw: the round is challenged iff isChallenged(drawSeed, requestId,
 * p), and validators are selected from selectionSeed(drawSeed, requestId). A user grinding its secret
 * before A answers cannot evaluate this, and neither can A grinding its response before the beacon.
 */
export function drawSeed(d: DrawInputs): string {
  for (const k of ['secret', 'requestId', 'responseDigest', 'beacon'] as const) checkHex32('drawSeed', k, d?.[k]);
  return sha256Hex('spml/v1/draw-seed\n', hexToBytes(d.secret), hexToBytes(d.requestId), hexToBytes(d.responseDigest), hexToBytes(d.beacon));
}

/** Whether the round is audited at p, from all three contributions: isChallenged(drawSeed(d), requestId, p). */
export function isRoundChallenged(d: DrawInputs, p: Decimal | string): boolean {
  return isChallenged(drawSeed(d), d.requestId, p);
}

/**
 * Arbitration's re-check of a round's draw: the secret must open the commitment A saw (else BAD_REVEAL),
 * and the draw is recomputed from the secret, A's response digest and the beacon. Returns whether the
 * round was challenged.
 */
export function verifyRoundDraw(commitment: string, d: DrawInputs, p: Decimal | string): boolean {
  checkHex32('verifyRoundDraw', 'commitment', commitment);
  if (challengeCommitment(d.secret, d.requestId) !== commitment) {
    throw new MessageRejected('verifyRoundDraw', 'BAD_REVEAL', `secret does not open commitment ${commitment.slice(0, 16)}… for request ${d.requestId.slice(0, 16)}…`, 'secret');
  }
  return isRoundChallenged(d, p);
}

/**
 * Whether the draw value of (secret, requestId) is below p·2^256. The network passes a round's drawSeed
 * as `secret` (isRoundChallenged); called on the user's bare secret it is the user-only derivation the
 * network no longer uses, since a user can grind it.
 */
export function isChallenged(secret: string, requestId: string, p: Decimal | string): boolean {
  return drawValue(secret, requestId) < challengeThreshold(p);
}

/**
 * The user-only re-check (superseded in the network by verifyRoundDraw): the revealed secret must open the commitment A saw,
 * else MessageRejected BAD_REVEAL (a user cannot claim a challenge it did not commit to). Returns whether
 * that round was challenged.
 */
export function verifyDraw(commitment: string, secret: string, requestId: string, p: Decimal | string): boolean {
  checkHex32('verifyDraw', 'commitment', commitment);
  if (challengeCommitment(secret, requestId) !== commitment) {
    throw new MessageRejected('verifyDraw', 'BAD_REVEAL', `secret does not open commitment ${commitment.slice(0, 16)}… for request ${requestId.slice(0, 16)}…`, 'secret');
  }
  return isChallenged(secret, requestId, p);
}
