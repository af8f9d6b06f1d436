/**
 * Forged and replayed messages between processes: a server that answers with something its user
 * must refuse is treated as silent (it gave no valid response), and a node refuses a misaddressed or
 * altered request with a typed reason.
 */
import { describe, expect, it } from 'vitest';
import { keyFromSeed, randomHex32 } from '../../protocol/crypto.js';
import { MessageRejected } from '../../protocol/errors.js';
import { ServerNode } from '../../protocol/live/server_node.js';
import type { LiveRoundReport } from '../../protocol/live/types.js';
import { signMessage } from '../../protocol/messages/encode.js';
import type { InferenceResponse, InputAttestation } from '../../protocol/messages/types.js';
import { partyKey } from '../../protocol/network/participants.js';
import type { JudgeCall } from '../../protocol/transport/rpc.js';
import type { NodeHandler } from '../../protocol/transport/transport.js';
import { image } from '../protocol/network_fixtures.js';
import { honest, liveMoney, liveNetwork, mnistModel } from './fixtures.js';

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

describe('a voter redoes the validator draw', () => {
  // A voter recomputes the round's validators from the draw, the stake table and the silent list
  // (server_node.ts judge, validator_order.ts drawnValidators) and refuses a dispute whose B is not
  // one of them: a user cannot pick its own B, even with every message in the dispute genuinely signed.
  it('refuses a dispute whose B the draw did not select (WRONG_SIGNER), and judges the one it did', async () => {
    const { net, inner, nodes } = await liveNetwork(honest(5).map((p, i) => (i === 0 ? { ...p, strategy: { kind: 'cheat' as const } } : p)), liveMoney('1'));
    const calls = new Map<string, JudgeCall>();
    for (const [id, node] of nodes)
      inner.add(id, (method, body) => {
        if (method === 'judge') calls.set((body as JudgeCall).dispute.requestId, body as JudgeCall);
        return node.handle(method, body);
      });
    let r: LiveRoundReport | undefined;
    for (let i = 0; i < 40 && !r; i++) {
      const x = await net.request({ user: 'user', input: image(i) });
      if (x.outcome === 'arbitrated' && x.asserter === 'node-0') r = x;
    }
    const call = calls.get(r!.requestId)!;
    const model = await mnistModel();
    const judge = (name: string) => new ServerNode({ id: name, key: keyFromSeed(`live-test-${name}`), networkId: 'spml-local', model });
    // The call the board relayed: a fresh honest node convicts the cheating A.
    const { vote } = (await judge('judge-1').handle('judge', call)) as { vote: { verdict: unknown } };
    expect(vote.verdict).toEqual({ user: 'honest', serverA: 'dishonest', serverB: 'honest' });

    // The user asks C, a server the draw did not select, for the same request, and disputes A's answer
    // with C's: every signature is genuine and C's hashes do differ from A's.
    const user = partyKey('7', 'user', 'user');
    const c = [...nodes.keys()].find((id) => id !== r!.asserter && !r!.validators.includes(id))!;
    const server = nodes.get(c)!;
    const { signer: _rs, signature: _rg, ...asked } = call.attestationA.request;
    const request = signMessage(user, { ...asked, server: server.info.publicKey, nonce: randomHex32() });
    const { response } = (await server.handle('infer', { request })) as { response: InferenceResponse };
    const { attestation } = (await server.handle('attest', { requestId: request.requestId })) as { attestation: InputAttestation };
    const { signer: _ds, signature: _dg, ...claimed } = call.dispute;
    const dispute = signMessage(user, { ...claimed, nonce: randomHex32(), responseB: response });
    const forged: JudgeCall = { ...call, dispute, attestationB: attestation };
    await expect(judge('judge-2').handle('judge', forged)).rejects.toMatchObject({ reason: 'WRONG_SIGNER', field: 'responseB.signer' });
  });
});
