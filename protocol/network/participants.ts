/**
 * The parties of an in-process spML network (paper §3.1–3.2): servers and users with deterministic
 * keys and their own message verifiers, and the shared state a round works on.
 */
import type { SpmlModel } from '../../engine/api.js';
import { keyFromSeed, sha256Hex, type NodeKey } from '../crypto.js';
import type { RoundClock } from '../clock.js';
import type { ModelStore } from '../inference.js';
import { ProtocolParamError } from '../errors.js';
import type { Ledger } from '../ledger.js';
import { MessageVerifier } from '../messages/verifier.js';
import type { ChallengeRateMonitor } from '../monitor.js';
import type { Settlement } from '../settlement.js';
import type { ServerStrategy, UserStrategy } from '../strategies.js';
import type { RoundReport, Sampler } from './types.js';

export interface Server {
  readonly id: string;
  readonly key: NodeKey;
  readonly stake: bigint;
  readonly strategy: ServerStrategy;
  /** Checks the requests addressed to this server. */
  readonly verifier: MessageVerifier;
}

export interface User {
  readonly id: string;
  readonly key: NodeKey;
  readonly strategy: UserStrategy;
  /** Checks the responses this user receives. */
  readonly verifier: MessageVerifier;
}

/**
 * Deterministic randomness: SHA-256 of the network seed, a label and a counter. Each round draws from
 * its own stream (`forRound`), so what one round draws never shifts another's: two networks that differ
 * only in p send A the same requests round after round.
 */
export class SeededRandom {
  private counter = 0;
  constructor(private readonly seed: string) {}

  /** The stream of the `attempt`-th request made to the network. */
  forRound(attempt: number): SeededRandom {
    return new SeededRandom(`${this.seed}\nround ${attempt}`);
  }

  /** 32 fresh bytes as hex. */
  hex32(label: string): string {
    return sha256Hex('spml/v1/network-random\n', this.seed, '\n', label, '\n', String(this.counter++));
  }
}

/** Everything a round reads and writes. */
export interface NetworkState {
  readonly networkId: string;
  readonly model: SpmlModel;
  readonly store: ModelStore;
  readonly servers: ReadonlyMap<string, Server>;
  readonly users: ReadonlyMap<string, User>;
  /** Checks what is broadcast to every node: reveals, disputes, attestations, votes. */
  readonly board: MessageVerifier;
  readonly ledger: Ledger;
  readonly settlement: Settlement;
  readonly monitor: ChallengeRateMonitor;
  readonly p: string;
  readonly validators: number;
  readonly ttlMs: number;
  readonly sampler: Sampler;
  readonly random: SeededRandom;
  readonly now: () => number;
  readonly rounds: RoundReport[];
  /** The network's round counter (ledger.clock): the round the next request opens in. Read-only here. */
  readonly clock: RoundClock;
  /** Moves the clock on by one round once a round has settled (releasing what comes due). */
  readonly completeRound: () => void;
}

/** A party's key, derived from the network seed and its id. */
export function partyKey(seed: string, role: 'node' | 'user', id: string): NodeKey {
  return keyFromSeed(`spml/v1/network-key\n${seed}\n${role}\n${id}`);
}

export function verifierFor(networkId: string, modelHash: string, p?: string): MessageVerifier {
  return new MessageVerifier(p === undefined ? { networkId, modelHash } : { networkId, modelHash, challengeProbability: p });
}

/** The servers that may vote on a dispute: public key → id and stake, and the total stake of the set. */
export interface Electorate {
  /** Every registered server by public key, zero-stake ones included (so that a refusal can say why). */
  readonly byKey: ReadonlyMap<string, { readonly id: string; readonly stake: bigint }>;
  /** Public key → stake at the dispute: what verifyVote checks a vote's signer against. */
  readonly stakes: ReadonlyMap<string, bigint>;
  /** The stake of every server with stake > 0: the 2/3 of the tally is taken of this. */
  readonly total: bigint;
}

/**
 * Who votes, and with what weight, on a dispute decided now (§3.2 step 8): each registered server with
 * its stake at the dispute, its bonded balance on the ledger (free + locked) before the round settles,
 * so a server slashed to nothing has no vote left. Rewards still pending are not yet stake.
 */
export function electorate(net: NetworkState): Electorate {
  return electorateOf([...net.servers.values()].map((s) => ({ id: s.id, publicKey: s.key.publicKey })), net.ledger);
}

/** The electorate of `servers` (id and public key each) with their stakes on `ledger` now. */
export function electorateOf(servers: Iterable<{ readonly id: string; readonly publicKey: string }>, ledger: Pick<Ledger, 'account'>): Electorate {
  const byKey = new Map<string, { id: string; stake: bigint }>();
  const stakes = new Map<string, bigint>();
  let total = 0n;
  for (const s of servers) {
    const acct = ledger.account(s.id);
    const stake = acct.free + acct.locked;
    byKey.set(s.publicKey, { id: s.id, stake });
    stakes.set(s.publicKey, stake);
    if (stake > 0n) total += stake;
  }
  return { byKey, stakes, total };
}

/** The validator count n of a network's config, checked against how many servers it has (n + 1 at least). */
export function validatorCount(op: string, config: { readonly validators?: number }, nodes: unknown): number {
  const n = config.validators ?? 1;
  if (!Number.isSafeInteger(n) || n < 1) throw new ProtocolParamError(op, 'config.validators', `must be an integer >= 1, got ${String(n)}`);
  if (!Array.isArray(nodes) || nodes.length < n + 1) throw new ProtocolParamError(op, 'nodes', `need at least n + 1 = ${n + 1} nodes (an asserter and ${n} validator(s))`);
  return n;
}
