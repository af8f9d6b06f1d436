/**
 * One spML round, message by message (paper §3.2 steps 1–8), on the in-process network.
 *
 *   1. The user picks A by stake and sends it a signed request that carries a commitment to a secret.
 *   2. A verifies the request and answers per its strategy with a signed response; the user verifies it.
 *   3. The user reveals the secret and the network publishes the round's beacon (beacon.ts); the round
 *      is challenged iff H(drawSeed‖requestId) < p·2^256, drawSeed mixing the secret, A's signed response
 *      digest and the beacon (challenge.ts), so neither the user nor A can grind it. Every draw is
 *      recorded by the rate monitor. Until the reveal nobody, A included, can tell whether the round is
 *      audited: A's request has the same shape and content either way.
 *   4–5. On a challenge, validators are selected by stake from the same draw seed (never A) and each is
 *      sent the same request body; each answers without seeing A's result (only a coalition member
 *      learns its partner's answer, through the coalition: the attack being modelled).
 *   6. The user compares output hash and trace root: a substituted model may produce the same output
 *      through a different trace. All equal: a match.
 *   7. Otherwise the user broadcasts a signed dispute, and A and the disagreeing B attest the request
 *      they received.
 *   8. Every node signs a vote; only registered servers with stake are counted, each weighing its
 *      stake, and a judgement with at least 2/3 of the staked servers' stake stands, else no verdict.
 *      A refused vote is dropped and reported (RoundReport.droppedVotes); the dispute goes on.
 *
 * Money moves only once the messages are done: the round is then opened, challenged and settled on
 * the ledger in one go, and conservation is checked. Any other message refused on receipt
 * (MessageRejected) abandons the round before any money moves, and the report says which message and why.
 */
import { inputHash, messageDigest, requestDigest, signMessage } from '../messages/encode.js';
import { challengeCommitment, drawSeed, type DrawInputs } from '../challenge.js';
import { MessageRejected } from '../errors.js';
import { arbitrateByBisection, revealFromModel } from '../bisection.js';
import { asserterSeed, selectAsserter, selectValidators, selectionSeed, type StakedNode } from '../selection.js';
import { serve, userInputs, type Served } from '../strategies.js';
import type { RoundOutcome, Verdict } from '../settlement.js';
import {
  DOMAINS,
  type GenerationOptions,
  type InferenceInput,
  type InferenceRequest,
  type InferenceResponse,
  type Vote,
} from '../messages/types.js';
import { roundBeacon } from './beacon.js';
import { judgeDispute, jobOf, tally, voteOf, type HonestJudgement, type Judgement, type ServerRun } from './arbitration.js';
import { electorate, type NetworkState, type Server, type User } from './participants.js';
import type { CastVote, DroppedVote, RequestArgs, ResponseSummary, RoundMessages, RoundReport, Stage } from './types.js';

/** A refused message: carries the stage so that the report can name it. */
class Refused extends Error {
  constructor(
    readonly stage: Stage,
    readonly rejection: MessageRejected,
  ) {
    super(rejection.message);
  }
}

/**
 * Servers that could serve round `round`: each needs S free once the stakes due back by then are
 * released. Weighted by the stake it was configured with, so selection odds do not drift with rewards.
 */
function eligible(net: NetworkState, round: number): StakedNode[] {
  const S = net.settlement.config.S;
  const out: StakedNode[] = [];
  for (const s of net.servers.values()) {
    const acct = net.ledger.account(s.id);
    const released = acct.locks.filter((l) => l.unlockRound <= round && !l.held).reduce((sum, l) => sum + l.amount, 0n);
    const due = acct.rewards.filter((r) => r.payableRound <= round).reduce((sum, r) => sum + r.amount, 0n);
    if (acct.free + released + due >= S) out.push({ id: s.id, stake: s.stake });
  }
  return out;
}

interface Answer {
  readonly server: Server;
  readonly request: InferenceRequest;
  readonly response: InferenceResponse;
  readonly served: Served;
}

