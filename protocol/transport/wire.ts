/**
 * What every transport (transport.ts) does the same way: carry a body and a reply as JSON text,
 * and carry a node's refusal of a signed message (MessageRejected, paper §3.2: each party checks
 * what it receives) back to the caller as that same typed error, reason and field included.
 *
 * The in-process transport goes through these functions too, so a body, reply or error that
 * works in a test works between processes.
 */
import { SpmlError } from '../../engine/errors.js';
import { MessageRejected, ProtocolParamError, type RejectionReason } from '../errors.js';

/** An error as it travels in a reply: `{ error: WireError }`. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The SpmlError code (PROTOCOL, PARAM, …), for a typed error. */
  readonly code?: string;
  /** The op that refused, for a typed error: with it the refusal is rebuilt with the same message. */
  readonly op?: string;
  /** A MessageRejected's reason and field. */
  readonly reason?: RejectionReason;
  readonly field?: string;
  /** A ProtocolParamError's parameter. */
  readonly param?: string;
}

// A record, not a list, so that a reason added to RejectionReason without one here fails to compile.
const REASONS: Record<RejectionReason, true> = {
  MALFORMED: true,
  BAD_SIGNATURE: true,
  WRONG_DOMAIN: true,
  EXPIRED: true,
  REPLAY: true,
  WRONG_MODEL: true,
  WRONG_INPUT: true,
  WRONG_OUTPUT: true,
  CROSS_REQUEST: true,
  WRONG_SIGNER: true,
  BAD_REVEAL: true,
};

/** JSON text of a body (undefined is sent as null); ProtocolParamError when it is no JSON value. */
export function toJsonText(op: string, field: string, value: unknown): string {
  try {
    return JSON.stringify(value ?? null);
  } catch (e) {
    // A bigint, a cycle: the value cannot cross a wire, so it must not cross in-process either.
    throw new ProtocolParamError(op, field, `is not a JSON value (${(e as Error).message})`);
  }
}

/** An error thrown by a node's handler, as its reply carries it. */
export function errorToWire(e: unknown): WireError {
  if (e instanceof MessageRejected) return { name: 'MessageRejected', message: e.message, code: e.code, op: e.op, reason: e.reason, ...(e.field === undefined ? {} : { field: e.field }) };
  if (e instanceof ProtocolParamError) return { name: e.name, message: e.message, code: e.code, op: e.op, param: e.param };
  if (e instanceof SpmlError) return { name: e.name, message: e.message, code: e.code, op: e.op };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/**
 * The MessageRejected a reply's error stands for, with the sender's reason, field and message; undefined
 * for any other error (the caller reports those as a TransportError 'remote').
 */
export function rejectionFromWire(error: unknown): MessageRejected | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const w = error as Partial<Record<keyof WireError, unknown>>;
  if (w.name !== 'MessageRejected' || typeof w.reason !== 'string' || !Object.hasOwn(REASONS, w.reason) || typeof w.message !== 'string') return undefined;
  const reason = w.reason as RejectionReason;
  const field = typeof w.field === 'string' ? w.field : undefined;
  const op = typeof w.op === 'string' ? w.op : 'remote';
  // MessageRejected writes `op: REASON (field 'f'): what`; take `what` back out so the rebuilt error
  // has the sender's message exactly. A sender that wrote it otherwise keeps its whole text as `what`.
  const prefix = `${op}: ${reason}${field === undefined ? '' : ` (field '${field}')`}: `;
  const what = w.message.startsWith(prefix) ? w.message.slice(prefix.length) : w.message;
  return new MessageRejected(op, reason, what, field);
}

/** One line saying what a remote error was, for a TransportError 'remote'. */
export function describeWireError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'an error without a description';
  const { name, message } = error as { name?: unknown; message?: unknown };
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : '(no message)'}`;
}
