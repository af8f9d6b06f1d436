/**
 * A server of an spML network (paper §3.2), the asserter or a validator of whatever request it is
 * sent (it cannot tell which: both receive the same request), behind the calls of transport/rpc.ts:
 *
 * - infer (steps 2 and 5): verifies the signed request is for it, runs the model per its strategy
 *   (strategies.ts), records what it served (served_store.ts) and signs the response. A repeated
 *   request (the caller retrying after a lost reply) gets the same signed response again.
 * - attest (step 7): signs the request it received, as evidence of what it was asked.
 * - open / reveal (arbitration): its trace leaves, and any leaf's tensor, recomputed on demand.
 * - judge (step 8): decides a dispute itself from the relayed evidence (network/arbitration.ts
 *   judgeDispute, which re-executes one leaf), checking every piece against signatures and hashes
 *   it trusts, redoing the validator draw from the stake table, and signs its vote.
 *
 * A node holds only its own key and model: the ledger, the clock and the registry belong to the
 * board (board.ts). Coalition strategies need a private channel between members, which only the
 * in-process harness (network/) models, so a node refuses them.
 */
import type { SpmlModel } from '../../engine/api.js';
import { merkleRoot } from '../../engine/trace.js';
import { drawSeed } from '../challenge.js';
import { sha256Hex, type NodeKey } from '../crypto.js';
import { MessageRejected, ProtocolParamError } from '../errors.js';
import { ModelStore } from '../inference.js';
import { messageDigest, requestDigest, signMessage } from '../messages/encode.js';
import { DOMAINS, type InferenceRequest, type InferenceResponse, type MessageHeader, type Vote } from '../messages/types.js';
import { MessageVerifier } from '../messages/verifier.js';
import { revealFromModel, type DisputedRun } from '../bisection.js';
import { judgeDispute, jobOf, voteOf } from '../network/arbitration.js';
import { selectionSeed } from '../selection.js';
import { serve, type ServerStrategy } from '../strategies.js';
import type { NodeHandler, NodeMethod } from '../transport/transport.js';
import { inferCall, judgeCall, requestRef, revealCall, tensorFromWire, tensorToWire, type JudgeCall, type NodeInfo, type Replies, type WireLeaf } from '../transport/rpc.js';
import { drawnValidators } from './validator_order.js';
import type { StatementSigner } from './statement_signer.js';
import { MemoryServedStore, type ServedRecord, type ServedStore } from './served_store.js';

export interface ServerNodeOptions {
  readonly id: string;
  readonly key: NodeKey;
  readonly networkId: string;
  /** The model the network serves: the one requests name and disputes are judged on. */
  readonly model: SpmlModel;
  /** Further models (a substituting node runs one of them). */
  readonly store?: ModelStore;
  /** Default honest. */
  readonly strategy?: ServerStrategy;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  /** Lifetime of the messages it signs (default 60 000 ms). */
  readonly ttlMs?: number;
  /** Where served requests are remembered (default in memory; FileServedStore survives a restart). */
  readonly served?: ServedStore;
  /** Signs the statements a settlement contract acts on, when the network settles on a chain. */
  readonly chainSigner?: StatementSigner;
}

export class ServerNode {
  readonly info: NodeInfo;
  readonly handle: NodeHandler;
  private readonly key: NodeKey;
  private readonly model: SpmlModel;
  private readonly store: ModelStore;
  private readonly strategy: ServerStrategy;
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly served: ServedStore;
  private readonly chainSigner: StatementSigner | undefined;
  private readonly requests: MessageVerifier;
  /** Evidence verifiers by challenge probability: a dispute is checked against the round's p. */
  private readonly boards = new Map<string, MessageVerifier>();
  /** Votes already cast, by dispute digest: a judge call repeated after a lost reply gets the same vote. */
  private readonly votes = new Map<string, Vote>();
  /** Requests being served now, so a retry waits for the first run instead of starting a second. */
  private readonly inFlight = new Map<string, Promise<Replies['infer']>>();

  constructor(options: ServerNodeOptions) {
    const strategy = options.strategy ?? { kind: 'honest' };
    if (strategy.kind === 'lazy' || strategy.kind === 'colluding')
      throw new ProtocolParamError('ServerNode', 'strategy', `'${strategy.kind}' needs a coalition channel, which only the in-process harness has`);
    this.key = options.key;
    this.model = options.model;
    this.store = options.store ?? new ModelStore();
    this.store.add(options.model);
    this.strategy = strategy;
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? 60_000;
    this.served = options.served ?? new MemoryServedStore();
    this.chainSigner = options.chainSigner;
    this.info = { id: options.id, publicKey: options.key.publicKey, networkId: options.networkId, modelHash: options.model.hash };
    this.requests = new MessageVerifier({ networkId: options.networkId, modelHash: options.model.hash });
    this.handle = (method, body) => this.dispatch(method, body);
  }