export async function playRound(net: NetworkState, args: RequestArgs): Promise<RoundReport> {
  const user = net.users.get(args.user);
  if (!user) throw new MessageRejected('network.request', 'MALFORMED', `no user '${args.user}' in this network`, 'user');
  const round = net.clock.round;
  const attempt = net.rounds.length;
  const random = net.random.forRound(attempt);
  const requestId = random.hex32('request-id');
  const messages: RoundMessages = { requestsB: [], responsesB: [], attestations: [], votes: [] };
  const responses: ResponseSummary[] = [];
  const base: { round: number; requestId: string; user: string; messages: RoundMessages; responses: ResponseSummary[]; beacon?: string } = { round, requestId, user: user.id, messages, responses };
  let asserter = '';
  let validators: string[] = [];
  let challenged = false;
  try {
    const pool = eligible(net, round);
    asserter = selectAsserter(pool, asserterSeed(requestId));
    const A = net.servers.get(asserter)!;
    const fresh = random.hex32('challenge-secret');
    const secret = args.challengeSecret ? args.challengeSecret({ requestId, asserter }) : fresh;
    const { seed: chosenSeed, ...options } = args.options ?? {};
    const seed = (chosenSeed ?? BigInt('0x' + random.hex32('sampling-seed').slice(0, 16))).toString();
    const commitment = challengeCommitment(secret, requestId);
    const inputs = userInputs(user.strategy, args.input, requestId);
    const deliver = <T>(stage: Stage, msg: unknown, receive: (m: unknown) => T): T => {
      const delivered = args.intercept ? args.intercept(stage, msg) : msg;
      try {
        return receive(delivered);
      } catch (e) {
        if (e instanceof MessageRejected) throw new Refused(stage, e);
        throw e;
      }
    };
    const header = (hash: string) => ({
      networkId: net.networkId,
      modelHash: net.model.hash,
      inputHash: hash,
      seed,
      requestId,
      nonce: random.hex32('nonce'),
      expiry: net.now() + net.ttlMs,
    });
    const ask = (server: Server, input: InferenceInput, stage: 'request-A' | 'request-B'): InferenceRequest => {
      const req = signMessage(user.key, { domain: DOMAINS.request, ...header(inputHash(input)), server: server.key.publicKey, input, options: options as GenerationOptions, commitment });
      return deliver(stage, req, (m) => server.verifier.verifyRequest(m, net.now(), { server: server.key.publicKey }));
    };
    const answer = async (server: Server, req: InferenceRequest, role: 'asserter' | 'validator', partner?: Answer): Promise<Answer> => {
      const coalition = server.strategy.kind === 'lazy' || server.strategy.kind === 'colluding' ? server.strategy.coalition : undefined;
      const channel = partner && coalition?.members.includes(partner.server.id) ? { nodeId: partner.server.id, result: partner.served.result } : undefined;
      const served = await serve(server.strategy, { nodeId: server.id, role, job: jobOf(req), store: net.store, ...(channel ? { asserter: channel } : {}) });
      const res = signMessage(server.key, {
        domain: DOMAINS.response,
        ...header(req.inputHash),
        requestDigest: requestDigest(req),
        commitment: req.commitment,
        output: served.result.outputTensor,
        outputHash: served.result.outputHash,
        traceRoot: served.result.traceRoot,
      });
      const stage = role === 'asserter' ? 'response-A' : 'response-B';
      const response = deliver(stage, res, (m) => user.verifier.verifyResponse(m, net.now(), { request: req }));
      responses.push({ node: server.id, role, outputHash: response.outputHash, traceRoot: response.traceRoot, computed: served.computed, deviated: served.deviated });
      return { server, request: req, response, served };
    };

    // Steps 1–2.
    messages.requestA = ask(A, inputs.toA, 'request-A');
    const a = await answer(A, messages.requestA, 'asserter');
    messages.responseA = a.response;

    // Step 3.
    const reveal = signMessage(user.key, { domain: DOMAINS.reveal, ...header(a.request.inputHash), commitment, secret, responseDigest: messageDigest(a.response) });
    messages.reveal = deliver('reveal', reveal, (m) => net.board.verifyReveal(m, net.now(), { request: a.request, response: a.response }));
    // The beacon is published only now, after A's signed response and the user's reveal.
    const draw: DrawInputs = { secret: messages.reveal.secret, requestId, responseDigest: messages.reveal.responseDigest, beacon: roundBeacon(net, attempt) };
    base.beacon = draw.beacon;
    const seedOfDraw = drawSeed(draw);
    challenged = net.sampler(seedOfDraw, requestId, net.p);
    net.monitor.record(challenged);
    if (!challenged) return finish(net, { ...base, asserter, challenged, validators, outcome: { kind: 'unchallenged' } });

    // Steps 3–5: validators from the round's draw seed, never A.
    validators = selectValidators(pool, { asserter, count: net.validators, seed: selectionSeed(seedOfDraw, requestId) });
    const bs: Answer[] = [];
    for (const id of validators) {
      const B = net.servers.get(id)!;
      const req = ask(B, inputs.toB, 'request-B');
      messages.requestsB.push(req);
      const b = await answer(B, req, 'validator', a);
      messages.responsesB.push(b.response);
      bs.push(b);
    }

    // Step 6: both hashes must agree.
    const same = (x: InferenceResponse, y: InferenceResponse) => x.outputHash === y.outputHash && x.traceRoot === y.traceRoot;
    const disagreeing = bs.find((b) => !same(b.response, a.response));
    if (!disagreeing) return finish(net, { ...base, asserter, challenged, validators, outcome: { kind: 'match' } });

    // Step 7: dispute and input attestations.
    const dispute = signMessage(user.key, { domain: DOMAINS.dispute, ...header(a.request.inputHash), responseA: a.response, responseB: disagreeing.response, reveal: messages.reveal });
    const validatorKeys = validators.map((id) => net.servers.get(id)!.key.publicKey);
    messages.dispute = deliver('dispute', dispute, (m) => net.board.verifyDispute(m, net.now(), { beacon: draw.beacon, validators: validatorKeys }));
    const attest = (x: Answer) => {
      const att = signMessage(x.server.key, { domain: DOMAINS.attestation, ...header(x.request.inputHash), request: x.request });
      const ok = deliver('attestation', att, (m) => net.board.verifyAttestation(m, net.now()));
      messages.attestations.push(ok);
      return ok;
    };
    const attestationA = attest(a);
    const attestationB = attest(disagreeing);
    const { reveal: disputed } = messages.dispute;
    const redrawn: DrawInputs = { secret: disputed.secret, requestId: disputed.requestId, responseDigest: disputed.responseDigest, beacon: draw.beacon };
    const reselected = selectValidators(pool, { asserter, count: net.validators, seed: selectionSeed(drawSeed(redrawn), requestId) });
    const honest = await judgeDispute(net.model, {
      dispute: messages.dispute,
      attestationA,
      attestationB,
      p: net.p,
      beacon: draw.beacon,
      validatorSelected: reselected.includes(disagreeing.server.id),
      runA: runOf(net, a),
      runB: runOf(net, disagreeing),
    });

    // Step 8: every node votes; only registered servers with stake are counted, each by its stake. A
    // refused vote is dropped and reported: one bad vote does not abort the dispute.
    const votes: CastVote[] = [];
    const droppedVotes: DroppedVote[] = [];
    const voters = electorate(net);
    const disputeDigest = messageDigest(messages.dispute);
    for (const node of net.servers.values()) {
      const verdict = voteOf(node.id, node.strategy, { a: asserter, b: disagreeing.server.id }, honest.verdict);
      const vote = signMessage(node.key, { domain: DOMAINS.vote, ...header(a.request.inputHash), disputeDigest, verdict });
      let counted: Vote;
      try {
        counted = deliver('vote', vote, (m) => net.board.verifyVote(m, net.now(), { dispute: messages.dispute!, voters: voters.stakes }));
      } catch (e) {
        if (!(e instanceof Refused)) throw e;
        const r = e.rejection;
        droppedVotes.push({ node: node.id, stage: 'vote', reason: r.reason, message: r.message, ...(r.field !== undefined ? { field: r.field } : {}) });
        continue;
      }
      messages.votes.push(counted);
      const signer = voters.byKey.get(counted.signer)!;
      votes.push({ node: signer.id, stake: signer.stake, verdict: counted.verdict });
    }
    const standing = tally(votes, voters.total);
    const verdict = standing && (await toVerdict(net, standing, a, disagreeing, bs));
    const outcome: Finished['outcome'] = verdict ? { kind: 'arbitrated', verdict } : { kind: 'no-verdict' };
    return finish(net, { ...base, asserter, challenged, validators, outcome, votes, droppedVotes, ...(honest.bisection ? { bisection: honest.bisection } : {}) });
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    const rejected = { stage: e.stage, reason: e.rejection.reason, message: e.rejection.message, ...(e.rejection.field !== undefined ? { field: e.rejection.field } : {}) };
    const report: RoundReport = { ...base, asserter, challenged, validators, outcome: 'rejected', rejected };
    net.rounds.push(report);
    return report;
  }
}

