/**
 * One spML round between processes (paper §3.2 steps 1–8), played by the board and the user over a
 * Transport, with a deadline on every step and a default verdict for every silence
 * (settlement.ts header, "Liveness"):
 *
 *   1. The round opens on the ledger at once: the user's fee u is escrowed, its Su and A's S locked.
 *   2. A must answer within deadlines.response (retried while the deadline allows), else the round
 *      settles 'asserter-silent': u refunded, A penalised P. A response the user refuses counts as none.
 *   3. The user reveals (withholding it settles 'withheld-reveal': u burnt, A paid); the board publishes
 *      the beacon, and the draw (secret, A's response digest, beacon) decides the challenge.
 *   4–5. Validators come from the draw's stake-weighted order (validator_order.ts), all asked at once; a
 *      silent one is penalised P and replaced by the next in the order.
 *   6. Equal output hash and trace root from every validator: a match.
 *   7. Else the user disputes (withholding it settles 'dispute-withheld'), the round's stakes are held
 *      until it settles (settlement.openDispute), and A and the disagreeing B must attest and open their
 *      traces within deadlines.attestation: a silent one is judged dishonest by default, without a vote.
 *   8. The board bisects the opened traces to the first divergent leaf, fetches from A and B the leaf
 *      tensors re-executing it reads (bisection.ts leavesToReveal), and relays everything to every
 *      registered server; each judges on its own (server_node.ts judge) and signs a vote. Votes weigh
 *      their signer's stake, and a judgement with 2/3 of the whole staked set's stake stands.
 */
import { bisect, type TraceLeaf } from '../../engine/trace.js';
import { leavesToReveal } from '../bisection.js';
import { challengeCommitment } from '../challenge.js';
import { MessageRejected, ProtocolParamError } from '../errors.js';
import { inputHash, messageDigest, signMessage } from '../messages/encode.js';
import { DOMAINS, type InferenceInput, type InferenceRequest, type InferenceResponse, type InputAttestation } from '../messages/types.js';
import { jobOf, tally, type Judgement } from '../network/arbitration.js';
import type { RoundOutcome, Verdict } from '../settlement.js';
import { userInputs } from '../strategies.js';
import type { CastVote } from '../network/types.js';
import type { ChainStatements, Replies, WireLeaf, WireReveal } from '../transport/rpc.js';
import { callUntil, type Attempt } from './deadlines.js';
import type { LiveState } from './state.js';
import type { LiveOutcome, LiveRequest, LiveRoundReport, LiveStep, Silence } from './types.js';

interface Answer {
  readonly node: string;
  readonly request: InferenceRequest;
  readonly response: InferenceResponse;
  /** The same statement signed for a settlement contract, when the board is a chain. */
  readonly chain?: ChainStatements;
}

/** What a round has gathered by the time it settles. */
interface Progress {
  challenged: boolean;
  beacon?: string;
  validators: string[];
  replaced: string[];
  defaulted: string[];
  silences: Silence[];
  failedTries: number;
  votes?: CastVote[];
  bisection?: LiveRoundReport['bisection'];
}

