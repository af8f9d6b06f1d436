/**
 * How the roles of an spML round talk (paper §3.2: user, servers as asserter or validator, the
 * dispute board): one call to one server node, by name, with a JSON body and a time limit. The
 * round (protocol/live/round.ts) sees only this interface, so the same round runs over the
 * in-process transport (in_process.ts) in tests and over HTTP between processes (http/client.ts)
 * in a devnet.
 *
 * Bodies and replies are plain JSON values (no bigint, no typed array): what one transport can carry,
 * every transport can. A node that refuses a message answers with the MessageRejected it threw, which
 * reaches the caller as that same typed error; anything else that goes wrong on the way is one
 * TransportError saying which node, which call and what happened.
 */
import { SpmlError } from '../../engine/errors.js';

/** The calls a server node answers; their bodies and replies are in rpc.ts. */
export const NODE_METHODS = ['info', 'infer', 'attest', 'open', 'reveal', 'judge'] as const;
export type NodeMethod = (typeof NODE_METHODS)[number];

export interface CallOptions {
  /** Give up after this many milliseconds (TransportError 'timeout'). */
  readonly timeoutMs: number;
}

export interface Transport {
  /** Calls `method` on node `to` and returns its JSON reply. */
  call(to: string, method: NodeMethod, body: unknown, options: CallOptions): Promise<unknown>;
}

/** What a node runs for each call it receives (protocol/live/server_node.ts implements it). */
export type NodeHandler = (method: NodeMethod, body: unknown) => Promise<unknown>;

/**
 * Why a call brought no reply:
 * - timeout: no reply within the call's time limit;
 * - unreachable: no node answers at that address (not running, connection refused or reset);
 * - dropped: the message was lost on the way (fault injection, faults.ts);
 * - remote: the node answered with an error other than a refused message;
 * - bad-reply: the reply was not JSON, or not the shape the call returns.
 */
export type TransportFailure = 'timeout' | 'unreachable' | 'dropped' | 'remote' | 'bad-reply';

export class TransportError extends SpmlError {
  readonly failure: TransportFailure;
  readonly node: string;
  readonly method: NodeMethod;

  constructor(failure: TransportFailure, node: string, method: NodeMethod, message: string) {
    super('TRANSPORT', `${method}@${node}`, `${failure}: ${message}`);
    this.failure = failure;
    this.node = node;
    this.method = method;
  }
}
