/**
 * The shapes of the live network (network.ts): its options, a request, and what a round reports.
 */
import type { SpmlModel } from '../../engine/api.js';
import type { Verdict } from '../settlement.js';
import type { CastVote, NetworkConfig } from '../network/types.js';
import type { GenerationOptions, InferenceInput } from '../messages/types.js';
import type { RoundSettlement } from '../settlement.js';
import type { Transport, TransportFailure } from '../transport/transport.js';
import type { Board } from './board.js';
import type { Deadlines } from './deadlines.js';

/** A server in the board's registry: its id on the transport, its public key and its stake. */
export interface RegisteredNode {
  readonly id: string;
  readonly publicKey: string;
  /** Stake in base units: the ledger opens its account with it. */
  readonly stake: bigint;
}

export interface LiveUser {
  readonly id: string;
  /** Opening balance in base units; each request needs u + Su free. */
  readonly balance: bigint;
}

export interface LiveNetworkOptions {
  readonly transport: Transport;
  readonly nodes: readonly RegisteredNode[];
  /** The model every server serves: the board reads its trace schedule for arbitration. */
  readonly model: SpmlModel;
  /** Defaults to one user 'user' holding 10^15 base units. */
  readonly users?: readonly LiveUser[];
  readonly config: NetworkConfig;
  /** Defaults to 'spml-local'. */
  readonly networkId?: string;
  /** Request ids, secrets, sampling seeds, user keys and the beacon derive from it. */
  readonly seed: string | number | bigint;
  readonly deadlines?: Partial<Deadlines>;
  /** Where rounds settle: by default a MemoryBoard (the bigint ledger) over these nodes and users. */
  readonly board?: Board;
  /** Lifetime of the messages users sign (default 10 minutes). */
  readonly ttlMs?: number;
}

/** What a user asks, and how it departs from the protocol (tests of the liveness rules). */
export interface LiveRequest {
  readonly user: string;
  readonly input: InferenceInput;
  readonly options?: GenerationOptions & { readonly seed?: bigint };
  /** Never send the reveal, or never raise the dispute after a mismatch. */
  readonly withhold?: 'reveal' | 'dispute';
  /** Send the validators a different input than A (§3.2 step 7's dishonest user). */
  readonly splitInput?: boolean;
}

/** The liveness steps a server can miss. */
export type LiveStep = 'response' | 'attestation' | 'open' | 'reveal' | 'vote';

/** A server that missed a step's deadline (or answered it with something the receiver refused). */
export interface Silence {
  readonly node: string;
  readonly step: LiveStep;
  readonly failure: TransportFailure | 'refused';
  readonly message: string;
}

export type LiveOutcome = 'unchallenged' | 'match' | 'arbitrated' | 'no-verdict' | 'asserter-silent' | 'withheld-reveal' | 'dispute-withheld';

export interface LiveRoundReport {
  readonly round: number;
  readonly requestId: string;
  readonly user: string;
  readonly asserter: string;
  readonly challenged: boolean;
  readonly beacon?: string;
  /** The validators whose responses were compared (after replacements). */
  readonly validators: readonly string[];
  /** Validators replaced for silence, in order. */
  readonly replaced: readonly string[];
  readonly outcome: LiveOutcome;
  /** The verdict (arbitrated), or null when no judgement reached 2/3 of the stake. */
  readonly verdict?: Verdict | null;
  /** Disputed servers judged dishonest by default because they were silent. */
  readonly defaulted: readonly string[];
  readonly votes?: readonly CastVote[];
  /** The first divergent leaf of A's and B's traces and how many leaf tensors were revealed for it. */
  readonly bisection?: { readonly divergentIndex: number; readonly reveals: number };
  /** Every silence the round met (steps that ended without a usable reply). */
  readonly silences: readonly Silence[];
  /** Calls that failed and were retried within their deadline (a lost message, a restarting node). */
  readonly failedTries: number;
  readonly settlement: RoundSettlement;
  /** When the round began (ms since the epoch) and its wall time from the request to the settlement. */
  readonly startedAt: number;
  readonly latencyMs: number;
}
