// Signed spML messages (protocol/messages): every rejection reason is reached by a message that is valid
// except for one thing, so removing that check would let the message through and fail the test.
import { describe, expect, it } from 'vitest';
import { keyFromSeed, type NodeKey } from '../../protocol/crypto.js';
import { challengeCommitment, isChallenged, isRoundChallenged } from '../../protocol/challenge.js';
import { MessageRejected, type RejectionReason } from '../../protocol/errors.js';
import {
  DOMAINS,
  MessageVerifier,
  inputHash,
  messageDigest,
  outputHashOf,
  requestDigest,
  signMessage,
  signingBytes,
  type Dispute,
  type InferenceInput,
  type InferenceOutput,
  type InferenceRequest,
  type InferenceResponse,
} from '../../protocol/messages/index.js';

const NET = 'spml-test';
const MODEL = 'aa'.repeat(32);
const OTHER_MODEL = 'bb'.repeat(32);
const NOW = 1_700_000_000_000;
const EXPIRY = NOW + 60_000;
const user = keyFromSeed('user');
const serverA = keyFromSeed('server-a');
const serverB = keyFromSeed('server-b');
const stranger = keyFromSeed('stranger');
const requestId = '01'.repeat(32);
const input: InferenceInput = { kind: 'text', prompt: 'Call me Ishmael.' };

// A secret whose draw is a challenge at p = 0.5 (found by counting up; deterministic).
function challengedSecret(p: string): string {
  for (let i = 0; ; i++) {
    const s = i.toString(16).padStart(64, '0');
    if (isChallenged(s, requestId, p)) return s;
  }
}
const secret = challengedSecret('0.5');
const commitment = challengeCommitment(secret, requestId);

let nonceCounter = 0;
const nonce = () => (++nonceCounter).toString(16).padStart(64, '0');
const header = (over: Record<string, unknown> = {}) => ({
  networkId: NET, modelHash: MODEL, inputHash: inputHash(input), seed: '42', requestId, nonce: nonce(), expiry: EXPIRY, ...over,
});

function request(server: NodeKey, over: Record<string, unknown> = {}, key = user): InferenceRequest {
  return signMessage<typeof DOMAINS.request>(key, { domain: DOMAINS.request, ...header(), server: server.publicKey, input, options: { maxTokens: 8 }, commitment, ...over } as never);
}
// Token ids the fixture responses deliver; the output hash is always the hash of the output carried.
const OUTPUT: InferenceOutput = { shape: [3], data: [464, 531, 13] };
const OTHER_OUTPUT: InferenceOutput = { shape: [3], data: [464, 531, 14] };
function response(req: InferenceRequest, key: NodeKey, over: Record<string, unknown> = {}): InferenceResponse {
  const output = (over.output ?? OUTPUT) as InferenceOutput;
  return signMessage<typeof DOMAINS.response>(key, {
    domain: DOMAINS.response, ...header({ inputHash: req.inputHash, seed: req.seed, requestId: req.requestId }),
    requestDigest: requestDigest(req), commitment: req.commitment, output, outputHash: outputHashOf(output), traceRoot: 'dd'.repeat(32), ...over,
  } as never);
}
function reveal(resA: InferenceResponse, over: Record<string, unknown> = {}, key = user) {
  return signMessage(key, { domain: DOMAINS.reveal, ...header(), commitment, secret, responseDigest: messageDigest(resA), ...over } as never);
}
function dispute(over: Record<string, unknown> = {}, key = user): Dispute {
  const reqA = request(serverA);
  const resA = response(reqA, serverA);
  const resB = response(request(serverB), serverB, { output: OTHER_OUTPUT });
  return signMessage<typeof DOMAINS.dispute>(key, { domain: DOMAINS.dispute, ...header(), responseA: resA, responseB: resB, reveal: reveal(resA), ...over } as never);
}
// A beacon under which dispute d's draw (drawSeed of its reveal and the beacon) is a challenge at p.
function challengedBeacon(d: Dispute, p: string): string {
  const { secret: s, requestId: id, responseDigest } = d.reveal;
  for (let i = 0; ; i++) {
    const beacon = i.toString(16).padStart(64, '0');
    if (isRoundChallenged({ secret: s, requestId: id, responseDigest, beacon }, p)) return beacon;
  }
}
/** Re-sign a message after editing its fields, so only the edited field is wrong. */
function resign<T extends { signature: string; signer: string }>(msg: T, key: NodeKey, over: Record<string, unknown>): T {
  const { signature: _s, signer: _k, ...body } = { ...msg, ...over };
  return signMessage(key, body as never) as unknown as T;
}

