/**
 * The transport of transport.ts between nodes in one process (tests, the in-process devnet): a
 * map from node id to its handler. It behaves as a wire would, so what passes here passes over
 * HTTP (http/client.ts) too:
 * - the body and the reply are copied through JSON text, so a bigint, a typed array or a shared
 *   object cannot slip through, and neither side can mutate what the other holds;
 * - a node's MessageRejected reaches the caller rebuilt from its wire form (wire.ts), any other
 *   error as TransportError 'remote', an unknown node as 'unreachable', a late reply as 'timeout'.
 */
import { describeWireError, errorToWire, rejectionFromWire, toJsonText, type WireError } from './wire.js';
import { TransportError, type CallOptions, type NodeHandler, type NodeMethod, type Transport } from './transport.js';

export class InProcessTransport implements Transport {
  private readonly nodes = new Map<string, NodeHandler>();

  /** Makes `handler` answer calls to `id` (replacing any handler it had). */
  add(id: string, handler: NodeHandler): this {
    this.nodes.set(id, handler);
    return this;
  }

  /** Takes `id` off: calls to it are then 'unreachable', as to a stopped process. */
  remove(id: string): boolean {
    return this.nodes.delete(id);
  }

  async call(to: string, method: NodeMethod, body: unknown, options: CallOptions): Promise<unknown> {
    const text = toJsonText(`call ${method}@${to}`, 'body', body);
    const handler = this.nodes.get(to);
    if (!handler) throw new TransportError('unreachable', to, method, `no node '${to}' on this transport`);
    const late = () => new TransportError('timeout', to, method, `no reply within ${options.timeoutMs} ms`);
    const answer = await withTimeout(answerOf(handler, method, JSON.parse(text) as unknown), options.timeoutMs, late);
    switch (answer.kind) {
      case 'reply':
        return JSON.parse(answer.text) as unknown;
      case 'error':
        throw rejectionFromWire(answer.error) ?? new TransportError('remote', to, method, describeWireError(answer.error));
      case 'not-json':
        throw new TransportError('bad-reply', to, method, answer.why);
    }
  }
}

type Answer = { kind: 'reply'; text: string } | { kind: 'error'; error: WireError } | { kind: 'not-json'; why: string };

/** The handler's reply as JSON text, or its error in wire form: what a server would send back. */
async function answerOf(handler: NodeHandler, method: NodeMethod, body: unknown): Promise<Answer> {
  let reply: unknown;
  try {
    // A turn of the event loop first, as on a wire: the caller never runs inside the callee's stack.
    await Promise.resolve();
    reply = await handler(method, body);
  } catch (e) {
    return { kind: 'error', error: JSON.parse(JSON.stringify(errorToWire(e))) as WireError };
  }
  try {
    return { kind: 'reply', text: JSON.stringify(reply ?? null) };
  } catch (e) {
    return { kind: 'not-json', why: `the reply is not JSON (${(e as Error).message})` };
  }
}

/** `work`, or the error `late()` makes if it has not settled within `ms` milliseconds. */
function withTimeout<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
