/**
 * What the user receives is what the hashes commit to (paper §3.2 steps 2, 5 and 6): a signed response
 * carries its output, and every verifier of a response (the user, a validator checking it, the dispute
 * board) recomputes the output hash from that output with the engine's hashing and refuses a response
 * where the two differ, as WRONG_OUTPUT on `outputHash`. Both ways of breaking the binding are tried:
 * the same hashes over other tokens, and other hashes over the same tokens; in unchallenged and
 * challenged rounds, from the asserter and from the validator. The response is re-signed by the server
 * that sent it, so only the binding is wrong; the round is refused before any money moves and nobody,
 * honest or not, is slashed.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { MessageRejected } from '../../protocol/errors.js';
import { runInference, ModelStore } from '../../protocol/inference.js';
import {
  DOMAINS,
  MessageVerifier,
  messageDigest,
  outputHashOf,
  signMessage,
  type ChallengeReveal,
  type Dispute,
  type InferenceOutput,
  type InferenceResponse,
} from '../../protocol/messages/index.js';
import { createNetwork, population, type Network, type Stage } from '../../protocol/network/index.js';
import { image, money } from './network_fixtures.js';

function snapshot(net: Network) {
  return { journal: net.ledger.journalLength, round: net.ledger.round, accounts: net.ledger.accountIds().map((id) => net.ledger.account(id)) };
}

/** The id whose key signed `m` (a server or the user). */
function signerId(net: Network, signer: string): string {
  const id = [...net.nodeIds, 'user'].find((x) => net.identity(x).publicKey === signer);
  if (!id) throw new Error('unknown signer');
  return id;
}

/** Re-sign `m` with its own signer's key after editing it: a validly signed message, wrong only as edited. */
function resign<T extends { signer: string; signature: string }>(net: Network, m: T, over: Partial<T>): T {
  const { signer, signature: _s, ...body } = { ...m, ...over };
  return signMessage(net.identity(signerId(net, signer)), body as never) as unknown as T;
}

/** Another output of the same shape: its largest element moved to another position (another label, other tokens). */
function otherOutput(o: InferenceOutput): InferenceOutput {
  const data = [...o.data];
  if (o.shape.length === 1) return { shape: o.shape, data: data.map((t, i) => (i === 0 ? t + 1 : t)) };
  const best = data.indexOf(Math.max(...data));
  const other = (best + 1) % data.length;
  data[other] = data[best]! + 1;
  return { shape: o.shape, data };
}

/** Same hashes, other tokens: the honest output hash and trace root over another output. */
const sameHashesOtherTokens = (r: InferenceResponse): Partial<InferenceResponse> => ({ output: otherOutput(r.output) });
/** Other hashes, same tokens: the honest output under the hash of another output. */
const otherHashesSameTokens = (r: InferenceResponse): Partial<InferenceResponse> => ({ outputHash: outputHashOf(otherOutput(r.output)) });
const TAMPERS = [
  ['the same hashes over other tokens', sameHashesOtherTokens],
  ['other hashes over the same tokens', otherHashesSameTokens],
] as const;

async function mnistNetwork(p: string, seed: string) {
  return createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 4 }), config: money(p), seed });
}

/** Play a round in which the response at `stage` is re-signed by its server with `tamper` applied. */
async function tamperedRound(net: Network, stage: Stage, tamper: (r: InferenceResponse) => Partial<InferenceResponse>, i = 1) {
  await net.request({ user: 'user', input: image(0) });
  const before = snapshot(net);
  const r = await net.request({
    user: 'user',
    input: image(i),
    intercept: (s, m) => (s === stage ? resign(net, m as InferenceResponse, tamper(m as InferenceResponse)) : m),
  });
  expect(r.outcome).toBe('rejected');
  expect(r.rejected).toMatchObject({ stage, reason: 'WRONG_OUTPUT', field: 'outputHash' });
  expect(r.settlement).toBeUndefined();
  // No money moved: the honest parties (and the cheat) are neither paid nor slashed for this round.
  expect(snapshot(net)).toEqual(before);
  for (const id of net.nodeIds) expect(net.stats(id).slashed).toBe(0);
  return r;
}

describe('the user refuses a response whose output does not hash to its output hash', () => {
  for (const [name, tamper] of TAMPERS) {
    it(`unchallenged round (p = 0): A serves ${name}`, async () => {
      const r = await tamperedRound(await mnistNetwork('0', `binding-u-${name}`), 'response-A', tamper);
      expect(r.messages.reveal).toBeUndefined();
    });

    it(`challenged round (p = 1): A serves ${name}`, async () => {
      await tamperedRound(await mnistNetwork('1', `binding-a-${name}`), 'response-A', tamper);
    });

    it(`challenged round (p = 1): the validator serves ${name}; the honest A is not slashed`, async () => {
      const r = await tamperedRound(await mnistNetwork('1', `binding-b-${name}`), 'response-B', tamper);
      expect(r.challenged).toBe(true);
      expect(r.messages.responseA).toBeDefined();
    });
  }

  it('a language model: a response carrying other token ids under the honest hashes is refused', async () => {
    const net = await createNetwork({ model: 'moby-gpt', nodes: population({ honest: 3 }), config: money('1'), seed: 'binding-gpt' });
    const input = { kind: 'text', prompt: 'Call me' } as const;
    const honest = await net.request({ user: 'user', input, options: { maxTokens: 3 } });
    expect(honest.outcome).toBe('match');
    const out = honest.messages.responseA!.output;
    expect(out.shape).toEqual([3]);
    expect(outputHashOf(out)).toBe(honest.messages.responseA!.outputHash);
    const before = snapshot(net);
    const r = await net.request({
      user: 'user',
      input,
      options: { maxTokens: 3 },
      intercept: (s, m) => (s === 'response-A' ? resign(net, m as InferenceResponse, sameHashesOtherTokens(m as InferenceResponse)) : m),
    });
    expect(r.rejected).toMatchObject({ stage: 'response-A', reason: 'WRONG_OUTPUT', field: 'outputHash' });
    expect(snapshot(net)).toEqual(before);
  }, 60_000);
});

