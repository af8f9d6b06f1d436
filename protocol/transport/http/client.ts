/**
 * The transport of transport.ts over HTTP, to nodes served by http/server.ts in other processes:
 * a registry from node id to base URL, one fetch per call (keep-alive, undici's default, so a round's
 * calls to one node reuse its connection), and every way a call can fail mapped to one typed error:
 *
 *   no reply within timeoutMs                  TransportError 'timeout'
 *   unknown id, connection refused or reset    TransportError 'unreachable'
 *   400 carrying a MessageRejected             that MessageRejected (reason, field, message kept)
 *   any other error status                     TransportError 'remote', with the node's error
 *   a reply that is not JSON                   TransportError 'bad-reply'
 */
import { TransportError, type CallOptions, type NodeMethod, type Transport } from '../transport.js';
import { describeWireError, rejectionFromWire, toJsonText } from '../wire.js';

export class HttpTransport implements Transport {
  private readonly urls = new Map<string, string>();

  /** Calls to `id` go to `url` (http://host:port, as serveHttp reports it). */
  set(id: string, url: string): this {
    this.urls.set(id, url.replace(/\/+$/, ''));
    return this;
  }

  /** Forgets `id`: calls to it are then 'unreachable'. */
  delete(id: string): boolean {
    return this.urls.delete(id);
  }

  async call(to: string, method: NodeMethod, body: unknown, options: CallOptions): Promise<unknown> {
    const base = this.urls.get(to);
    const fail = (failure: ConstructorParameters<typeof TransportError>[0], message: string) => new TransportError(failure, to, method, message);
    if (base === undefined) throw fail('unreachable', `no address is known for node '${to}'`);
    const text = toJsonText(`call ${method}@${to}`, 'body', body);
    // One signal for the whole call, the reply's body included: a node that stalls half-way is late too.
    const signal = AbortSignal.timeout(options.timeoutMs);
    let status: number;
    let replyText: string;
    try {
      const res = await fetch(`${base}/spml/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text, signal });
      status = res.status;
      replyText = await res.text();
    } catch (e) {
      if (signal.aborted) throw fail('timeout', `no reply within ${options.timeoutMs} ms from ${base}`);
      throw fail('unreachable', `${base}: ${networkCause(e)}`);
    }
    let reply: unknown;
    try {
      reply = JSON.parse(replyText);
    } catch {
      throw fail('bad-reply', `HTTP ${status}, and the reply is not JSON: ${JSON.stringify(replyText.slice(0, 80))}`);
    }
    if (status === 200) return reply;
    const error = typeof reply === 'object' && reply !== null ? (reply as { error?: unknown }).error : undefined;
    if (status === 400) {
      const rejected = rejectionFromWire(error);
      if (rejected) throw rejected;
    }
    throw fail('remote', `HTTP ${status}: ${describeWireError(error)}`);
  }
}

/** What went wrong on the network, from fetch's TypeError and its cause (ECONNREFUSED, ECONNRESET, …). */
function networkCause(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? ` (${cause.message})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}
