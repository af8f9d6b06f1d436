/**
 * protocol/transport/in_process.ts and wire.ts: calls between nodes of one process behave as they
 * would over a wire: JSON copies both ways, a refusal arrives as the same MessageRejected, every
 * other failure as a TransportError saying which.
 */
import { describe, expect, it } from 'vitest';
import { MessageRejected, ProtocolParamError } from '../../protocol/errors.js';
import { InProcessTransport } from '../../protocol/transport/in_process.js';
import { transportError } from './transport_fixtures.js';
import { type NodeHandler } from '../../protocol/transport/transport.js';
import { errorToWire, rejectionFromWire } from '../../protocol/transport/wire.js';

const T = { timeoutMs: 1_000 };

describe('InProcessTransport', () => {
  it('delivers a JSON copy of the body and returns a JSON copy of the reply', async () => {
    const kept = { leaves: [{ label: 'a', tensorHash: '00' }] };
    let received: unknown;
    const t = new InProcessTransport().add('n1', async (method, body) => {
      if (method !== 'open') return { method, body };
      received = body;
      (body as { touched?: boolean }).touched = true;
      return kept;
    });
    const body = { requestId: 'ab'.repeat(32), when: new Date(0), absent: undefined };
    const reply = await t.call('n1', 'open', body, T);
    // The callee saw a copy: its write did not reach the caller's object, and a Date became its JSON string.
    expect(body).not.toHaveProperty('touched');
    expect(received).toEqual({ requestId: 'ab'.repeat(32), when: '1970-01-01T00:00:00.000Z', touched: true });
    expect(reply).toEqual(kept);
    expect(reply).not.toBe(kept);
    // undefined travels as null, as it would in an HTTP body.
    expect(await t.call('n1', 'info', undefined, T)).toEqual({ method: 'info', body: null });
  });

  it('refuses a body that is not JSON, and reports a reply that is not JSON as bad-reply', async () => {
    const t = new InProcessTransport().add('n1', async () => ({ stake: 5n }));
    await expect(t.call('n1', 'info', { stake: 5n }, T)).rejects.toThrow(ProtocolParamError);
    const e = await transportError(t.call('n1', 'info', {}, T));
    expect(e.failure).toBe('bad-reply');
    expect(e.node).toBe('n1');
    expect(e.method).toBe('info');
  });

  it("rebuilds the node's MessageRejected with the same reason, field, op and message", async () => {
    const thrown = new MessageRejected('verifyRequest', 'CROSS_REQUEST', 'request is addressed to another server', 'server');
    const t = new InProcessTransport().add('n1', async () => {
      throw thrown;
    });
    const e = await t.call('n1', 'infer', { request: {} }, T).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MessageRejected);
    expect(e).not.toBe(thrown);
    const r = e as MessageRejected;
    expect([r.reason, r.field, r.op, r.message, r.code]).toEqual([thrown.reason, thrown.field, thrown.op, thrown.message, thrown.code]);
  });

  it('reports any other error of the node as remote, naming the node, the call and the error', async () => {
    const t = new InProcessTransport().add('n1', async () => {
      throw new ProtocolParamError('node.open', 'requestId', 'this node served no request');
    });
    const e = await transportError(t.call('n1', 'open', {}, T));
    expect(e.failure).toBe('remote');
    expect(e.message).toMatch(/^open@n1: remote: ProtocolParamError: node\.open: parameter 'requestId'/);
  });

  it('an unknown or removed node is unreachable', async () => {
    const t = new InProcessTransport().add('n1', async () => ({}));
    expect((await transportError(t.call('n2', 'info', {}, T))).failure).toBe('unreachable');
    expect(t.remove('n1')).toBe(true);
    expect((await transportError(t.call('n1', 'info', {}, T))).failure).toBe('unreachable');
  });

  it('gives up after timeoutMs', async () => {
    const slow: NodeHandler = () => new Promise((resolve) => setTimeout(() => resolve({ late: true }), 400));
    const t = new InProcessTransport().add('slow', slow);
    const started = performance.now();
    const e = await transportError(t.call('slow', 'judge', {}, { timeoutMs: 30 }));
    expect(e.failure).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(300);
    // The same node within a longer limit answers.
    expect(await t.call('slow', 'judge', {}, { timeoutMs: 2_000 })).toEqual({ late: true });
  });
});

describe('wire errors', () => {
  it('a MessageRejected without a field, and one from a sender that words its message otherwise', () => {
    const plain = new MessageRejected('verifyVote', 'EXPIRED', 'expiry is past');
    const back = rejectionFromWire(JSON.parse(JSON.stringify(errorToWire(plain))))!;
    expect(back.field).toBeUndefined();
    expect(back.message).toBe(plain.message);
    const foreign = rejectionFromWire({ name: 'MessageRejected', reason: 'REPLAY', field: 'nonce', message: 'seen before' })!;
    expect([foreign.reason, foreign.field]).toEqual(['REPLAY', 'nonce']);
    expect(foreign.message).toContain('seen before');
  });

  it('is no MessageRejected unless the reason is one of the protocol', () => {
    expect(rejectionFromWire({ name: 'MessageRejected', reason: 'BECAUSE', message: 'x' })).toBeUndefined();
    expect(rejectionFromWire({ name: 'ProtocolParamError', message: 'x' })).toBeUndefined();
    expect(rejectionFromWire('MessageRejected')).toBeUndefined();
  });
});
