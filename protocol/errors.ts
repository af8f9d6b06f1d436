/**
 * Typed errors for the spML protocol layer (paper §2.1 PoSP, §3.2 spML).
 *
 * Every protocol check that refuses something throws one of these, so that a node can both log a
 * useful message and branch on `reason` (messages) or `code` without parsing text.
 */

import { SpmlError } from '../engine/errors.js';

/**
 * Why a signed message (or a challenge reveal) was refused.
 * - MALFORMED: a field is missing or has the wrong type or format (`field` names it).
 * - BAD_SIGNATURE: the signature does not verify over the canonical bytes.
 * - WRONG_SIGNER: the signature is valid but by a key other than the one the protocol requires.
 * - WRONG_DOMAIN: the domain-separation tag is not the one for this message type.
 * - EXPIRED: the message's expiry is at or before the verifier's clock.
 * - REPLAY: the (signer, nonce) pair or the request id was already seen for this role.
 * - WRONG_MODEL: the model hash is not the one the verifier serves / expects.
 * - WRONG_INPUT: the input hash does not match the input carried or expected.
 * - WRONG_OUTPUT: a response's output hash is not the hash of the output it carries.
 * - CROSS_REQUEST: the message is bound to a different request (id or digest) than the one at hand.
 * - BAD_REVEAL: a revealed challenge secret does not open the commitment.
 */
export type RejectionReason =
  | 'MALFORMED'
  | 'BAD_SIGNATURE'
  | 'WRONG_DOMAIN'
  | 'EXPIRED'
  | 'REPLAY'
  | 'WRONG_MODEL'
  | 'WRONG_INPUT'
  | 'WRONG_OUTPUT'
  | 'CROSS_REQUEST'
  | 'WRONG_SIGNER'
  | 'BAD_REVEAL';

/** A protocol message or reveal was refused; `field` names the offending field when there is one. */
export class MessageRejected extends SpmlError {
  readonly reason: RejectionReason;
  readonly field?: string;

  constructor(op: string, reason: RejectionReason, message: string, field?: string) {
    super('PROTOCOL', op, `${reason}${field === undefined ? '' : ` (field '${field}')`}: ${message}`);
    this.reason = reason;
    if (field !== undefined) this.field = field;
  }
}

/** A protocol or economics parameter is out of range; the message names it and the allowed range. */
export class ProtocolParamError extends SpmlError {
  readonly param: string;

  constructor(op: string, param: string, message: string) {
    super('PROTOCOL', op, `parameter '${param}': ${message}`);
    this.param = param;
  }
}

/** A ledger operation would break a rule: insufficient balance, locked stake, or conservation. */
export class LedgerError extends SpmlError {
  constructor(op: string, message: string) {
    super('LEDGER', op, message);
  }
}
