/**
 * Forged and replayed messages between processes: a server that answers with something its user
 * must refuse is treated as silent (it gave no valid response), and a node refuses a misaddressed or
 * altered request with a typed reason.
 */
import { describe, expect, it } from 'vitest';
import { keyFromSeed } from '../../protocol/crypto.js';
import { MessageRejected } from '../../protocol/errors.js';
import { signMessage } from '../../protocol/messages/encode.js';
import type { InferenceResponse } from '../../protocol/messages/types.js';
import type { NodeHandler } from '../../protocol/transport/transport.js';
import { image } from '../protocol/network_fixtures.js';
import { honest, liveMoney, liveNetwork } from './fixtures.js';

/** `infer` answered with the output's first element changed, re-signed by the node itself when `resign`. */
const tamperingOutput =
  (id: string, inner: NodeHandler, resign: boolean): NodeHandler =>
  async (method, body) => {
    const reply = await inner(method, body);
    if (method !== 'infer') return reply;
    const { response } = reply as { response: InferenceResponse };
    const output = { ...response.output, data: response.output.data.map((x, i) => (i === 0 ? x + 1 : x)) };
    if (!resign) return { response: { ...response, output } };
    const { signer: _s, signature: _g, ...unsigned } = response;
    return { response: signMessage(keyFromSeed(`live-test-${id}`), { ...unsigned, output }) };
  };

async function tamperedRound(resign: boolean) {
  const { net, inner, nodes } = await liveNetwork(honest(4), liveMoney('0'));
  for (const [id, node] of nodes) inner.add(id, tamperingOutput(id, node.handle, resign));
  return net.request({ user: 'user', input: image(0) });
}

describe('forged answers between processes', () => {
  it('a response altered on the way is refused (BAD_SIGNATURE) and its asserter counts as silent: the user is refunded', async () => {
    const r = await tamperedRound(false);
    expect(r.outcome).toBe('asserter-silent');
    expect(r.silences).toEqual([expect.objectContaining({ node: r.asserter, step: 'response', failure: 'refused', message: expect.stringMatching(/BAD_SIGNATURE/) })]);
    expect(r.settlement.entries.filter((e) => e.kind === 'refund').map((e) => e.account)).toEqual(['user']);
  });

  it('a server that signs an output other than the one its hash commits to is refused (WRONG_OUTPUT)', async () => {
    const r = await tamperedRound(true);
    expect(r.outcome).toBe('asserter-silent');
    expect(r.silences[0]!.message).toMatch(/WRONG_OUTPUT/);
  });

  it('a node refuses a request addressed to another server, and one altered after the user signed it', async () => {
    const { net, nodes } = await liveNetwork(honest(4), liveMoney('0'));
    const r = await net.request({ user: 'user', input: image(1) });
    const a = nodes.get(r.asserter)!;
    const { attestation } = (await a.handle('attest', { requestId: r.requestId })) as { attestation: { request: Record<string, unknown> } };
    const other = nodes.get([...nodes.keys()].find((id) => id !== r.asserter)!)!;
    await expect(other.handle('infer', { request: attestation.request })).rejects.toThrow(MessageRejected);
    await expect(other.handle('infer', { request: attestation.request })).rejects.toMatchObject({ reason: 'CROSS_REQUEST', field: 'server' });
    await expect(a.handle('infer', { request: { ...attestation.request, nonce: 'ab'.repeat(32) } })).rejects.toMatchObject({ reason: 'BAD_SIGNATURE' });
  });
});
