/**
 * The board of a live network (paper §3.1–3.2: the part a chain plays): it opens and settles rounds,
 * publishes the draw, replaces silent validators, checks what is broadcast and counts votes by stake.
 * round.ts plays a round against this interface, so the same round settles in memory (MemoryBoard,
 * below: the bigint ledger and settlement.ts) or on an EVM (protocol/chain/board.ts).
 *
 * The board hears of each signed step as it happens (responded, validated, attested, voted): an
 * in-memory board only checks them; a chain board relays each server's on-chain signature to the
 * contract, which decides for itself, and `settle` then confirms the contract reached the outcome
 * the round computed.
 */
import type { RoundClock } from '../clock.js';
import { drawSeed, isChallenged, type DrawInputs } from '../challenge.js';
import { Ledger } from '../ledger.js';
import { ledgerView, type LedgerView } from '../ledger_view.js';
import type { ChallengeReveal, Dispute, InferenceRequest, InferenceResponse, InputAttestation, Vote } from '../messages/types.js';
import { MessageVerifier } from '../messages/verifier.js';
import { ChallengeRateMonitor } from '../monitor.js';
import { BeaconChain } from '../network/beacon.js';
import { electorateOf, type Electorate, type SeededRandom } from '../network/participants.js';
import { asserterSeed, selectAsserter, selectionSeed, type StakedNode } from '../selection.js';
import { Settlement, type ProtocolConfig, type RoundOutcome, type RoundSettlement } from '../settlement.js';
import { RoundClock as Clock } from '../clock.js';
import type { ChainStatements } from '../transport/rpc.js';
import type { RegisteredNode } from './types.js';
import { validatorOrder } from './validator_order.js';

/** What the draw of a revealed round decided (§3.2 step 3), with what a voter needs to redo it. */
export interface RoundDraw {
  readonly beacon: string;
  readonly challenged: boolean;
  /** Every eligible server but A in the draw's stake-weighted order: validators first, replacements after. */
  readonly order: readonly string[];
  /** The servers (and stakes) the order was drawn from, under the ids the draw sorts them by. */
  readonly pool: readonly StakedNode[];
  /**
   * The draw's id of each node, where the board draws under other ids than the network's (a contract
   * sorts servers by address); absent, they are the node ids. Voters redo the draw under these.
   */
  readonly drawIds?: ReadonlyMap<string, string>;
}

export interface Board {
  readonly networkId: string;
  readonly modelHash: string;
  readonly config: ProtocolConfig;
  readonly p: string;
  /** Validators per challenged round, n. */
  readonly validators: number;
  readonly monitor: ChallengeRateMonitor;
  /** Opens a round for the user's request: escrows u, locks Su and A's S, draws A. */
  open(user: string, requestId: string, commitment: string, attempt: number): Promise<{ readonly round: number; readonly asserter: string }>;
  /** A's response, as the user accepted it. */
  responded(round: number, node: string, response: InferenceResponse, chain?: ChainStatements): Promise<void>;
  /** The user's reveal: checked against the commitment, mixed with the beacon; on a challenge the first n validators' S is locked. */
  reveal(round: number, reveal: unknown, a: { readonly request: InferenceRequest; readonly response: InferenceResponse }, attempt: number): Promise<{ reveal: ChallengeReveal; draw: RoundDraw }>;
  /**
   * A validator missed its deadline: it pays P and the next server of the order not yet asked takes its
   * place; returns that server (the round's `next` suggestion, which an in-memory board takes as is), or
   * undefined when the order is spent.
   */
  replace(round: number, silent: string, next: string | undefined): Promise<string | undefined>;
  validated(round: number, node: string, response: InferenceResponse, chain?: ChainStatements): Promise<void>;
  /** The user's dispute, checked; the round's validators are then fixed. */
  dispute(round: number, dispute: unknown, validatorKeys: readonly string[], beacon: string): Promise<Dispute>;
  attested(round: number, node: string, attestation: unknown, chain?: ChainStatements): Promise<InputAttestation>;
  /** The staked servers by key, and the stake of the whole set, for a dispute decided now. */
  electorate(): Promise<Electorate>;
  /** A vote, checked against the dispute and the electorate. */
  voted(round: number, node: string, vote: unknown, dispute: Dispute, electorate: Electorate, chain?: ChainStatements): Promise<Vote>;
  settle(round: number, outcome: RoundOutcome): Promise<RoundSettlement>;
}