export async function playLiveRound(net: LiveState, args: LiveRequest): Promise<LiveRoundReport> {
  const started = Date.now();
  const user = net.users.get(args.user);
  if (!user) throw new ProtocolParamError('live.request', 'user', `no user '${String(args.user)}' in this network`);
  const attempt = net.attempts++;
  const random = net.random.forRound(attempt);
  const requestId = random.hex32('request-id');
  const d = net.deadlines;
  const board = net.board;
  const secret = random.hex32('challenge-secret');
  const commitment = challengeCommitment(secret, requestId);
  const { round, asserter } = await board.open(user.id, requestId, commitment, attempt);
  const progress: Progress = { challenged: false, validators: [], replaced: [], defaulted: [], silences: [], failedTries: 0 };
  const finish = async (kind: LiveOutcome, verdict?: Verdict | null): Promise<LiveRoundReport> => {
    const outcome = (kind === 'arbitrated' ? { kind, verdict: verdict! } : { kind }) as RoundOutcome;
    const settlement = await board.settle(round, outcome);
    return {
      round,
      requestId,
      user: user.id,
      asserter,
      challenged: progress.challenged,
      ...(progress.beacon ? { beacon: progress.beacon } : {}),
      validators: progress.validators,
      replaced: progress.replaced,
      outcome: kind,
      ...(kind === 'arbitrated' || kind === 'no-verdict' ? { verdict: verdict ?? null } : {}),
      defaulted: progress.defaulted,
      ...(progress.votes ? { votes: progress.votes } : {}),
      ...(progress.bisection ? { bisection: progress.bisection } : {}),
      silences: progress.silences,
      failedTries: progress.failedTries,
      settlement,
      startedAt: started,
      latencyMs: Date.now() - started,
    };
  };
  const silent = (node: string, step: LiveStep, failure: Silence['failure'], message: string) => progress.silences.push({ node, step, failure, message });

  const { seed: chosenSeed, ...options } = args.options ?? {};
  const seed = (chosenSeed ?? BigInt('0x' + random.hex32('sampling-seed').slice(0, 16))).toString();
  const inputs = args.splitInput ? userInputs({ kind: 'split-input' }, args.input, requestId) : { toA: args.input, toB: args.input };
  const header = (input: InferenceInput) => ({
    networkId: net.networkId,
    modelHash: net.model.hash,
    inputHash: inputHash(input),
    seed,
    requestId,
    nonce: random.hex32('nonce'),
    expiry: Date.now() + net.ttlMs,
  });
  const publicKey = (id: string) => net.registry.get(id)!.publicKey;
  /** Ask `node` for an inference within the response deadline; undefined when it is silent or refused. */
  const ask = async (node: string, input: InferenceInput): Promise<Answer | undefined> => {
    const request = signMessage(user.key, { domain: DOMAINS.request, ...header(input), server: publicKey(node), input, options, commitment });
    const reply = await guarded(node, 'response', () => callUntil<Replies['infer']>(net.transport, node, 'infer', { request }, d.response, d));
    if (reply === undefined) return undefined;
    try {
      const response = user.verifier.verifyResponse(reply.response, Date.now(), { request });
      return { node, request, response, ...(reply.chain ? { chain: reply.chain } : {}) };
    } catch (e) {
      if (!(e instanceof MessageRejected)) throw e;
      silent(node, 'response', 'refused', e.message);
      return undefined;
    }
  };
  /** A step's reply, or undefined with the silence recorded (a node's refusal of our message included). */
  const guarded = async <T>(node: string, step: LiveStep, call: () => Promise<Attempt<T>>): Promise<T | undefined> => {
    try {
      const r = await call();
      progress.failedTries += r.failedTries;
      if (r.ok) return r.value;
      silent(node, step, r.failure.failure, r.failure.message);
    } catch (e) {
      if (!(e instanceof MessageRejected)) throw e;
      silent(node, step, 'refused', e.message);
    }
    return undefined;
  };

  // Steps 1–2.
  const a = await ask(asserter, inputs.toA);
  if (!a) return finish('asserter-silent');
  await board.responded(round, a.node, a.response, a.chain);

  // Step 3: the board publishes the beacon and the draw once the user has revealed.
  if (args.withhold === 'reveal') return finish('withheld-reveal');
  const revealMsg = signMessage(user.key, { domain: DOMAINS.reveal, ...header(inputs.toA), commitment, secret, responseDigest: messageDigest(a.response) });
  const { reveal, draw } = await board.reveal(round, revealMsg, a, attempt);
  progress.beacon = draw.beacon;
  progress.challenged = draw.challenged;
  if (!draw.challenged) return finish('unchallenged');

  // Steps 4–5: validators in the draw's order, a silent one replaced by the next.
  const order = draw.order;
  let next = Math.min(board.validators, order.length);
  const first = order.slice(0, next);
  progress.validators = [...first];
  const validate = async (id: string): Promise<Answer | undefined> => {
    const b = await ask(id, inputs.toB);
    if (b) {
      await board.validated(round, id, b.response, b.chain);
      return b;
    }
    const replacement = await board.replace(round, id, next < order.length ? order[next++] : undefined);
    progress.replaced.push(id);
    progress.validators = progress.validators.flatMap((v) => (v === id ? (replacement === undefined ? [] : [replacement]) : [v]));
    return replacement === undefined ? undefined : validate(replacement);
  };
  const answers = (await Promise.all(first.map(validate))).filter((x): x is Answer => x !== undefined);
  if (answers.length === 0) return finish('no-verdict', null);

  // Step 6.
  const same = (x: InferenceResponse, y: InferenceResponse) => x.outputHash === y.outputHash && x.traceRoot === y.traceRoot;
  const b = answers.find((x) => !same(x.response, a.response));
  if (!b) return finish('match');

  // Step 7.
  if (args.withhold === 'dispute') return finish('dispute-withheld');
  const dispute = await board.dispute(
    round,
    signMessage(user.key, { domain: DOMAINS.dispute, ...header(inputs.toA), responseA: a.response, responseB: b.response, reveal }),
    progress.validators.map(publicKey),
    draw.beacon,
  );
  const evidence = async (x: Answer) => {
    const attestation = await guarded(x.node, 'attestation', () => callUntil<Replies['attest']>(net.transport, x.node, 'attest', { requestId }, d.attestation, d));
    let checked: InputAttestation | undefined;
    try {
      checked = attestation && (await board.attested(round, x.node, attestation.attestation, attestation.chain));
      if (checked && checked.signer !== x.response.signer) throw new MessageRejected('live.attestation', 'WRONG_SIGNER', 'is not signed by the disputed server', 'signer');
    } catch (e) {
      if (!(e instanceof MessageRejected)) throw e;
      silent(x.node, 'attestation', 'refused', e.message);
      checked = undefined;
    }
    if (!checked) return undefined;
    const opened = await guarded(x.node, 'open', () => callUntil<Replies['open']>(net.transport, x.node, 'open', { requestId }, d.attestation, d));
    return opened && { attestation: checked, leaves: opened.leaves };
  };
  const [evA, evB] = await Promise.all([evidence(a), evidence(b)]);
  const verdictOf = (aOk: boolean, bOk: boolean): Verdict => serverVerdict(a, b, answers, aOk, bOk);
  if (!evA || !evB) {
    // A disputed party that does not attest, or does not open its trace, is judged dishonest by default.
    if (!evA) progress.defaulted.push(a.node);
    if (!evB) progress.defaulted.push(b.node);
    return finish('arbitrated', verdictOf(evA !== undefined, evB !== undefined));
  }

  // Step 8.
  const reveals = await fetchReveals(net, requestId, jobOf(evA.attestation.request), evA.leaves, evB.leaves, guarded, a.node, b.node);
  progress.bisection = reveals.bisection;
  const voters = await board.electorate();
  const drawId = (id: string) => draw.drawIds?.get(id) ?? id;
  const nodeOf = new Map([...(draw.drawIds ?? new Map<string, string>())].map(([node, id]) => [id, node]));
  const call = {
    dispute,
    attestationA: evA.attestation,
    attestationB: evB.attestation,
    p: board.p,
    beacon: draw.beacon,
    pool: draw.pool.map((n) => ({ id: n.id, publicKey: publicKey(nodeOf.get(n.id) ?? n.id), stake: n.stake.toString() })),
    asserter: drawId(asserter),
    validatorCount: board.validators,
    silent: progress.replaced.map(drawId),
    traceA: evA.leaves,
    traceB: evB.leaves,
    reveals: reveals.reveals,
  };
  const votes: CastVote[] = [];
  await Promise.all(
    [...net.registry.values()].map(async (node) => {
      const reply = await guarded(node.id, 'vote', () => callUntil<Replies['judge']>(net.transport, node.id, 'judge', call, d.vote, d));
      if (!reply) return;
      try {
        const vote = await board.voted(round, node.id, reply.vote, dispute, voters, reply.chain);
        const signer = voters.byKey.get(vote.signer)!;
        // One vote per server: a node answering with another's key adds nothing twice.
        if (!votes.some((v) => v.node === signer.id)) votes.push({ node: signer.id, stake: signer.stake, verdict: vote.verdict });
      } catch (e) {
        if (!(e instanceof MessageRejected)) throw e;
        silent(node.id, 'vote', 'refused', e.message);
      }
    }),
  );
  progress.votes = votes;
  const judgement = tally(votes, voters.total);
  if (!judgement) return finish('no-verdict', null);
  return finish('arbitrated', toVerdict(judgement, a, b, answers));
}

