/**
 * Shapes of the in-process spML network (paper §3.2 steps 1–8): how a network is configured, what a
 * round reports, and the hook through which tests inject messages.
 */
import type { SpmlModel } from '../../engine/api.js';
import type { BisectionResult } from '../bisection.js';
import type { RejectionReason } from '../errors.js';
import type {
  ChallengeReveal,
  Dispute,
  GenerationOptions,
  Honesty,
  InferenceInput,
  InferenceRequest,
  InferenceResponse,
  InputAttestation,
  Vote,
} from '../messages/types.js';
import type { ProtocolConfig, RoundSettlement, Verdict } from '../settlement.js';
import type { ServerStrategy, UserStrategy } from '../strategies.js';

export interface NodeSpec {
  readonly id: string;
  /** Stake in base units: the ledger opens the node's account with it, and selection weighs by it. */
  readonly stake: bigint;
  readonly strategy: ServerStrategy;
}

export interface UserSpec {
  readonly id: string;
  /** Opening balance in base units; each request needs u + Su free. */
  readonly balance: bigint;
  readonly strategy: UserStrategy;
}

/** The money parameters, the challenge probability p and the number of validators n (default 1). */
export interface NetworkConfig extends ProtocolConfig {
  readonly p: string | number;
  readonly validators?: number;
}

/**
 * Whether a round is challenged, given the round's draw seed (challenge.ts drawSeed: the user's secret,
 * A's response digest and the beacon mixed), the request id and p. The protocol's draw is challenge.ts
 * isChallenged; tests may swap it.
 */
export type Sampler = (secret: string, requestId: string, p: string) => boolean;

/** Where in a round a message is on its way (the intercept hook sees each one before its receiver). */
export type Stage = 'request-A' | 'response-A' | 'reveal' | 'request-B' | 'response-B' | 'dispute' | 'attestation' | 'vote';

/**
 * Sees every message before its receiver verifies it and returns what is delivered instead (the same
 * message, a forgery, a replay). For tests of the verifiers inside real rounds.
 */
export type Intercept = (stage: Stage, message: unknown) => unknown;

export interface NetworkOptions {
  /** A shipped model name, a path, file bytes or a loaded model: the f(x) every node serves. */
  readonly model: string | Uint8Array | SpmlModel;
  /** Further models a substituting server runs (strategies.ts 'substitute' names one by hash). */
  readonly extraModels?: readonly SpmlModel[];
  readonly nodes: readonly NodeSpec[];
  /** Defaults to one honest user 'user' holding 10^12 base units. */
  readonly users?: readonly UserSpec[];
  readonly config: NetworkConfig;
  /** Defaults to 'spml-local'. */
  readonly networkId?: string;
  /** Every key, request id, nonce and secret derives from it, so a network replays exactly. */
  readonly seed: string | number | bigint;
  /** Milliseconds since the epoch; defaults to a virtual clock that moves one second per round. */
  readonly clock?: () => number;
  /** Message lifetime in milliseconds (default 60 000). */
  readonly ttlMs?: number;
  /** Replaces the challenge draw: for monitor tests only. */
  readonly sampler?: Sampler;
}

export interface RequestArgs {
  readonly user: string;
  readonly input: InferenceInput;
  /** Generation options and sampling seed (default: options {}, a seed drawn from the network seed). */
  readonly options?: GenerationOptions & { readonly seed?: bigint };
  /**
   * The user's own choice of challenge secret (default: 32 fresh bytes from the network seed). It sees
   * what a user knows when it commits: the request id and the asserter. For tests of a user that grinds
   * its secret; the draw also mixes A's response and the round beacon, so grinding gains it nothing.
   */
  readonly challengeSecret?: (round: { readonly requestId: string; readonly asserter: string }) => string;
  readonly intercept?: Intercept;
}

/** One server's answer in a round, as the user received it, and what the server really did. */
export interface ResponseSummary {
  readonly node: string;
  readonly role: 'asserter' | 'validator';
  readonly outputHash: string;
  readonly traceRoot: string;
  /** The server ran a model (paid the cost C of §2.2). */
  readonly computed: boolean;
  /** The server departed from the protocol (ground truth, not something the network can see). */
  readonly deviated: boolean;
}

/** A node's signed vote, as counted, with its weight: the signer's stake at the dispute (> 0). */
export interface CastVote {
  readonly node: string;
  readonly stake: bigint;
  readonly verdict: { readonly user: Honesty; readonly serverA: Honesty; readonly serverB: Honesty };
}

/** Every message a round put on the wire that its receiver accepted. */
export interface RoundMessages {
  requestA?: InferenceRequest;
  responseA?: InferenceResponse;
  reveal?: ChallengeReveal;
  requestsB: InferenceRequest[];
  responsesB: InferenceResponse[];
  dispute?: Dispute;
  attestations: InputAttestation[];
  votes: Vote[];
}

export interface Rejection {
  readonly stage: Stage;
  readonly reason: RejectionReason;
  readonly field?: string;
  readonly message: string;
}

/** A vote the board refused (§3.2 step 8): dropped from the tally, reported, and the dispute goes on. */
export interface DroppedVote extends Rejection {
  /** The server whose turn to vote it was (the refused message may be signed by another key). */
  readonly node: string;
}

export interface RoundReport {
  /** The ledger round it ran in (a rejected attempt reports the round it would have had). */
  readonly round: number;
  readonly requestId: string;
  readonly user: string;
  readonly asserter: string;
  readonly challenged: boolean;
  readonly validators: readonly string[];
  /**
   * The round beacon (beacon.ts) published after A's response and mixed into the draw; with the signed
   * reveal it lets every party recompute `challenged` and `validators`. Absent when the round was
   * abandoned before the reveal was accepted.
   */
  readonly beacon?: string;
  /** 'rejected': a message was refused, the round was abandoned, and no money moved. */
  readonly outcome: 'unchallenged' | 'match' | 'arbitrated' | 'rejected';
  /** The verdict that reached 2/3 of the staked servers' stake, or null when none did ('no verdict'). */
  readonly verdict?: Verdict | null;
  readonly votes?: readonly CastVote[];
  /** Votes refused on receipt (unregistered or zero-stake signer, bad signature, replay…). */
  readonly droppedVotes?: readonly DroppedVote[];
  /** The honest voters' trace bisection of A against the disputing validator. */
  readonly bisection?: BisectionResult;
  readonly responses: readonly ResponseSummary[];
  readonly settlement?: RoundSettlement;
  readonly rejected?: Rejection;
  readonly messages: RoundMessages;
}

/** What one node has done so far. */
export interface NodeStats {
  readonly id: string;
  /** Rounds served, as asserter or as validator. */
  readonly served: number;
  readonly asserted: number;
  readonly validated: number;
  /** Rounds in which it was slashed, and the total taken from its stake. */
  readonly slashed: number;
  readonly slashedAmount: bigint;
  /** Rewards minted to it (paid or still pending). */
  readonly earned: bigint;
}
