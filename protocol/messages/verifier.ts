/**
 * Verification of spML messages on receipt (paper §3.2 steps 1–8), with a replay cache.
 *
 * Order of checks, cheapest and most basic first: shape (MALFORMED) and domain tag (WRONG_DOMAIN), network
 * (WRONG_DOMAIN on `networkId`: a message for another network is another domain), signature
 * (BAD_SIGNATURE), expiry (EXPIRED), model (WRONG_MODEL), input hash (WRONG_INPUT), a response's output
 * against its output hash (WRONG_OUTPUT, here and for responses inside a dispute), binding to the
 * request at hand (CROSS_REQUEST, WRONG_SIGNER), and last replay (REPLAY). A message is remembered only
 * once every check has passed, so a rejected message cannot poison the cache.
 *
 * Replay rules: a (signer, nonce) pair is accepted once across all types; and a signer says each kind of
 * thing at most once per request id (one request per server per round, one response per server, one
 * reveal, one dispute, one vote per node). Entries are kept until the message's expiry, after which the
 * message is refused as EXPIRED anyway; expiries more than `maxTtlMs` ahead are refused so that memory
 * stays bounded.
 *
 * Messages embedded as evidence (the request in an attestation, the responses and reveal in a dispute)
 * are checked for shape, signature, network, model and bindings, but not for expiry or replay: their
 * freshness was checked when first received, and evidence stays true after its expiry.
 */
import type { Decimal } from 'decimal.js';
import { challengeCommitment, isRoundChallenged, probabilityFraction } from '../challenge.js';
import { isHex, verifyBytes } from '../crypto.js';
import { MessageRejected, ProtocolParamError, type RejectionReason } from '../errors.js';
import { inputHash, messageDigest, outputHashOf, requestDigest, signingBytes } from './encode.js';
import { checkShape } from './schema.js';
import {
  DOMAINS,
  type ChallengeReveal,
  type Domain,
  type Dispute,
  type InferenceRequest,
  type InferenceResponse,
  type InputAttestation,
  type MessageByDomain,
  type SignedMessage,
  type Vote,
} from './types.js';

export interface VerifierOptions {
  /** The network this node belongs to. */
  readonly networkId: string;
  /** The model hash this node serves or checks against. */
  readonly modelHash: string;
  /** Longest accepted time from `now` to a message's expiry (default 10 minutes). */
  readonly maxTtlMs?: number;
  /**
   * The challenge probability p; when given, a dispute whose draw (the reveal's secret and A's response
   * digest mixed with the round's beacon, challenge.ts drawSeed) is no challenge is refused, and
   * verifyDispute must be told the beacon.
   */
  readonly challengeProbability?: Decimal | string;
}

const DEFAULT_MAX_TTL_MS = 10 * 60 * 1000;

function reject(op: string, reason: RejectionReason, field: string, what: string): never {
  throw new MessageRejected(op, reason, what, field);
}

