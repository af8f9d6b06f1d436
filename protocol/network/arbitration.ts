/**
 * Arbitration of a disputed round (paper §3.2 steps 7–8): what an honest node concludes from the
 * broadcast evidence, how a coalition member votes instead (Assumption 3), and the 2/3-of-stake tally.
 *
 * An honest node decides in this order, each step needing only the evidence before it:
 *   1. The user: the reveal must open the commitment A signed and, with A's response digest and the
 *      round's beacon, draw a challenge (verifyRoundDraw), B must be a validator the protocol selects
 *      from that draw, and A's and B's attested requests must ask
 *      the same thing (requestDigest). Failing any of these, the user is dishonest and the servers'
 *      disagreement proves nothing about them.
 *   2. Each server must open the trace root it signed: leaves it cannot match to its root convict it.
 *   3. Trace bisection (bisection.ts): the first divergent leaf is re-executed (one MLP layer, or a GPT
 *      prefix) and the server whose leaf the recomputation matches is honest.
 *   4. Only if the traces agree yet the output hashes differ is the whole request re-run, to see whose
 *      output hash is the model's.
 */
import type { SpmlModel } from '../../engine/api.js';
import { merkleRoot, type TraceLeaf } from '../../engine/trace.js';
import { arbitrateByBisection, type BisectionResult, type DisputedRun } from '../bisection.js';
import { verifyRoundDraw, type DrawInputs } from '../challenge.js';
import { MessageRejected, ProtocolParamError } from '../errors.js';
import { runInference } from '../inference.js';
import { requestDigest } from '../messages/encode.js';
import type { Dispute, Honesty, InferenceRequest, InputAttestation } from '../messages/types.js';
import type { Coalition, Job, ServerStrategy } from '../strategies.js';
import type { CastVote } from './types.js';

export type Judgement = CastVote['verdict'];

/** One disputing server's side in bisection: the leaves it opens and its layer reveals. */
export interface ServerRun extends DisputedRun {
  readonly leaves: readonly TraceLeaf[];
}

export interface DisputeEvidence {
  readonly dispute: Dispute;
  readonly attestationA: InputAttestation;
  readonly attestationB: InputAttestation;
  /** The challenge probability the draw is checked against. */
  readonly p: string;
  /** The round's beacon (beacon.ts), mixed into the draw with the reveal and A's response digest. */
  readonly beacon: string;
  /** Whether the dispute's B is among the validators selected from the revealed secret. */
  readonly validatorSelected: boolean;
  readonly runA: ServerRun;
  readonly runB: ServerRun;
}

export interface HonestJudgement {
  readonly verdict: Judgement;
  readonly bisection?: BisectionResult;
}

const USER_DISHONEST: Judgement = { user: 'dishonest', serverA: 'honest', serverB: 'honest' };
const honesty = (ok: boolean): Honesty => (ok ? 'honest' : 'dishonest');

/** The job a server was asked to compute, read from the request it attested. */
export function jobOf(req: InferenceRequest): Job {
  return { requestId: req.requestId, modelHash: req.modelHash, input: req.input, options: req.options, seed: BigInt(req.seed) };
}

function drawHolds(commitment: string, draw: DrawInputs, p: string): boolean {
  try {
    return verifyRoundDraw(commitment, draw, p);
  } catch (e) {
    if (e instanceof MessageRejected) return false;
    throw e;
  }
}