describe('a validator and the dispute board refuse it too', () => {
  /** An honest challenged round, and verifiers for a validator and for the board. */
  async function honestRound(seed: string) {
    const net = await mnistNetwork('1', seed);
    const r = await net.request({ user: 'user', input: image(3) });
    expect(r.outcome).toBe('match');
    const opts = { networkId: net.networkId, modelHash: net.model.hash };
    // A moment at which every message of the round is still fresh.
    const now = Math.min(...[r.messages.responseA!, ...r.messages.responsesB].map((m) => m.expiry)) - 1;
    return { net, r, now, validator: new MessageVerifier(opts), board: new MessageVerifier({ ...opts, challengeProbability: '1' }) };
  }
  const rejectedBy = (fn: () => unknown): MessageRejected => {
    try {
      fn();
    } catch (e) {
      if (e instanceof MessageRejected) return e;
      throw e;
    }
    throw new Error('was accepted');
  };

  for (const [name, tamper] of TAMPERS) {
    it(`a validator checking A's response with ${name}: WRONG_OUTPUT at outputHash`, async () => {
      const { net, r, now, validator } = await honestRound(`binding-v-${name}`);
      const bad = resign(net, r.messages.responseA!, tamper(r.messages.responseA!));
      const e = rejectedBy(() => validator.verifyResponse(bad, now, { request: r.messages.requestA! }));
      expect([e.reason, e.field]).toEqual(['WRONG_OUTPUT', 'outputHash']);
      // The honest response passes the same verifier.
      expect(validator.verifyResponse(r.messages.responseA!, now, { request: r.messages.requestA! }).output).toEqual(r.messages.responseA!.output);
    });

    it(`the board judging a dispute whose responseA has ${name}: WRONG_OUTPUT at responseA.outputHash`, async () => {
      const { net, r, now, board } = await honestRound(`binding-d-${name}`);
      const badA = resign(net, r.messages.responseA!, tamper(r.messages.responseA!));
      const reveal = resign<ChallengeReveal>(net, r.messages.reveal!, { responseDigest: messageDigest(badA), nonce: 'f1'.repeat(32) });
      const dispute = signMessage<typeof DOMAINS.dispute>(net.identity('user'), {
        domain: DOMAINS.dispute,
        networkId: net.networkId,
        modelHash: net.model.hash,
        inputHash: badA.inputHash,
        seed: badA.seed,
        requestId: badA.requestId,
        nonce: 'f2'.repeat(32),
        expiry: now + 1_000,
        responseA: badA,
        responseB: r.messages.responsesB[0]!,
        reveal,
      });
      const e = rejectedBy(() => board.verifyDispute(dispute as Dispute, now));
      expect([e.reason, e.field]).toEqual(['WRONG_OUTPUT', 'responseA.outputHash']);
    });
  }
});

describe('an honest result delivers exactly what its output hash commits to', () => {
  it('mnist-mlp: the logits [count, classes], whose row argmax are the labels; moby-gpt: the token ids [n]', async () => {
    const store = new ModelStore();
    const mlp = await store.load('mnist-mlp');
    const pixels = (i: number) => (image(i) as { readonly pixels: string }).pixels;
    const c = await runInference(mlp, { kind: 'pixels', pixels: pixels(0) + pixels(1), count: 2 }, {}, 1n);
    const classes = mlp.task === 'classify' ? mlp.runtime.classes : 0;
    expect(c.outputTensor.shape).toEqual([2, classes]);
    expect(outputHashOf(c.outputTensor)).toBe(c.outputHash);
    const labels = [0, 1].map((i) => {
      const row = c.outputTensor.data.slice(i * classes, (i + 1) * classes);
      return row.indexOf(Math.max(...row));
    });
    expect(labels).toEqual(c.output);
    const gpt = await store.load('moby-gpt');
    const g = await runInference(gpt, { kind: 'text', prompt: 'Call me' }, { maxTokens: 4 }, 7n);
    expect(g.outputTensor).toEqual({ shape: [4], data: g.output });
    expect(outputHashOf(g.outputTensor)).toBe(g.outputHash);
  }, 60_000);

  it('a response whose output shape does not fit the request is MALFORMED at output.shape', async () => {
    const net = await mnistNetwork('0', 'binding-shape');
    await net.request({ user: 'user', input: image(0) });
    const r = await net.request({
      user: 'user',
      input: image(1),
      intercept: (s, m) => {
        if (s !== 'response-A') return m;
        const res = m as InferenceResponse;
        const output = { shape: [res.output.data.length], data: res.output.data };
        return resign(net, res, { output, outputHash: outputHashOf(output) });
      },
    });
    expect(r.rejected).toMatchObject({ stage: 'response-A', reason: 'MALFORMED', field: 'output.shape' });
  });
});
