/**
 * Every step of a live round has a deadline (milliseconds from the step's start), after which the
 * party that owes the step is silent and the default verdict of protocol/settlement.ts applies. Within
 * its deadline a step is retried: a lost message or a node that is restarting costs time, not the
 * round. A node that refuses the message (MessageRejected) or answers with an error has answered, and
 * is not retried.
 */
import { ProtocolParamError } from '../errors.js';
import { TransportError, type NodeMethod, type Transport } from '../transport/transport.js';

export interface Deadlines {
  /** A server's signed response to an inference request (steps 2 and 5). */
  readonly response: number;
  /** A disputed server's input attestation, its trace and its reveals (step 7 and arbitration). */
  readonly attestation: number;
  /** Every voter's signed vote (step 8). */
  readonly vote: number;
  /** Longest single try; a try that times out is retried while the deadline allows. */
  readonly perCall: number;
  /** Pause between tries. */
  readonly retry: number;
}

export const DEFAULT_DEADLINES: Deadlines = { response: 30_000, attestation: 60_000, vote: 60_000, perCall: 10_000, retry: 100 };

export function checkDeadlines(op: string, d: Partial<Deadlines> | undefined): Deadlines {
  const out = { ...DEFAULT_DEADLINES, ...d };
  for (const [k, v] of Object.entries(out))
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ProtocolParamError(op, `deadlines.${k}`, `must be a positive number of milliseconds, got ${String(v)}`);
  return out;
}

/** What a step got: the reply, or silence with the last failure seen; and how many tries failed on the way. */
export type Attempt<T> = ({ readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: TransportError }) & { readonly failedTries: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `method` on `node` until a reply or until `deadlineMs` from now. Timeouts, unreachable nodes and
 * dropped messages are retried; an error reply ends the step; a MessageRejected is thrown to the caller.
 */
export async function callUntil<T>(transport: Transport, node: string, method: NodeMethod, body: unknown, deadlineMs: number, d: Deadlines): Promise<Attempt<T>> {
  const end = Date.now() + deadlineMs;
  let last: TransportError | undefined;
  let failedTries = 0;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return { ok: false, failure: last ?? new TransportError('timeout', node, method, `no reply within ${deadlineMs} ms`), failedTries };
    try {
      return { ok: true, value: (await transport.call(node, method, body, { timeoutMs: Math.min(d.perCall, left) })) as T, failedTries };
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      failedTries++;
      if (e.failure === 'remote' || e.failure === 'bad-reply') return { ok: false, failure: e, failedTries };
      last = e;
    }
    await sleep(Math.min(d.retry, Math.max(0, end - Date.now())));
  }
}