/** What an honest node votes on a dispute (steps 1–4 of the header). */
export async function judgeDispute(model: SpmlModel, ev: DisputeEvidence): Promise<HonestJudgement> {
  const { dispute, attestationA, attestationB } = ev;
  const reqA = attestationA.request;
  const reqB = attestationB.request;
  const { secret, requestId, responseDigest } = dispute.reveal;
  if (!drawHolds(reqA.commitment, { secret, requestId, responseDigest, beacon: ev.beacon }, ev.p)) return { verdict: USER_DISHONEST };
  if (!ev.validatorSelected) return { verdict: USER_DISHONEST };
  if (requestDigest(reqA) !== requestDigest(reqB)) return { verdict: USER_DISHONEST };

  const opensA = merkleRoot(ev.runA.leaves) === dispute.responseA.traceRoot;
  const opensB = merkleRoot(ev.runB.leaves) === dispute.responseB.traceRoot;
  if (!opensA || !opensB) return { verdict: { user: 'honest', serverA: honesty(opensA), serverB: honesty(opensB) } };

  const job = jobOf(reqA);
  const bisection = await arbitrateByBisection(model, job, ev.runA, ev.runB);
  if (bisection.honest !== 'both') {
    const aOk = bisection.honest === 'A';
    const bOk = bisection.honest === 'B';
    return { verdict: { user: 'honest', serverA: honesty(aOk), serverB: honesty(bOk) }, bisection };
  }
  const truth = await runInference(model, job.input, job.options, job.seed);
  return {
    verdict: { user: 'honest', serverA: honesty(dispute.responseA.outputHash === truth.outputHash), serverB: honesty(dispute.responseB.outputHash === truth.outputHash) },
    bisection,
  };
}

function coalitionOf(strategy: ServerStrategy): Coalition | undefined {
  return strategy.kind === 'lazy' || strategy.kind === 'colluding' ? strategy.coalition : undefined;
}

/**
 * A node's vote. Coalition members protect their members whatever the evidence (both members: they
 * blame the user, the only other party who can be at fault); a deviating server that is a party
 * clears itself; everyone else votes the honest judgement.
 */
export function voteOf(node: string, strategy: ServerStrategy, parties: { readonly a: string; readonly b: string }, honest: Judgement): Judgement {
  const coalition = coalitionOf(strategy);
  if (coalition) {
    const aIn = coalition.members.includes(parties.a);
    const bIn = coalition.members.includes(parties.b);
    if (aIn && bIn) return USER_DISHONEST;
    if (aIn) return { user: 'honest', serverA: 'honest', serverB: 'dishonest' };
    if (bIn) return { user: 'honest', serverA: 'dishonest', serverB: 'honest' };
    return honest;
  }
  if (strategy.kind !== 'honest' && honest.user === 'honest') {
    if (node === parties.a && honest.serverA === 'dishonest') return { user: 'honest', serverA: 'honest', serverB: 'dishonest' };
    if (node === parties.b && honest.serverB === 'dishonest') return { user: 'honest', serverA: 'dishonest', serverB: 'honest' };
  }
  return honest;
}

/**
 * The judgement that holds at least 2/3 of the voting stake, or null when none does (§3.2 step 8:
 * "valid if at least 2/3 of the nodes vote on it", nodes weighed by stake). `totalStake` is the stake
 * of the whole staked server set at the dispute, not only of those whose votes arrived: a vote that is
 * missing or refused counts against every judgement, so dropping votes can prevent a verdict but never
 * make one. Each vote weighs its signer's stake; exact bigint arithmetic, 3·w ≥ 2·total.
 */
export function tally(votes: readonly CastVote[], totalStake: bigint): Judgement | null {
  const op = 'tally';
  if (typeof totalStake !== 'bigint' || totalStake <= 0n) throw new ProtocolParamError(op, 'totalStake', `must be a positive bigint, got ${String(totalStake)}`);
  const counts = new Map<string, { verdict: Judgement; weight: bigint }>();
  const seen = new Set<string>();
  let sum = 0n;
  for (const [i, v] of votes.entries()) {
    if (typeof v.stake !== 'bigint' || v.stake <= 0n) throw new ProtocolParamError(op, `votes[${i}].stake`, `must be a positive bigint: only staked servers vote, got ${String(v.stake)}`);
    if (seen.has(v.node)) throw new ProtocolParamError(op, `votes[${i}].node`, `'${v.node}' votes twice`);
    seen.add(v.node);
    sum += v.stake;
    const key = `${v.verdict.user}/${v.verdict.serverA}/${v.verdict.serverB}`;
    const entry = counts.get(key) ?? { verdict: v.verdict, weight: 0n };
    entry.weight += v.stake;
    counts.set(key, entry);
  }
  if (sum > totalStake) throw new ProtocolParamError(op, 'totalStake', `${totalStake} is less than the ${sum} the votes carry`);
  for (const { verdict, weight } of counts.values()) if (3n * weight >= 2n * totalStake) return verdict;
  return null;
}
