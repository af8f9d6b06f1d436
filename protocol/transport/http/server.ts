/**
 * A server node's calls (transport.ts NODE_METHODS, rpc.ts) over HTTP/1.1 with node:http, so that
 * the roles of an spML round (paper §3.2) can run in processes of their own; http/client.ts is the
 * other end. With a language model it also answers the OpenAI completions API (openai.ts), so
 * existing OpenAI clients can use a node, as llama.cpp's server does.
 *
 *   POST /spml/<method>   JSON body → 200 JSON reply
 *                         400 { error: WireError }   the node refused (MessageRejected, ProtocolParamError, …)
 *                         400 bad JSON, 404 no such method, 413 body over the limit, 500 a fault in the node
 *   GET  /health          → the node's info (NodeInfo)
 *   POST /v1/completions, GET /v1/models   with a model: openai.ts
 *
 * It listens on 127.0.0.1 unless told otherwise: a node's calls are not for the open internet
 * without a proxy that adds TLS. close() stops taking connections, lets the calls in progress
 * finish (up to a grace period) and closes idle keep-alive connections at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpmlModel } from '../../../engine/api.js';
import { SpmlError } from '../../../engine/errors.js';
import { MessageRejected } from '../../errors.js';
import { NODE_METHODS, type NodeHandler, type NodeMethod } from '../transport.js';
import { errorToWire } from '../wire.js';
import { CompletionsApi, openAIErrorReply } from './openai.js';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface HttpServeOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: the system picks a free port (the bound one is in the result's url). */
  readonly port?: number;
  /** Larger request bodies are refused with 413 (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /** With a language model (the node's), also serve the OpenAI completions API on it. */
  readonly model?: SpmlModel;
  /** How long close() lets calls in progress run before it cuts them (default 5 000 ms). */
  readonly closeGraceMs?: number;
  /** Told of every request answered, for a log. */
  readonly onRequest?: (event: HttpRequestEvent) => void;
}

export interface HttpRequestEvent {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
}

export interface HttpNodeServer {
  /** The bound address, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Stops the server; resolves once every connection is closed. */
  close(): Promise<void>;
}

/** A reply: its status and the value sent as its JSON body. */
interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

const SPML_PREFIX = '/spml/';

const problem = (status: number, name: string, message: string, headers?: Record<string, string>): Reply => ({ status, body: { error: { name, message } }, ...(headers ? { headers } : {}) });

/** Serves `handler` over HTTP; resolves once it listens. */
export async function serveHttp(handler: NodeHandler, options: HttpServeOptions = {}): Promise<HttpNodeServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const completions = options.model ? new CompletionsApi(options.model, handler) : undefined;

  const route = async (req: IncomingMessage, path: string): Promise<Reply> => {
    const verb = req.method ?? 'GET';
    const only = (allowed: string, run: () => Promise<Reply>) =>
      verb === allowed ? run() : Promise.resolve(problem(405, 'MethodNotAllowed', `${path} takes ${allowed}, not ${verb}`, { allow: allowed }));
    if (path === '/health') return only('GET', async () => ({ status: 200, body: await handler('info', null) }));
    if (path.startsWith(SPML_PREFIX)) {
      const method = path.slice(SPML_PREFIX.length);
      if (!(NODE_METHODS as readonly string[]).includes(method)) return problem(404, 'NotFound', `no node method '${method}': one of ${NODE_METHODS.join(', ')}`);
      return only('POST', () => withBody(req, maxBodyBytes, (body) => call(handler, method as NodeMethod, body)));
    }
    if (completions && path === '/v1/models') return only('GET', async () => ({ status: 200, body: completions.models() }));
    if (completions && path === '/v1/completions') {
      return only('POST', () =>
        withBody(req, maxBodyBytes, async (body) => {
          try {
            return { status: 200, body: await completions.complete(body) };
          } catch (e) {
            return openAIErrorReply(e);
          }
        }),
      );
    }
    return problem(404, 'NotFound', `no route ${verb} ${path}`);
  };

  let closing: Promise<void> | undefined;
  const server = createServer((req, res) => {
    const started = performance.now();
    const path = new URL(req.url ?? '/', 'http://node').pathname;
    route(req, path)
      .catch((e: unknown) => problem(500, 'InternalError', e instanceof Error ? e.message : String(e)))
      .then((reply) => {
        // Once closing, a keep-alive connection would outlive its last call: end it with the reply.
        const status = send(res, closing ? { ...reply, headers: { ...reply.headers, connection: 'close' } } : reply);
        options.onRequest?.({ method: req.method ?? '', path, status, ms: performance.now() - started });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), options.closeGraceMs ?? 5_000);
        server.close(() => {
          clearTimeout(cut);
          resolve();
        });
        server.closeIdleConnections();
      })),
  };
}

/** The node's answer to one call, or its error as the reply carries it. */
async function call(handler: NodeHandler, method: NodeMethod, body: unknown): Promise<Reply> {
  try {
    return { status: 200, body: (await handler(method, body)) ?? null };
  } catch (e) {
    // A refusal of what was sent (a signed message, a parameter) is the caller's to fix: 400.
    // A node that could not reach another node is a gateway's failure: 502. Anything else is a fault here.
    const status = e instanceof MessageRejected || (e instanceof SpmlError && e.code !== 'TRANSPORT') ? 400 : e instanceof SpmlError ? 502 : 500;
    return { status, body: { error: errorToWire(e) } };
  }
}

/** Reads the request body as JSON (an empty body is null) and runs `then` on it. */
async function withBody(req: IncomingMessage, limit: number, then: (body: unknown) => Promise<Reply>): Promise<Reply> {
  const text = await readBody(req, limit);
  if (text === undefined) return problem(413, 'PayloadTooLarge', `the body is over the limit of ${limit} bytes`, { connection: 'close' });
  let body: unknown = null;
  try {
    if (text.trim() !== '') body = JSON.parse(text);
  } catch (e) {
    return problem(400, 'BadRequest', `the body is not JSON: ${(e as Error).message}`);
  }
  return then(body);
}

/** The body as UTF-8 text, or undefined once it is over `limit` bytes (the rest is read and dropped). */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let over = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Sends `reply` as JSON; a reply that is no JSON value (a bigint in it, say) is the node's fault: 500. */
function send(res: ServerResponse, reply: Reply): number {
  if (res.headersSent || res.destroyed) return reply.status;
  let text: string;
  try {
    text = JSON.stringify(reply.body);
  } catch (e) {
    return send(res, problem(500, 'InternalError', `the node's reply is not JSON (${(e as Error).message})`));
  }
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...reply.headers });
  res.end(text);
  return reply.status;
}