/** What a server opens in bisection: the leaves of what it served, and reveals of the model it ran. */
function runOf(net: NetworkState, x: Answer): ServerRun {
  const ran = x.server.strategy.kind === 'substitute' ? net.store.get(x.server.strategy.modelHash) : net.model;
  return { leaves: x.served.result.leaves, reveal: revealFromModel(ran, jobOf(x.request)) };
}

/**
 * The settlement verdict for the standing judgement. A validator outside the dispute shares the
 * judgement of the disputant whose hashes it repeats; one that repeats neither is judged by the honest
 * nodes' bisection against A.
 */
async function toVerdict(net: NetworkState, j: Judgement, a: Answer, b: Answer, bs: readonly Answer[]): Promise<Verdict | null> {
  if (j.user === 'dishonest') return { userHonest: false, dishonest: [], honest: [] };
  const judged = new Map<string, boolean>([
    [a.server.id, j.serverA === 'honest'],
    [b.server.id, j.serverB === 'honest'],
  ]);
  const key = (x: Answer) => `${x.response.outputHash}/${x.response.traceRoot}`;
  for (const x of bs) {
    if (judged.has(x.server.id)) continue;
    if (key(x) === key(a)) judged.set(x.server.id, judged.get(a.server.id)!);
    else if (key(x) === key(b)) judged.set(x.server.id, judged.get(b.server.id)!);
    else {
      const { honest } = await arbitrateByBisection(net.model, jobOf(a.request), runOf(net, a), runOf(net, x));
      judged.set(x.server.id, honest === 'B');
    }
  }
  const dishonest = [...judged].filter(([, ok]) => !ok).map(([id]) => id);
  if (dishonest.length === 0) return null;
  return { userHonest: true, dishonest, honest: [...judged].filter(([, ok]) => ok).map(([id]) => id) };
}