const verifier = (opts: Partial<ConstructorParameters<typeof MessageVerifier>[0]> = {}) => new MessageVerifier({ networkId: NET, modelHash: MODEL, ...opts });

function rejection(fn: () => unknown): MessageRejected {
  try {
    fn();
  } catch (e) {
    if (e instanceof MessageRejected) return e;
    throw e;
  }
  throw new Error('expected MessageRejected, but the message was accepted');
}
function expectRejected(fn: () => unknown, reason: RejectionReason, field: string) {
  const e = rejection(fn);
  expect({ reason: e.reason, field: e.field, code: e.code }).toEqual({ reason, field, code: 'PROTOCOL' });
  expect(e.message).toContain(field);
}

describe('signing', () => {
  it('round-trips: a freshly signed request, response, reveal, attestation, dispute and vote verify', () => {
    const v = verifier();
    const req = request(serverA);
    expect(v.verifyRequest(req, NOW, { server: serverA.publicKey })).toBe(req);
    const res = response(req, serverA);
    expect(verifier().verifyResponse(res, NOW, { request: req })).toBe(res);
    expect(verifier().verifyReveal(reveal(res), NOW, { request: req, response: res }).secret).toBe(secret);
    const att = signMessage(serverA, { domain: DOMAINS.attestation, ...header(), request: req });
    expect(verifier().verifyAttestation(att, NOW).request).toEqual(req);
    const d = dispute();
    // The draw mixes the reveal with the round's beacon: pick a beacon under which this one is a challenge.
    const beacon = challengedBeacon(d, '0.5');
    expect(verifier({ challengeProbability: '0.5' }).verifyDispute(d, NOW, { beacon })).toBe(d);
    const vote = signMessage(stranger, { domain: DOMAINS.vote, ...header(), disputeDigest: messageDigest(d), verdict: { user: 'honest', serverA: 'honest', serverB: 'dishonest' } });
    expect(verifier().verifyVote(vote, NOW, { dispute: d, voters: new Map([[stranger.publicKey, 1n]]) }).verdict.serverB).toBe('dishonest');
  });

  it('signs canonical bytes: key order does not matter, and the domain tag is signed', () => {
    const req = request(serverA);
    const reordered = Object.fromEntries(Object.entries(req).reverse()) as InferenceRequest;
    expect(signingBytes(reordered)).toEqual(signingBytes(req));
    expect(new TextDecoder().decode(signingBytes(req))).toMatch(/^spml\/v1\/signed\n\{.*"domain":"spml\/v1\/request"/);
    expect(req.signer).toBe(user.publicKey);
    expect(req.signature).toMatch(/^[0-9a-f]{128}$/);
  });

  it('A and B get requests with the same digest but different addressees, so arbitration can compare them', () => {
    const a = request(serverA);
    const b = request(serverB);
    expect(requestDigest(a)).toBe(requestDigest(b));
    expect(messageDigest(a)).not.toBe(messageDigest(b));
    expect(requestDigest(request(serverB, { input: { kind: 'text', prompt: 'x' }, inputHash: inputHash({ kind: 'text', prompt: 'x' }) }))).not.toBe(requestDigest(a));
  });
});

describe('rejections', () => {
  it('BAD_SIGNATURE: one flipped signature bit', () => {
    const req = request(serverA);
    const bad = { ...req, signature: (req.signature[0] === '0' ? '1' : '0') + req.signature.slice(1) };
    expectRejected(() => verifier().verifyRequest(bad, NOW, { server: serverA.publicKey }), 'BAD_SIGNATURE', 'signature');
  });

  it('BAD_SIGNATURE: a field edited after signing', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyRequest({ ...req, seed: '43' }, NOW, { server: serverA.publicKey }), 'BAD_SIGNATURE', 'signature');
  });

  it('BAD_SIGNATURE: claiming a signature by someone else (signer swapped)', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyRequest({ ...req, signer: stranger.publicKey }, NOW, { server: serverA.publicKey }), 'BAD_SIGNATURE', 'signature');
  });

  it('WRONG_SIGNER: a valid response signed by a server the request was not addressed to', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyResponse(response(req, serverB), NOW, { request: req }), 'WRONG_SIGNER', 'signer');
  });

  it('WRONG_SIGNER: a reveal signed by someone other than the user', () => {
    const req = request(serverA);
    const res = response(req, serverA);
    expectRejected(() => verifier().verifyReveal(reveal(res, {}, stranger), NOW, { request: req, response: res }), 'WRONG_SIGNER', 'signer');
  });

  it('WRONG_SIGNER: an attestation by a server other than the addressee', () => {
    const att = signMessage(serverB, { domain: DOMAINS.attestation, ...header(), request: request(serverA) });
    expectRejected(() => verifier().verifyAttestation(att, NOW), 'WRONG_SIGNER', 'signer');
  });

  it('WRONG_SIGNER: a dispute whose two responses come from the same server', () => {
    const reqA = request(serverA);
    const resA = response(reqA, serverA);
    const resA2 = response(reqA, serverA, { output: OTHER_OUTPUT });
    expectRejected(() => verifier().verifyDispute(dispute({ responseA: resA, responseB: resA2, reveal: reveal(resA) }), NOW), 'WRONG_SIGNER', 'responseB.signer');
  });

  it('WRONG_DOMAIN: a validly signed request presented as a response', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyResponse(req, NOW, { request: req }), 'WRONG_DOMAIN', 'domain');
  });

  it('WRONG_DOMAIN: a response body re-signed under the request tag', () => {
    const req = request(serverA);
    const res = resign(response(req, serverA), serverA, { domain: DOMAINS.request });
    expectRejected(() => verifier().verifyResponse(res, NOW, { request: req }), 'WRONG_DOMAIN', 'domain');
  });

  it('WRONG_DOMAIN: a message for another network', () => {
    const req = request(serverA, { networkId: 'spml-main' });
    expectRejected(() => verifier().verifyRequest(req, NOW, { server: serverA.publicKey }), 'WRONG_DOMAIN', 'networkId');
  });

  it('EXPIRED: expiry at or before now', () => {
    const req = request(serverA, { expiry: NOW });
    expectRejected(() => verifier().verifyRequest(req, NOW, { server: serverA.publicKey }), 'EXPIRED', 'expiry');
    expect(verifier().verifyRequest(req, NOW - 1, { server: serverA.publicKey })).toBe(req);
  });

  it('REPLAY: the same request twice', () => {
    const v = verifier();
    const req = request(serverA);
    v.verifyRequest(req, NOW, { server: serverA.publicKey });
    expectRejected(() => v.verifyRequest(req, NOW + 1, { server: serverA.publicKey }), 'REPLAY', 'nonce');
  });

  it('REPLAY: a nonce reused by the same signer in another message type', () => {
    const v = verifier();
    const req = request(serverA, { nonce: 'ab'.repeat(32) });
    v.verifyRequest(req, NOW, { server: serverA.publicKey });
    const res = response(req, serverA);
    const rev = reveal(res, { nonce: 'ab'.repeat(32) });
    expectRejected(() => v.verifyReveal(rev, NOW, { request: req, response: res }), 'REPLAY', 'nonce');
  });

  it('REPLAY: a second request for the same request id with a fresh nonce', () => {
    const v = verifier();
    v.verifyRequest(request(serverA), NOW, { server: serverA.publicKey });
    expectRejected(() => v.verifyRequest(request(serverA), NOW, { server: serverA.publicKey }), 'REPLAY', 'requestId');
  });

  it('REPLAY: a rejected message is not remembered, and expired entries can be pruned', () => {
    const v = verifier();
    const req = request(serverA);
    expectRejected(() => v.verifyRequest(req, NOW, { server: serverB.publicKey }), 'CROSS_REQUEST', 'server');
    expect(v.cacheSize).toBe(0);
    v.verifyRequest(req, NOW, { server: serverA.publicKey });
    expect(v.cacheSize).toBe(2);
    v.prune(EXPIRY - 1);
    expect(v.cacheSize).toBe(2);
    v.prune(EXPIRY);
    expect(v.cacheSize).toBe(0);
  });

  it('WRONG_MODEL: a request for another model', () => {
    const req = request(serverA, { modelHash: OTHER_MODEL });
    expectRejected(() => verifier().verifyRequest(req, NOW, { server: serverA.publicKey }), 'WRONG_MODEL', 'modelHash');
  });

  it('WRONG_INPUT: a request whose input hash is not the hash of its input', () => {
    const req = request(serverA, { input: { kind: 'text', prompt: 'Call me Ahab.' } });
    expectRejected(() => verifier().verifyRequest(req, NOW, { server: serverA.publicKey }), 'WRONG_INPUT', 'inputHash');
  });

  it('WRONG_INPUT: a response naming another input hash', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyResponse(response(req, serverA, { inputHash: 'ef'.repeat(32) }), NOW, { request: req }), 'WRONG_INPUT', 'inputHash');
  });

  it('CROSS_REQUEST: a request for A presented to B', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyRequest(req, NOW, { server: serverB.publicKey }), 'CROSS_REQUEST', 'server');
  });

  it('CROSS_REQUEST: a response to another request id', () => {
    const req = request(serverA);
    const other = request(serverA, { requestId: '02'.repeat(32) });
    expectRejected(() => verifier().verifyResponse(response(other, serverA), NOW, { request: req }), 'CROSS_REQUEST', 'requestId');
  });

  it('CROSS_REQUEST: a response to another body under the same request id (digest differs)', () => {
    const req = request(serverA);
    const other = request(serverA, { options: { maxTokens: 9 } });
    expectRejected(() => verifier().verifyResponse(response(other, serverA), NOW, { request: req }), 'CROSS_REQUEST', 'requestDigest');
  });

  it('CROSS_REQUEST: a response with another seed or commitment', () => {
    const req = request(serverA);
    expectRejected(() => verifier().verifyResponse(response(req, serverA, { seed: '7' }), NOW, { request: req }), 'CROSS_REQUEST', 'seed');
    expectRejected(() => verifier().verifyResponse(response(req, serverA, { commitment: '03'.repeat(32) }), NOW, { request: req }), 'CROSS_REQUEST', 'commitment');
  });

  it('CROSS_REQUEST: a reveal that does not name A’s response', () => {
    const req = request(serverA);
    const res = response(req, serverA);
    const rev = reveal(res, { responseDigest: messageDigest(req) });
    expectRejected(() => verifier().verifyReveal(rev, NOW, { request: req, response: res }), 'CROSS_REQUEST', 'responseDigest');
  });

  it('CROSS_REQUEST: a reveal that opens a different commitment than the request carried', () => {
    const req = request(serverA);
    const res = response(req, serverA);
    const otherSecret = '0f'.repeat(32);
    const rev = reveal(res, { secret: otherSecret, commitment: challengeCommitment(otherSecret, requestId) });
    expectRejected(() => verifier().verifyReveal(rev, NOW, { request: req, response: res }), 'CROSS_REQUEST', 'commitment');
  });

  it('CROSS_REQUEST: a reveal for another request id', () => {
    const req = request(serverA);
    const res = response(req, serverA);
    const otherId = '02'.repeat(32);
    const rev = reveal(res, { requestId: otherId, commitment: challengeCommitment(secret, otherId) });
    expectRejected(() => verifier().verifyReveal(rev, NOW, { request: req, response: res }), 'CROSS_REQUEST', 'requestId');
  });

  it('CROSS_REQUEST: an attestation whose header names another request id or seed than the request inside', () => {
    const req = request(serverA);
    const att = (over: Record<string, unknown>) => signMessage<typeof DOMAINS.attestation>(serverA, { domain: DOMAINS.attestation, ...header(over), request: req } as never);
    expectRejected(() => verifier().verifyAttestation(att({ requestId: '02'.repeat(32) }), NOW), 'CROSS_REQUEST', 'requestId');
    expectRejected(() => verifier().verifyAttestation(att({ seed: '7' }), NOW), 'CROSS_REQUEST', 'seed');
    expectRejected(() => verifier().verifyAttestation(att({ inputHash: 'ef'.repeat(32) }), NOW), 'WRONG_INPUT', 'inputHash');
  });

  it('CROSS_REQUEST: a dispute mixing in a response to another round, or a reveal of another commitment', () => {
    const reqA = request(serverA);
    const resA = response(reqA, serverA);
    const resOther = response(request(serverB, { requestId: '02'.repeat(32) }), serverB, { output: OTHER_OUTPUT });
    expectRejected(() => verifier().verifyDispute(dispute({ responseA: resA, responseB: resOther, reveal: reveal(resA) }), NOW), 'CROSS_REQUEST', 'responseB.requestId');
    const otherSecret = '0f'.repeat(32);
    const resB = response(request(serverB), serverB, { output: OTHER_OUTPUT });
    const rev = reveal(resA, { secret: otherSecret, commitment: challengeCommitment(otherSecret, requestId) });
    expectRejected(() => verifier().verifyDispute(dispute({ responseA: resA, responseB: resB, reveal: rev }), NOW), 'CROSS_REQUEST', 'reveal.commitment');
  });

  it('WRONG_INPUT: a dispute whose header input hash is not A’s', () => {
    expectRejected(() => verifier().verifyDispute(dispute({ inputHash: 'ef'.repeat(32) }), NOW), 'WRONG_INPUT', 'inputHash');
  });

  it('CROSS_REQUEST: a vote on another dispute', () => {
    const d = dispute();
    const vote = signMessage(stranger, { domain: DOMAINS.vote, ...header(), disputeDigest: messageDigest(request(serverA)), verdict: { user: 'honest', serverA: 'honest', serverB: 'dishonest' } });
    expectRejected(() => verifier().verifyVote(vote, NOW, { dispute: d, voters: new Map([[stranger.publicKey, 1n]]) }), 'CROSS_REQUEST', 'disputeDigest');
  });

  it('BAD_REVEAL: a forged secret that does not open the commitment', () => {
    const req = request(serverA);
    const res = response(req, serverA);
    const forged = reveal(res, { secret: 'ff'.repeat(32) });
    expectRejected(() => verifier().verifyReveal(forged, NOW, { request: req, response: res }), 'BAD_REVEAL', 'secret');
  });

  it('BAD_REVEAL: a dispute whose reveal draws no challenge', () => {
    // With p = 0 nothing is ever challenged, so asking B was not the protocol's choice.
    expectRejected(() => verifier({ challengeProbability: '0' }).verifyDispute(dispute(), NOW, { beacon: '00'.repeat(32) }), 'BAD_REVEAL', 'reveal.secret');
  });

  it('MALFORMED: names the field for missing, extra, and badly formed fields', () => {
    const req = request(serverA);
    const { commitment: _c, ...missing } = req;
    const v = verifier();
    const opts = { server: serverA.publicKey };
    expectRejected(() => v.verifyRequest(missing, NOW, opts), 'MALFORMED', 'commitment');
    expectRejected(() => v.verifyRequest({ ...req, extra: 1 }, NOW, opts), 'MALFORMED', 'extra');
    expectRejected(() => v.verifyRequest({ ...req, seed: '18446744073709551616' }, NOW, opts), 'MALFORMED', 'seed');
    expectRejected(() => v.verifyRequest({ ...req, signer: req.signer.toUpperCase() }, NOW, opts), 'MALFORMED', 'signer');
    expectRejected(() => v.verifyRequest({ ...req, expiry: 1.5 }, NOW, opts), 'MALFORMED', 'expiry');
    expectRejected(() => v.verifyRequest({ ...req, input: { kind: 'audio' } }, NOW, opts), 'MALFORMED', 'input.kind');
    expectRejected(() => v.verifyRequest({ ...req, options: { topP: 2 } }, NOW, opts), 'MALFORMED', 'options.topP');
    expectRejected(() => v.verifyRequest({ ...req, domain: undefined }, NOW, opts), 'MALFORMED', 'domain');
    expectRejected(() => v.verifyRequest('hello', NOW, opts), 'MALFORMED', '(message)');
    const longLived = request(serverA, { expiry: NOW + 11 * 60_000 });
    expectRejected(() => v.verifyRequest(longLived, NOW, opts), 'MALFORMED', 'expiry');
  });

  it('MALFORMED: nested evidence is named by path', () => {
    const d = dispute();
    const { traceRoot: _t, ...noTrace } = d.responseB;
    const bad = resign(d, user, { responseB: noTrace });
    expectRejected(() => verifier().verifyDispute(bad, NOW), 'MALFORMED', 'responseB.traceRoot');
  });

  it('MALFORMED: a dispute with equal output hashes and trace roots has nothing to dispute', () => {
    const reqA = request(serverA);
    const resA = response(reqA, serverA);
    const resB = response(request(serverB), serverB);
    expectRejected(() => verifier().verifyDispute(dispute({ responseA: resA, responseB: resB, reveal: reveal(resA) }), NOW), 'MALFORMED', 'responseB');
  });

  it('a dispute over equal output hashes but different trace roots is accepted (a substituted model)', () => {
    const reqA = request(serverA);
    const resA = response(reqA, serverA);
    const resB = response(request(serverB), serverB, { traceRoot: 'ee'.repeat(32) });
    expect(verifier().verifyDispute(dispute({ responseA: resA, responseB: resB, reveal: reveal(resA) }), NOW).responseB.traceRoot).toBe('ee'.repeat(32));
  });

  it('evidence inside a dispute is checked: a forged B signature is BAD_SIGNATURE at responseB.signature', () => {
    const d = dispute();
    const tampered = resign(d, user, { responseB: { ...d.responseB, outputHash: '99'.repeat(32) } });
    expectRejected(() => verifier().verifyDispute(tampered, NOW), 'BAD_SIGNATURE', 'responseB.signature');
  });

  it('a dispute keeps evidence that the user sent A and B different inputs (it is arbitration that decides)', () => {
    const other: InferenceInput = { kind: 'text', prompt: 'Call me Ahab.' };
    const reqA = request(serverA);
    const reqB = request(serverB, { input: other, inputHash: inputHash(other) });
    const resA = response(reqA, serverA);
    const resB = response(reqB, serverB, { output: OTHER_OUTPUT });
    const d = verifier().verifyDispute(dispute({ responseA: resA, responseB: resB, reveal: reveal(resA) }), NOW);
    expect(d.responseA.requestDigest).not.toBe(d.responseB.requestDigest);
  });
});
