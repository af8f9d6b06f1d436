/**
 * protocol/transport/http: a node's calls between processes (server.ts, client.ts) and the OpenAI
 * completions endpoint (openai.ts), over real sockets on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import type { SpmlModel } from '../../engine/api.js';
import { challengeCommitment } from '../../protocol/challenge.js';
import { keyFromSeed, randomHex32 } from '../../protocol/crypto.js';
import { MessageRejected, ProtocolParamError } from '../../protocol/errors.js';
import { ModelStore, runInference } from '../../protocol/inference.js';
import { inputHash, outputHashOf, signMessage } from '../../protocol/messages/encode.js';
import { DOMAINS, type GenerationOptions, type InferenceRequest, type InferenceResponse } from '../../protocol/messages/types.js';
import { ServerNode } from '../../protocol/live/server_node.js';
import { HttpTransport } from '../../protocol/transport/http/client.js';
import { DEFAULT_MAX_BODY_BYTES, serveHttp, type HttpNodeServer } from '../../protocol/transport/http/server.js';
import { NODE_METHODS, type NodeHandler } from '../../protocol/transport/transport.js';
import { transportError } from './transport_fixtures.js';

const T = { timeoutMs: 5_000 };
const INFO = { id: 'echo', publicKey: 'ab'.repeat(32), networkId: 'spml-test', modelHash: 'cd'.repeat(32) };
const REFUSAL = new MessageRejected('verifyRequest', 'EXPIRED', 'expiry 5 is at or before now', 'expiry');

/** A node that echoes each call, and fails on request in every way a node can. */
const echo: NodeHandler = async (method, body) => {
  const what = (body as { do?: string } | null)?.do;
  if (what === 'reject') throw REFUSAL;
  if (what === 'param') throw new ProtocolParamError('node.open', 'requestId', 'this node served no request');
  if (what === 'crash') throw new Error('disk full');
  if (what === 'sleep') await new Promise((r) => setTimeout(r, 1_000));
  return method === 'info' ? INFO : { method, body };
};

const post = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(url, { method: 'POST', body, headers });