/** The board in memory: the bigint ledger, settlement.ts, the network's own clock and beacon chain. */
export class MemoryBoard implements Board {
  readonly config: ProtocolConfig;
  readonly monitor: ChallengeRateMonitor;
  readonly ledger: LedgerView;
  readonly clock: RoundClock;
  readonly #ledger: Ledger;
  readonly #settlement: Settlement;
  readonly #advance: (round: number) => void;
  readonly #beacon: (attempt: number) => string;
  readonly #verifier: MessageVerifier;
  readonly #registry: ReadonlyMap<string, RegisteredNode>;

  constructor(
    readonly networkId: string,
    readonly modelHash: string,
    registry: ReadonlyMap<string, RegisteredNode>,
    users: readonly { readonly id: string; readonly balance: bigint }[],
    config: ProtocolConfig,
    readonly p: string,
    readonly validators: number,
    random: SeededRandom,
    /** Replaces the beacon chain (a test replaying another board's rounds with that board's beacons). */
    beacon?: (attempt: number) => string,
  ) {
    const control = Clock.create(0);
    this.clock = control.clock;
    this.#advance = control.advanceTo;
    this.#ledger = new Ledger(control.clock);
    this.ledger = ledgerView(this.#ledger);
    this.#settlement = new Settlement(this.#ledger, config);
    this.config = this.#settlement.config;
    this.#registry = registry;
    for (const n of registry.values()) this.#ledger.open(n.id, n.stake, 'server stake');
    for (const u of users) this.#ledger.open(u.id, u.balance, 'user balance');
    const chain = new BeaconChain(networkId, random);
    this.#beacon = beacon ?? ((attempt) => chain.at(attempt));
    this.monitor = new ChallengeRateMonitor(p);
    this.#verifier = new MessageVerifier({ networkId, modelHash, challengeProbability: p });
  }

  /** Servers that can take on a round now: S free, weighted by registered stake. */
  #eligible(): StakedNode[] {
    const S = this.config.S;
    return [...this.#registry.values()].filter((n) => this.#ledger.free(n.id) >= S).map((n) => ({ id: n.id, stake: n.stake }));
  }

  async open(user: string, requestId: string): Promise<{ round: number; asserter: string }> {
    // One round per request: the clock moves as each opens, so concurrent rounds never share one.
    this.#advance(this.clock.round + 1);
    const asserter = selectAsserter(this.#eligible(), asserterSeed(requestId));
    return { round: this.#settlement.openRound(user, asserter), asserter };
  }

  async responded(): Promise<void> {}

  async reveal(round: number, msg: unknown, a: { request: InferenceRequest; response: InferenceResponse }, attempt: number): Promise<{ reveal: ChallengeReveal; draw: RoundDraw }> {
    const reveal = this.#verifier.verifyReveal(msg, Date.now(), a);
    const inputs: DrawInputs = { secret: reveal.secret, requestId: reveal.requestId, responseDigest: reveal.responseDigest, beacon: this.#beacon(attempt) };
    const seed = drawSeed(inputs);
    const challenged = isChallenged(seed, reveal.requestId, this.p);
    this.monitor.record(challenged);
    if (!challenged) return { reveal, draw: { beacon: inputs.beacon, challenged, order: [], pool: [] } };
    const pool = this.#eligible();
    const asserter = this.#settlement.openRounds().find((r) => r.round === round)!.asserter;
    const order = validatorOrder(pool, asserter, selectionSeed(seed, reveal.requestId));
    this.#settlement.challenge(round, order.slice(0, this.validators));
    return { reveal, draw: { beacon: inputs.beacon, challenged, order, pool } };
  }

  async replace(round: number, silent: string, next: string | undefined): Promise<string | undefined> {
    this.#settlement.replaceValidator(round, silent, next);
    return next;
  }

  async validated(): Promise<void> {}

  async dispute(round: number, msg: unknown, validatorKeys: readonly string[], beacon: string): Promise<Dispute> {
    const dispute = this.#verifier.verifyDispute(msg, Date.now(), { beacon, validators: validatorKeys });
    this.#settlement.openDispute(round);
    return dispute;
  }

  async attested(_round: number, _node: string, msg: unknown): Promise<InputAttestation> {
    return this.#verifier.verifyAttestation(msg, Date.now());
  }

  async electorate(): Promise<Electorate> {
    return electorateOf(this.#registry.values(), this.#ledger);
  }

  async voted(_round: number, _node: string, msg: unknown, dispute: Dispute, electorate: Electorate): Promise<Vote> {
    return this.#verifier.verifyVote(msg, Date.now(), { dispute, voters: electorate.stakes });
  }

  async settle(round: number, outcome: RoundOutcome): Promise<RoundSettlement> {
    return this.#settlement.settle(round, outcome);
  }

  /** Rounds opened and not yet settled. */
  get openRounds(): number {
    return this.#settlement.openRounds().length;
  }
}