/**
 * Servers' fates when the user is honest: A and B as judged; a further validator shares the fate of
 * the disputant whose hashes it repeats, and one that repeats neither is honest only if both disputants
 * are dishonest (then the right answer is a third one).
 */
function serverVerdict(a: Answer, b: Answer, answers: readonly Answer[], aOk: boolean, bOk: boolean): Verdict {
  const key = (x: Answer) => `${x.response.outputHash}/${x.response.traceRoot}`;
  const fate = new Map<string, boolean>([
    [a.node, aOk],
    [b.node, bOk],
  ]);
  for (const x of answers) if (!fate.has(x.node)) fate.set(x.node, key(x) === key(a) ? aOk : key(x) === key(b) ? bOk : !aOk && !bOk);
  const ids = [...fate];
  return { userHonest: true, dishonest: ids.filter(([, ok]) => !ok).map(([id]) => id), honest: ids.filter(([, ok]) => ok).map(([id]) => id) };
}

function toVerdict(j: Judgement, a: Answer, b: Answer, answers: readonly Answer[]): Verdict | null {
  if (j.user === 'dishonest') return { userHonest: false, dishonest: [], honest: [] };
  const v = serverVerdict(a, b, answers, j.serverA === 'honest', j.serverB === 'honest');
  return v.dishonest.length === 0 ? null : v;
}