function at(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

export class MessageVerifier {
  readonly networkId: string;
  readonly modelHash: string;
  readonly maxTtlMs: number;
  readonly challengeProbability?: Decimal | string;
  /** `signer:nonce` → expiry. */
  private readonly nonces = new Map<string, number>();
  /** `domain:signer:requestId` → expiry. */
  private readonly ids = new Map<string, number>();

  constructor(options: VerifierOptions) {
    if (typeof options?.networkId !== 'string' || options.networkId === '') throw new ProtocolParamError('MessageVerifier', 'networkId', 'must be a non-empty string');
    if (!isHex(options.modelHash, 32)) throw new ProtocolParamError('MessageVerifier', 'modelHash', 'must be 64 lowercase hex digits');
    const ttl = options.maxTtlMs ?? DEFAULT_MAX_TTL_MS;
    if (!Number.isSafeInteger(ttl) || ttl < 1) throw new ProtocolParamError('MessageVerifier', 'maxTtlMs', `${ttl} must be a positive integer`);
    this.networkId = options.networkId;
    this.modelHash = options.modelHash;
    this.maxTtlMs = ttl;
    if (options.challengeProbability !== undefined) {
      probabilityFraction(options.challengeProbability, 'MessageVerifier');
      this.challengeProbability = options.challengeProbability;
    }
  }

  /** Server side of §3.2 steps 1/4: a request addressed to `expect.server`. */
  verifyRequest(msg: unknown, now: number, expect: { readonly server: string }): InferenceRequest {
    const op = 'verifyRequest';
    const req = this.fresh(DOMAINS.request, msg, now, op);
    if (req.server !== expect.server) reject(op, 'CROSS_REQUEST', 'server', `request is addressed to ${req.server.slice(0, 16)}…, not to this server`);
    this.remember(req);
    return req;
  }

  /** User side of §3.2 steps 2/5: the response to `expect.request`, by the server it was addressed to. */
  verifyResponse(msg: unknown, now: number, expect: { readonly request: InferenceRequest }): InferenceResponse {
    const res = this.fresh(DOMAINS.response, msg, now, 'verifyResponse');
    this.checkAnswers(res, expect.request, 'verifyResponse', '');
    this.remember(res);
    return res;
  }

  /** §3.2 step 3: the user's reveal, after `expect.response` (A's) to `expect.request`. */
  verifyReveal(msg: unknown, now: number, expect: { readonly request: InferenceRequest; readonly response: InferenceResponse }): ChallengeReveal {
    const rev = this.fresh(DOMAINS.reveal, msg, now, 'verifyReveal');
    this.checkReveal(rev, expect.request.signer, expect.response, 'verifyReveal', '');
    if (rev.commitment !== expect.request.commitment) reject('verifyReveal', 'CROSS_REQUEST', 'commitment', 'is not the commitment of the request');
    this.remember(rev);
    return rev;
  }

  /** §3.2 step 7: a server's broadcast of the user-signed request it received. */
  verifyAttestation(msg: unknown, now: number): InputAttestation {
    const op = 'verifyAttestation';
    const att = this.fresh(DOMAINS.attestation, msg, now, op);
    const req = this.evidence(DOMAINS.request, att.request, op, 'request');
    if (req.server !== att.signer) reject(op, 'WRONG_SIGNER', 'signer', 'an attestation must be signed by the server the request was addressed to');
    if (req.requestId !== att.requestId) reject(op, 'CROSS_REQUEST', 'requestId', 'differs from the attested request');
    if (req.seed !== att.seed) reject(op, 'CROSS_REQUEST', 'seed', 'differs from the attested request');
    if (req.inputHash !== att.inputHash) reject(op, 'WRONG_INPUT', 'inputHash', 'differs from the attested request');
    this.remember(att);
    return att;
  }

  /**
   * §3.2 step 7: the user's dispute. Checks that both responses are validly signed by two different
   * servers for this request id, that the reveal is the user's and opens the commitment A signed, and
   * that the output hashes or trace roots do differ. Given p, the draw is recomputed from the reveal's
   * secret and response digest and `expect.beacon` (the round's beacon, published after A's response),
   * and a dispute whose draw is no challenge is BAD_REVEAL on `reveal.secret`; given `expect.validators`
   * (the public keys the same draw selects), a B outside them is WRONG_SIGNER on `responseB.signer`. Who
   * is honest is arbitration's question, not this one's.
   */
  verifyDispute(msg: unknown, now: number, expect: { readonly beacon?: string; readonly validators?: readonly string[] } = {}): Dispute {
    const op = 'verifyDispute';
    const d = this.fresh(DOMAINS.dispute, msg, now, op);
    const a = this.evidence(DOMAINS.response, d.responseA, op, 'responseA');
    const b = this.evidence(DOMAINS.response, d.responseB, op, 'responseB');
    const rev = this.evidence(DOMAINS.reveal, d.reveal, op, 'reveal');
    for (const [r, path] of [[a, 'responseA'], [b, 'responseB']] as const) {
      if (r.requestId !== d.requestId) reject(op, 'CROSS_REQUEST', `${path}.requestId`, 'differs from the dispute');
      if (r.seed !== d.seed) reject(op, 'CROSS_REQUEST', `${path}.seed`, 'differs from the dispute');
    }
    if (a.inputHash !== d.inputHash) reject(op, 'WRONG_INPUT', 'inputHash', "differs from responseA's");
    if (a.signer === b.signer) reject(op, 'WRONG_SIGNER', 'responseB.signer', 'A and B must be different servers');
    this.checkReveal(rev, d.signer, a, op, 'reveal');
    if (rev.commitment !== a.commitment) reject(op, 'CROSS_REQUEST', 'reveal.commitment', "is not the commitment A signed");
    if (this.challengeProbability !== undefined) {
      const beacon = expect.beacon;
      if (!isHex(beacon, 32)) throw new ProtocolParamError(op, 'beacon', "the round's beacon (64 lowercase hex) is needed to check the draw against p");
      const draw = { secret: rev.secret, requestId: rev.requestId, responseDigest: rev.responseDigest, beacon };
      if (!isRoundChallenged(draw, this.challengeProbability)) reject(op, 'BAD_REVEAL', 'reveal.secret', 'opens the commitment but, with the beacon, draws no challenge: B was never to be asked');
    }
    if (expect.validators !== undefined && !expect.validators.includes(b.signer)) {
      reject(op, 'WRONG_SIGNER', 'responseB.signer', 'is not a validator the round draw selects');
    }
    // Both hashes count: a substituted model can produce the same output through a different trace.
    if (a.outputHash === b.outputHash && a.traceRoot === b.traceRoot) reject(op, 'MALFORMED', 'responseB', 'has the output hash and trace root of responseA: there is nothing to dispute');
    this.remember(d);
    return d;
  }

  /**
   * §3.2 step 8: a node's vote on `expect.dispute`. Only a registered server with stake votes:
   * `expect.voters` maps each registered server's public key to its stake at the dispute, and a vote
   * signed by any other key, or by a server whose stake is 0, is WRONG_SIGNER on `signer`.
   */
  verifyVote(msg: unknown, now: number, expect: { readonly dispute: Dispute; readonly voters: ReadonlyMap<string, bigint> }): Vote {
    const op = 'verifyVote';
    const v = this.fresh(DOMAINS.vote, msg, now, op);
    if (v.requestId !== expect.dispute.requestId) reject(op, 'CROSS_REQUEST', 'requestId', 'differs from the dispute');
    if (v.disputeDigest !== messageDigest(expect.dispute)) reject(op, 'CROSS_REQUEST', 'disputeDigest', 'names another dispute');
    const stake = expect.voters.get(v.signer);
    if (stake === undefined) reject(op, 'WRONG_SIGNER', 'signer', `${v.signer.slice(0, 16)}… is not a registered server: only staked servers vote`);
    if (typeof stake !== 'bigint' || stake <= 0n) reject(op, 'WRONG_SIGNER', 'signer', `${v.signer.slice(0, 16)}… has no stake at this dispute (${String(stake)}): only staked servers vote`);
    this.remember(v);
    return v;
  }

  /** Forget replay entries whose messages have expired by `now` (they would be refused as EXPIRED). */
  prune(now: number): void {
    for (const cache of [this.nonces, this.ids]) for (const [key, expiry] of cache) if (expiry <= now) cache.delete(key);
  }

  /** Number of replay-cache entries held (for tests and monitoring). */
  get cacheSize(): number {
    return this.nonces.size + this.ids.size;
  }

  /** Checks every message gets on receipt, replay included (but does not record it). */
  private fresh<D extends Domain>(domain: D, msg: unknown, now: number, op: string): MessageByDomain[D] {
    if (!Number.isSafeInteger(now) || now < 0) throw new ProtocolParamError(op, 'now', `${now} must be a non-negative integer of milliseconds`);
    const m = this.evidence(domain, msg, op, '');
    if (m.expiry <= now) reject(op, 'EXPIRED', 'expiry', `expired at ${m.expiry}, now is ${now}`);
    if (m.expiry - now > this.maxTtlMs) reject(op, 'MALFORMED', 'expiry', `is ${m.expiry - now} ms ahead, more than the ${this.maxTtlMs} ms allowed`);
    if (this.nonces.has(`${m.signer}:${m.nonce}`)) reject(op, 'REPLAY', 'nonce', 'this signer already used this nonce');
    if (this.ids.has(`${m.domain}:${m.signer}:${m.requestId}`)) reject(op, 'REPLAY', 'requestId', `this signer already sent a ${m.domain} message for this request id`);
    return m;
  }

  /** Checks that hold for a message whenever it is looked at: shape, network, signature, model, input. */
  private evidence<D extends Domain>(domain: D, msg: unknown, op: string, path: string): MessageByDomain[D] {
    checkShape(domain, msg, op, path);
    const m = msg as SignedMessage;
    if (m.networkId !== this.networkId) reject(op, 'WRONG_DOMAIN', at(path, 'networkId'), `is '${m.networkId}', this is network '${this.networkId}'`);
    if (!verifyBytes(m.signer, m.signature, signingBytes(m))) reject(op, 'BAD_SIGNATURE', at(path, 'signature'), `does not verify for signer ${m.signer.slice(0, 16)}…`);
    if (m.modelHash !== this.modelHash) reject(op, 'WRONG_MODEL', at(path, 'modelHash'), `is ${m.modelHash.slice(0, 16)}…, expected ${this.modelHash.slice(0, 16)}…`);
    if (m.domain === DOMAINS.request && inputHash(m.input) !== m.inputHash) reject(op, 'WRONG_INPUT', at(path, 'inputHash'), 'is not the hash of the input carried');
    // What is delivered is what is compared: a response's output hash must be the hash of its output.
    if (m.domain === DOMAINS.response && outputHashOf(m.output) !== m.outputHash) reject(op, 'WRONG_OUTPUT', at(path, 'outputHash'), 'is not the hash of the output carried');
    return m as MessageByDomain[D];
  }

  /** A response must answer exactly `req`: same request, by its addressee. */
  private checkAnswers(res: InferenceResponse, req: InferenceRequest, op: string, path: string): void {
    if (res.signer !== req.server) reject(op, 'WRONG_SIGNER', at(path, 'signer'), 'the response is not signed by the server the request was addressed to');
    if (res.requestId !== req.requestId) reject(op, 'CROSS_REQUEST', at(path, 'requestId'), 'answers another request');
    if (res.requestDigest !== requestDigest(req)) reject(op, 'CROSS_REQUEST', at(path, 'requestDigest'), 'answers another request body');
    if (res.commitment !== req.commitment) reject(op, 'CROSS_REQUEST', at(path, 'commitment'), 'is not the commitment of the request');
    if (res.seed !== req.seed) reject(op, 'CROSS_REQUEST', at(path, 'seed'), 'is not the seed of the request');
    if (res.inputHash !== req.inputHash) reject(op, 'WRONG_INPUT', at(path, 'inputHash'), 'is not the input hash of the request');
    const shape = res.output.shape;
    const fits = req.input.kind === 'text' ? shape.length === 1 : shape.length === 2 && shape[0] === req.input.count;
    if (!fits) reject(op, 'MALFORMED', at(path, 'output.shape'), `[${shape.join(', ')}] is not the shape of an answer to a ${req.input.kind} request (token ids [n], or logits [count, classes])`);
  }

  /** A reveal must be the user's, follow A's response, and open its own commitment. */
  private checkReveal(rev: ChallengeReveal, user: string, responseA: InferenceResponse, op: string, path: string): void {
    if (rev.signer !== user) reject(op, 'WRONG_SIGNER', at(path, 'signer'), 'a reveal must be signed by the user who made the request');
    if (rev.requestId !== responseA.requestId) reject(op, 'CROSS_REQUEST', at(path, 'requestId'), "differs from A's response");
    if (rev.responseDigest !== messageDigest(responseA)) reject(op, 'CROSS_REQUEST', at(path, 'responseDigest'), "does not name A's response");
    if (challengeCommitment(rev.secret, rev.requestId) !== rev.commitment) reject(op, 'BAD_REVEAL', at(path, 'secret'), 'does not open the commitment');
  }

  private remember(m: SignedMessage): void {
    this.nonces.set(`${m.signer}:${m.nonce}`, m.expiry);
    this.ids.set(`${m.domain}:${m.signer}:${m.requestId}`, m.expiry);
  }
}