describe('HTTP transport: server.ts and client.ts', () => {
  let server: HttpNodeServer;
  const transport = new HttpTransport();
  beforeAll(async () => {
    server = await serveHttp(echo, { maxBodyBytes: 4096 });
    transport.set('echo', server.url);
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 on a port of its own choosing', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers every node method with the JSON reply of the handler', async () => {
    for (const method of NODE_METHODS) {
      const body = { requestId: '01'.repeat(32), index: 3 };
      expect(await transport.call('echo', method, body, T)).toEqual(method === 'info' ? INFO : { method, body });
    }
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual(INFO);
  });

  it('a MessageRejected crosses the wire with its reason, field, op and message', async () => {
    const e = await transport.call('echo', 'infer', { do: 'reject' }, T).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MessageRejected);
    const r = e as MessageRejected;
    expect([r.reason, r.field, r.op, r.message]).toEqual([REFUSAL.reason, REFUSAL.field, REFUSAL.op, REFUSAL.message]);
    // On the wire it is a 400 with the error named.
    const res = await post(`${server.url}/spml/infer`, JSON.stringify({ do: 'reject' }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ name: 'MessageRejected', reason: 'EXPIRED', field: 'expiry', message: REFUSAL.message });
  });

  it('other errors of the node are remote: a typed one as 400 with its code, a fault as 500', async () => {
    const param = await transportError(transport.call('echo', 'open', { do: 'param' }, T));
    expect(param.failure).toBe('remote');
    expect(param.message).toContain("HTTP 400: ProtocolParamError: node.open: parameter 'requestId'");
    const res = await post(`${server.url}/spml/open`, JSON.stringify({ do: 'param' }));
    expect(await res.json()).toEqual({ error: { name: 'ProtocolParamError', code: 'PROTOCOL', op: 'node.open', param: 'requestId', message: "node.open: parameter 'requestId': this node served no request" } });
    const crash = await transportError(transport.call('echo', 'open', { do: 'crash' }, T));
    expect(crash.failure).toBe('remote');
    expect(crash.message).toContain('HTTP 500: Error: disk full');
  });

  it('a node that does not answer in time is a timeout', async () => {
    const e = await transportError(transport.call('echo', 'judge', { do: 'sleep' }, { timeoutMs: 50 }));
    expect(e.failure).toBe('timeout');
    expect([e.node, e.method]).toEqual(['echo', 'judge']);
  });

  it('refuses bad JSON (400), unknown paths and methods (404), a wrong verb (405) and a body over the limit (413)', async () => {
    const bad = await post(`${server.url}/spml/info`, '{"oops"');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { name: string } }).error.name).toBe('BadRequest');
    expect((await post(`${server.url}/spml/steal`, '{}')).status).toBe(404);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    // Without a model, the OpenAI routes are not there.
    expect((await post(`${server.url}/v1/completions`, '{}')).status).toBe(404);
    const wrongVerb = await fetch(`${server.url}/spml/info`);
    expect([wrongVerb.status, wrongVerb.headers.get('allow')]).toEqual([405, 'POST']);
    const big = await post(`${server.url}/spml/infer`, JSON.stringify({ pad: 'x'.repeat(5000) }));
    expect(big.status).toBe(413);
    // Through the transport, a refused body is the node's error.
    expect((await transportError(transport.call('echo', 'infer', { pad: 'x'.repeat(5000) }, T))).message).toContain('HTTP 413');
    // The server still serves after all of that.
    expect(await transport.call('echo', 'info', null, T)).toEqual(INFO);
  });

  it('a reply that is not JSON is bad-reply', async () => {
    const liar = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('fine, thanks'));
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const t = new HttpTransport().set('liar', `http://127.0.0.1:${(liar.address() as AddressInfo).port}/`);
    const e = await transportError(t.call('liar', 'info', null, T));
    expect(e.failure).toBe('bad-reply');
    await new Promise((r) => liar.close(r));
  });

  it('close() lets a call in progress finish, then refuses new ones', async () => {
    const node = await serveHttp(echo);
    const t = new HttpTransport().set('n', node.url);
    const inFlight = t.call('n', 'open', { do: 'sleep' }, T);
    await new Promise((r) => setTimeout(r, 100));
    await node.close();
    expect(await inFlight).toEqual({ method: 'open', body: { do: 'sleep' } });
    expect((await transportError(t.call('n', 'info', null, T))).failure).toBe('unreachable');
  });

  it('refuses a body over 16 MiB by default', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(16 * 1024 * 1024);
    const node = await serveHttp(echo);
    const res = await post(`${node.url}/spml/infer`, JSON.stringify({ pad: 'x'.repeat(DEFAULT_MAX_BODY_BYTES) }));
    expect(res.status).toBe(413);
    await node.close();
  });

  it('an unknown node, and a node after close, are unreachable', async () => {
    expect((await transportError(transport.call('nobody', 'info', null, T))).failure).toBe('unreachable');
    const short = await serveHttp(echo);
    const t = new HttpTransport().set('short', short.url);
    expect(await t.call('short', 'info', null, T)).toEqual(INFO);
    await short.close();
    const e = await transportError(t.call('short', 'info', null, T));
    expect(e.failure).toBe('unreachable');
    expect(e.message).toMatch(/ECONNREFUSED|ECONNRESET|socket/i);
  });
});