  private async dispatch(method: NodeMethod, body: unknown): Promise<unknown> {
    const op = `node.${method}`;
    switch (method) {
      case 'info':
        return this.info;
      case 'infer':
        return this.infer(inferCall(op, body).request);
      case 'attest':
        return this.attest(this.record(op, requestRef(op, body).requestId));
      case 'open':
        return { leaves: this.record(op, requestRef(op, body).requestId).leaves } satisfies Replies['open'];
      case 'reveal': {
        const { requestId, index } = revealCall(op, body);
        return this.reveal(this.record(op, requestId), index);
      }
      case 'judge':
        return this.judge(judgeCall(op, body));
      default:
        throw new ProtocolParamError('node', 'method', `no call '${String(method)}'`);
    }
  }

  private record(op: string, requestId: string): ServedRecord {
    const r = this.served.get(requestId);
    if (!r) throw new ProtocolParamError(op, 'requestId', `this node served no request ${requestId.slice(0, 16)}…`);
    return r;
  }

  /** Header fields of a message this node signs about `req`: fresh nonce, its own expiry. */
  /**
   * Header fields of a message of kind `domain` this node signs about `req`. The nonce is derived from
   * the node's secret, the kind and the request id: unique per message, as a node says each kind once
   * per request, and reproducible, so the same node answering the same request signs the same bytes.
   */
  private header(req: MessageHeader, domain: string): Omit<MessageHeader, 'domain' | 'signer' | 'signature'> {
    const { networkId, modelHash, inputHash, seed, requestId } = req;
    const nonce = sha256Hex('spml/v1/node-nonce\n', this.key.secretKey, '\n', domain, '\n', requestId);
    return { networkId, modelHash, inputHash, seed, requestId, nonce, expiry: this.now() + this.ttlMs };
  }

  private async infer(msg: InferenceRequest): Promise<Replies['infer']> {
    const id = (msg as { requestId?: unknown }).requestId;
    const done = typeof id === 'string' ? this.served.get(id) : undefined;
    // A retry of the request already answered, byte for byte: the same response, not a REPLAY refusal.
    // Anything else under that request id goes to the verifier, which refuses it with its reason.
    if (done && sameMessage(done.request, msg)) return this.withChain(done.response);
    const running = typeof id === 'string' ? this.inFlight.get(id) : undefined;
    if (running) return running;
    const request = this.requests.verifyRequest(msg, this.now(), { server: this.key.publicKey });
    const work = this.serveRequest(request);
    this.inFlight.set(request.requestId, work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(request.requestId);
    }
  }

  private async serveRequest(request: InferenceRequest): Promise<Replies['infer']> {
    const job = jobOf(request);
    const served = await serve(this.strategy, { nodeId: this.info.id, role: 'asserter', job, store: this.store });
    const result = served.result;
    const response = signMessage(this.key, {
      domain: DOMAINS.response,
      ...this.header(request, DOMAINS.response),
      requestDigest: requestDigest(request),
      commitment: request.commitment,
      output: result.outputTensor,
      outputHash: result.outputHash,
      traceRoot: result.traceRoot,
    });
    const leaves = result.leaves.map(({ label, tensorHash }) => ({ label, tensorHash }));
    const ranModel = this.strategy.kind === 'substitute' ? this.strategy.modelHash : this.model.hash;
    this.served.put({ request, response, leaves, ranModel });
    return this.withChain(response);
  }

  /** The reply to an inference: the response, and its statements for a contract when there is one. */
  private async withChain(response: InferenceResponse): Promise<Replies['infer']> {
    const s = this.chainSigner;
    if (!s) return { response };
    const { requestId, outputHash, traceRoot } = response;
    const chain = { response: await s.response(requestId, outputHash, traceRoot, messageDigest(response)), validation: await s.validation(requestId, outputHash, traceRoot) };
    return { response, chain };
  }