/**
 * The first leaf where the opened traces part, and the leaf tensors re-executing it reads, asked of A
 * and of B (a party that cannot reveal simply gives nothing; the voters use whichever hashes right).
 */
async function fetchReveals(
  net: LiveState,
  requestId: string,
  job: ReturnType<typeof jobOf>,
  leavesA: readonly WireLeaf[],
  leavesB: readonly WireLeaf[],
  guarded: <T>(node: string, step: LiveStep, call: () => Promise<Attempt<T>>) => Promise<T | undefined>,
  nodeA: string,
  nodeB: string,
): Promise<{ reveals: WireReveal[]; bisection?: LiveRoundReport['bisection'] }> {
  if (leavesA.length !== leavesB.length) return { reveals: [] };
  const { index } = bisect(leavesA as TraceLeaf[], leavesB as TraceLeaf[]);
  if (index < 0) return { reveals: [], bisection: { divergentIndex: -1, reveals: 0 } };
  let needed: number[];
  try {
    needed = leavesToReveal(net.model, job, index);
  } catch {
    // A request the model cannot run (a dishonest user's input): the voters judge the user first.
    return { reveals: [] };
  }
  const reveals: WireReveal[] = [];
  const d = net.deadlines;
  await Promise.all(
    (['A', 'B'] as const).flatMap((party) =>
      needed.map(async (i) => {
        const node = party === 'A' ? nodeA : nodeB;
        const r = await guarded(node, 'reveal', () => callUntil<Replies['reveal']>(net.transport, node, 'reveal', { requestId, index: i }, d.attestation, d));
        if (r) reveals.push({ party, index: i, state: r.state });
      }),
    ),
  );
  return { reveals, bisection: { divergentIndex: index, reveals: reveals.length } };
}