describe('OpenAI completions on a server node', () => {
  const NET = 'spml-test';
  const serverKey = keyFromSeed('http-node');
  const user = keyFromSeed('http-user');
  let model: SpmlModel;
  let server: HttpNodeServer;
  beforeAll(async () => {
    model = await new ModelStore().load('moby-gpt');
    const node = new ServerNode({ id: 'node-1', key: serverKey, networkId: NET, model });
    server = await serveHttp(node.handle, { model });
  });
  afterAll(() => server?.close());

  const complete = async (body: unknown) => {
    const res = await post(`${server.url}/v1/completions`, JSON.stringify(body));
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  function signedRequest(prompt: string, options: GenerationOptions, seed: string): InferenceRequest {
    const requestId = randomHex32();
    const input = { kind: 'text', prompt } as const;
    return signMessage<typeof DOMAINS.request>(user, {
      domain: DOMAINS.request,
      networkId: NET,
      modelHash: model.hash,
      inputHash: inputHash(input),
      seed,
      requestId,
      nonce: randomHex32(),
      expiry: Date.now() + 60_000,
      server: serverKey.publicKey,
      input,
      options,
      commitment: challengeCommitment(randomHex32(), requestId),
    });
  }

  it('a plain OpenAI body gets text, usage and the hashes of the same run made directly', async () => {
    const prompt = 'Call me Ishmael.';
    const { status, body } = await complete({ model: 'moby-gpt', prompt, max_tokens: 8, temperature: 0.8, seed: 7, top_p: 0.9 });
    expect(status).toBe(200);
    const direct = await runInference(model, { kind: 'text', prompt }, { maxTokens: 8, temperature: 0.8, topP: 0.9 }, 7n);
    const text = model.task === 'generate' ? model.runtime.tokenizer.decode(direct.outputTensor.data) : '';
    expect(text.length).toBeGreaterThan(0);
    expect(body).toMatchObject({
      object: 'text_completion',
      model: model.name,
      choices: [{ text, index: 0, finish_reason: 'length', logprobs: null }],
      usage: { prompt_tokens: prompt.length, completion_tokens: 8, total_tokens: prompt.length + 8 },
      spml: { output_hash: direct.outputHash, trace_root: direct.traceRoot, model_hash: model.hash, input_hash: direct.inputHash, seed: '7' },
    });
    expect(body.id).toMatch(/^cmpl-[0-9a-f]{24}$/);
    expect(body.spml).not.toHaveProperty('response');
    // Another seed samples another run.
    const other = await complete({ prompt, max_tokens: 8, temperature: 0.8, seed: 8, top_p: 0.9 });
    expect(other.body.spml.output_hash).not.toBe(direct.outputHash);
  });

  it('lists the served model', async () => {
    const list = (await (await fetch(`${server.url}/v1/models`)).json()) as Record<string, any>;
    expect(list).toMatchObject({ object: 'list', data: [{ id: model.name, object: 'model', spml: { model_hash: model.hash } }] });
  });

  it('with a signed request, returns the node’s signed response, whose output is the text', async () => {
    const prompt = 'The whale';
    const request = signedRequest(prompt, { maxTokens: 6 }, '3');
    const { status, body } = await complete({ prompt, max_tokens: 6, seed: '3', spml: { request } });
    expect(status).toBe(200);
    const response = body.spml.response as InferenceResponse;
    expect(response.signer).toBe(serverKey.publicKey);
    expect(response.requestId).toBe(request.requestId);
    expect(outputHashOf(response.output)).toBe(body.spml.output_hash);
    const direct = await runInference(model, { kind: 'text', prompt }, { maxTokens: 6 }, 3n);
    expect([body.spml.output_hash, body.spml.trace_root]).toEqual([direct.outputHash, direct.traceRoot]);
    expect(body.choices[0].text).toBe(model.task === 'generate' ? model.runtime.tokenizer.decode(direct.outputTensor.data) : '');
  });

  it('refuses a signed request that asks for another run, naming the field', async () => {
    const request = signedRequest('The whale', { maxTokens: 6 }, '3');
    const cases: [Record<string, unknown>, string][] = [
      [{ prompt: 'The whale', max_tokens: 5, seed: 3 }, 'max_tokens'],
      [{ prompt: 'The whales', max_tokens: 6, seed: 3 }, 'prompt'],
      [{ prompt: 'The whale', max_tokens: 6, seed: 4 }, 'seed'],
      [{ prompt: 'The whale', max_tokens: 6, seed: 3, temperature: 0.5 }, 'temperature'],
    ];
    for (const [fields, param] of cases) {
      const { status, body } = await complete({ ...fields, spml: { request } });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    // A signed request the node itself refuses: signed by the user for another server.
    const forOther = { ...signedRequest('The whale', { maxTokens: 6 }, '3') };
    const resigned = signMessage<typeof DOMAINS.request>(user, { ...forOther, server: keyFromSeed('someone else').publicKey });
    const refused = await complete({ prompt: 'The whale', max_tokens: 6, seed: 3, spml: { request: resigned } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param: 'spml.request.server', code: 'CROSS_REQUEST' });
  });

  it('refuses invalid fields OpenAI-style, naming the parameter', async () => {
    const cases: [unknown, string | null][] = [
      [{ prompt: 42 }, 'prompt'],
      [{ prompt: '' }, 'prompt'],
      [{ prompt: 'x', max_tokens: -1 }, 'max_tokens'],
      [{ prompt: 'x', temperature: 'hot' }, 'temperature'],
      [{ prompt: 'x', top_p: 0 }, 'top_p'],
      [{ prompt: 'x', seed: 1.5 }, 'seed'],
      [{ prompt: 'x', model: 'gpt-4' }, 'model'],
      [{ prompt: 'x', stream: true }, 'stream'],
      [{ prompt: 'x', stop: ['\n'] }, 'stop'],
      [{ prompt: 'x', max_token: 4 }, 'max_token'],
      [{ prompt: 'x', constructor: 4 }, 'constructor'],
      [{ prompt: 'x', spml: { request: 'signed, honest' } }, 'spml'],
      [[1, 2], 'body'],
    ];
    for (const [body, param] of cases) {
      const r = await complete(body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error, JSON.stringify(body)).toMatchObject({ type: 'invalid_request_error', param });
    }
    // OpenAI clients send null or the no-op value for what they do not set.
    const ok = await complete({ prompt: 'Call me', max_tokens: 2, n: 1, stream: false, stop: null, logprobs: null, echo: false, presence_penalty: 0, user: 'me' });
    expect(ok.status).toBe(200);
  });
});