interface Finished {
  readonly round: number;
  readonly requestId: string;
  readonly user: string;
  readonly asserter: string;
  readonly challenged: boolean;
  readonly validators: string[];
  /** The in-process harness has no deadlines, so none of the liveness outcomes. */
  readonly outcome: Extract<RoundOutcome, { kind: 'unchallenged' | 'match' | 'arbitrated' | 'no-verdict' }>;
  readonly messages: RoundMessages;
  readonly responses: ResponseSummary[];
  readonly beacon?: string;
  readonly votes?: CastVote[];
  readonly droppedVotes?: DroppedVote[];
  readonly bisection?: HonestJudgement['bisection'];
}

/** Moves the money for a completed round and records its report. */
function finish(net: NetworkState, f: Finished): RoundReport {
  const { settlement, ledger } = net;
  if (settlement.openRound(f.user, f.asserter) !== f.round) throw new Error(`round ${f.round} opened off the network clock`);
  if (f.challenged) settlement.challenge(f.round, f.validators);
  const settled = settlement.settle(f.round, f.outcome);
  ledger.checkConservation();
  net.completeRound();
  const report: RoundReport = {
    round: f.round,
    requestId: f.requestId,
    user: f.user,
    asserter: f.asserter,
    challenged: f.challenged,
    validators: f.validators,
    outcome: f.outcome.kind === 'no-verdict' ? 'arbitrated' : f.outcome.kind,
    ...(f.outcome.kind === 'arbitrated' ? { verdict: f.outcome.verdict } : f.outcome.kind === 'no-verdict' ? { verdict: null } : {}),
    ...(f.beacon !== undefined ? { beacon: f.beacon } : {}),
    ...(f.votes ? { votes: f.votes } : {}),
    ...(f.droppedVotes ? { droppedVotes: f.droppedVotes } : {}),
    ...(f.bisection ? { bisection: f.bisection } : {}),
    responses: f.responses,
    settlement: settled,
    messages: f.messages,
  };
  net.rounds.push(report);
  return report;
}