  private async attest(r: ServedRecord): Promise<Replies['attest']> {
    const attestation = signMessage(this.key, { domain: DOMAINS.attestation, ...this.header(r.request, DOMAINS.attestation), request: r.request });
    if (!this.chainSigner) return { attestation };
    return { attestation, chain: { attestation: await this.chainSigner.attestation(r.request.requestId, requestDigest(r.request)) } };
  }

  private async reveal(r: ServedRecord, index: number): Promise<Replies['reveal']> {
    const s = await revealFromModel(this.store.get(r.ranModel), jobOf(r.request))(index);
    return { state: tensorToWire(s.dtype, s.shape, s.data) };
  }

  private board(p: string): MessageVerifier {
    let v = this.boards.get(p);
    if (!v) {
      v = new MessageVerifier({ networkId: this.info.networkId, modelHash: this.info.modelHash, challengeProbability: p });
      this.boards.set(p, v);
    }
    return v;
  }

  private async judge(call: JudgeCall): Promise<Replies['judge']> {
    const op = 'node.judge';
    const digest = messageDigest(call.dispute);
    const cast = this.votes.get(digest);
    if (cast) return this.voteReply(cast);
    const board = this.board(call.p);
    const now = this.now();
    const pool = call.pool.map((s) => ({ id: s.id, stake: BigInt(s.stake) }));
    const keyOf = new Map(call.pool.map((s) => [s.id, s.publicKey]));
    const idOf = new Map(call.pool.map((s) => [s.publicKey, s.id]));
    const { reveal } = call.dispute;
    // Redo the validator draw from the stake table: B must be a validator the protocol chose.
    const seed = selectionSeed(drawSeed({ secret: reveal.secret, requestId: reveal.requestId, responseDigest: reveal.responseDigest, beacon: call.beacon }), reveal.requestId);
    const selected = drawnValidators(pool, { asserter: call.asserter, count: call.validatorCount, seed, silent: call.silent });
    const dispute = board.verifyDispute(call.dispute, now, { beacon: call.beacon, validators: selected.map((id) => keyOf.get(id)!) });
    const attestationA = board.verifyAttestation(call.attestationA, now);
    const attestationB = board.verifyAttestation(call.attestationB, now);
    if (attestationA.signer !== dispute.responseA.signer) throw new MessageRejected(op, 'WRONG_SIGNER', "is not signed by the server of the dispute's response A", 'attestationA.signer');
    if (attestationB.signer !== dispute.responseB.signer) throw new MessageRejected(op, 'WRONG_SIGNER', "is not signed by the server of the dispute's response B", 'attestationB.signer');
    const b = idOf.get(dispute.responseB.signer);
    const runOf = (party: 'A' | 'B', leaves: readonly WireLeaf[]): DisputedRun => ({
      leaves,
      reveal: async (index) => {
        const r = call.reveals.find((x) => x.party === party && x.index === index);
        if (!r) throw new ProtocolParamError(op, 'reveals', `party ${party} revealed no leaf ${index}`);
        return tensorFromWire(op, `reveals(${party}, ${index})`, r.state);
      },
    });
    const honest = await judgeDispute(this.model, {
      dispute,
      attestationA,
      attestationB,
      p: call.p,
      beacon: call.beacon,
      validatorSelected: b !== undefined && selected.includes(b),
      runA: runOf('A', call.traceA),
      runB: runOf('B', call.traceB),
    });
    // The draw may name servers by other ids than the network's (a contract's addresses): find our own there.
    const me = call.pool.find((x) => x.publicKey === this.key.publicKey)?.id ?? this.info.id;
    const verdict = voteOf(me, this.strategy, { a: call.asserter, b: b ?? '' }, honest.verdict);
    const vote = signMessage(this.key, { domain: DOMAINS.vote, ...this.header(dispute, DOMAINS.vote), disputeDigest: digest, verdict });
    this.votes.set(digest, vote);
    return this.voteReply(vote);
  }

  private async voteReply(vote: Vote): Promise<Replies['judge']> {
    if (!this.chainSigner) return { vote };
    return { vote, chain: { vote: await this.chainSigner.vote(vote.requestId, vote.verdict) } };
  }
}

/** Whether `msg` is exactly the signed message `known` (a malformed one never is). */
function sameMessage(known: InferenceRequest, msg: unknown): boolean {
  try {
    return messageDigest(msg as InferenceRequest) === messageDigest(known);
  } catch {
    return false;
  }
}

/** The root the leaves a node opened hash to (what its signed response must name). */
export const rootOf = (leaves: readonly WireLeaf[]): string => merkleRoot(leaves);
