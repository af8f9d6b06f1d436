/**
 * The challenge draw of spML (paper §3.2 step 3, PoSP §2.1 step 2): "with a predetermined probability p"
 * the round is audited by a second server B. Commit-reveal makes the draw fair to A:
 *
 *   1. the user picks a 32-byte secret and sends A only commitment = H("spml/v1/commit" ‖ secret ‖ requestId);
 *   2. after A's signed response the user reveals the secret; the round is challenged iff
 *      draw = H("spml/v1/draw" ‖ secret ‖ requestId), read as a 256-bit big-endian integer, is below
 *      floor(p · 2^256).
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

/** Whether the round (secret, requestId) is audited at challenge probability p. */
export function isChallenged(secret: string, requestId: string, p: Decimal | string): boolean {
  return drawValue(secret, requestId) < challengeThreshold(p);
}

/**
 * Arbitration's re-check of a draw (§3.2 steps 7–8): the revealed secret must open the commitment A saw,
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
