/**
 * The in-process spML network (paper §3.2): servers, users, the bigint ledger, settlement and the
 * challenge-rate monitor, wired so that a test can run real rounds — signed messages checked by real
 * verifiers, real model runs, real arbitration — and then inspect the money and what each node did.
 *
 *   const net = await createNetwork({ model: 'mnist-mlp', nodes, config, seed: 1 });
 *   const report = await net.request({ user: 'user', input });
 *
 * Keys, request ids, nonces, secrets and sampling seeds all derive from `seed`, so a network replays
 * exactly. The default clock is virtual (it moves one second per round), so message expiry is
 * deterministic too.
 */
import type { SpmlModel } from '../../engine/api.js';
import { isChallenged } from '../challenge.js';
import { ProtocolParamError } from '../errors.js';
import { ModelStore } from '../inference.js';
import { RoundClock } from '../clock.js';
import { Ledger } from '../ledger.js';
import { ChallengeRateMonitor } from '../monitor.js';
import { Settlement, type ProtocolConfig } from '../settlement.js';
import { ledgerView, type LedgerView } from '../ledger_view.js';
import type { NodeKey } from '../crypto.js';
import { partyKey, SeededRandom, validatorCount, verifierFor, type NetworkState, type Server, type User } from './participants.js';
import { playRound } from './round.js';
import type { NetworkOptions, NodeStats, RequestArgs, RoundReport, UserSpec } from './types.js';

const OP = 'createNetwork';
/** 2023-11-14T22:13:20Z: where the virtual clock starts. */
const VIRTUAL_EPOCH_MS = 1_700_000_000_000;
const DEFAULT_USER: UserSpec = { id: 'user', balance: 10n ** 12n, strategy: { kind: 'honest' } };
/** Replay caches are pruned this often (rounds); entries outlive their messages by at most this. */
const PRUNE_EVERY = 64;

export class Network {
  /** Balances, totals and the journal: read-only (settlement alone moves money, as rounds settle). */
  readonly ledger: LedgerView;
  /** The money parameters rounds settle with. */
  readonly config: ProtocolConfig;
  readonly monitor: ChallengeRateMonitor;
  readonly model: SpmlModel;
  readonly store: ModelStore;
  readonly networkId: string;
  private readonly state: NetworkState;
  private readonly advanceClock: () => void;

  /** Use createNetwork (it loads the model). */
  constructor(state: NetworkState, advanceClock: () => void) {
    this.state = state;
    this.advanceClock = advanceClock;
    this.ledger = ledgerView(state.ledger);
    this.config = state.settlement.config;
    this.monitor = state.monitor;
    this.model = state.model;
    this.store = state.store;
    this.networkId = state.networkId;
  }

  /** The network's round counter: the round the next request opens in (it moves as rounds settle). */
  get round(): number {
    return this.state.clock.round;
  }

  /** Every round's report, oldest first (rejected attempts included). */
  get rounds(): readonly RoundReport[] {
    return this.state.rounds;
  }

  get nodeIds(): string[] {
    return [...this.state.servers.keys()];
  }

  /** A party's signing key (servers and users): for tests that forge or re-sign messages. */
  identity(id: string): NodeKey {
    const party = this.state.servers.get(id) ?? this.state.users.get(id);
    if (!party) throw new ProtocolParamError('network.identity', 'id', `no node or user '${id}'`);
    return party.key;
  }

  /** Runs one full round (round.ts) and returns its report. */
  async request(args: RequestArgs): Promise<RoundReport> {
    this.advanceClock();
    const report = await playRound(this.state, args);
    if (report.round % PRUNE_EVERY === 0) this.prune();
    return report;
  }

  /** What node `id` has served, lost and earned so far, from the round reports and their journals. */
  stats(id: string): NodeStats {
    if (!this.state.servers.has(id)) throw new ProtocolParamError('network.stats', 'id', `no node '${id}'`);
    let asserted = 0;
    let validated = 0;
    let slashed = 0;
    let slashedAmount = 0n;
    let earned = 0n;
    for (const r of this.state.rounds) {
      if (!r.settlement) continue;
      if (r.asserter === id) asserted++;
      if (r.validators.includes(id)) validated++;
      let lost = 0n;
      for (const e of r.settlement.entries) {
        if (e.account !== id) continue;
        if (e.kind === 'slash' || e.kind === 'slash-burn') lost += e.amount;
        if (e.kind === 'reward') earned += e.amount;
      }
      if (lost > 0n) slashed++;
      slashedAmount += lost;
    }
    return { id, served: asserted + validated, asserted, validated, slashed, slashedAmount, earned };
  }

  private prune(): void {
    const now = this.state.now();
    this.state.board.prune(now);
    for (const s of this.state.servers.values()) s.verifier.prune(now);
    for (const u of this.state.users.values()) u.verifier.prune(now);
  }
}

/** A model already loaded (as opposed to a name, a path or file bytes). */
function isLoadedModel(x: unknown): x is SpmlModel {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && 'hash' in x && 'kind' in x;
}

function checkIds(what: string, ids: readonly string[], taken: Set<string>): void {
  for (const [i, id] of ids.entries()) {
    if (typeof id !== 'string' || id === '') throw new ProtocolParamError(OP, `${what}[${i}].id`, 'must be a non-empty string');
    if (taken.has(id)) throw new ProtocolParamError(OP, `${what}[${i}].id`, `'${id}' is used twice (node and user ids share one ledger)`);
    taken.add(id);
  }
}

/** Builds a network: loads the model, opens every account and derives every key from `seed`. */
export async function createNetwork(options: NetworkOptions): Promise<Network> {
  const { config } = options;
  const p = String(config.p);
  const n = validatorCount(OP, config, options.nodes);
  const seed = String(options.seed);
  const networkId = options.networkId ?? 'spml-local';
  const store = new ModelStore();
  const model = isLoadedModel(options.model) ? store.add(options.model) : await store.load(options.model);
  for (const extra of options.extraModels ?? []) store.add(extra);
  const users = options.users ?? [DEFAULT_USER];
  const taken = new Set<string>();
  checkIds('nodes', options.nodes.map((x) => x.id), taken);
  checkIds('users', users.map((x) => x.id), taken);

  // The network's own round clock: it alone holds the handle that moves it (completeRound below), so
  // locked stakes are released by the network's rounds, never by a time a caller supplies.
  const roundClock = RoundClock.create(1);
  const ledger = new Ledger(roundClock.clock);
  const settlement = new Settlement(ledger, config);
  const servers = new Map<string, Server>();
  for (const spec of options.nodes) {
    ledger.open(spec.id, spec.stake, 'server stake');
    servers.set(spec.id, { id: spec.id, key: partyKey(seed, 'node', spec.id), stake: spec.stake, strategy: spec.strategy, verifier: verifierFor(networkId, model.hash) });
  }
  const userMap = new Map<string, User>();
  for (const spec of users) {
    ledger.open(spec.id, spec.balance, 'user balance');
    userMap.set(spec.id, { id: spec.id, key: partyKey(seed, 'user', spec.id), strategy: spec.strategy, verifier: verifierFor(networkId, model.hash) });
  }

  let virtualNow = VIRTUAL_EPOCH_MS;
  const now = options.clock ?? (() => virtualNow);
  const state: NetworkState = {
    networkId,
    model,
    store,
    servers,
    users: userMap,
    board: verifierFor(networkId, model.hash, p),
    ledger,
    settlement,
    monitor: new ChallengeRateMonitor(p),
    p,
    validators: n,
    ttlMs: options.ttlMs ?? 60_000,
    sampler: options.sampler ?? ((secret, requestId, prob) => isChallenged(secret, requestId, prob)),
    random: new SeededRandom(seed),
    now,
    rounds: [],
    clock: roundClock.clock,
    completeRound: () => roundClock.advanceTo(roundClock.clock.round + 1),
  };
  return new Network(state, () => {
    virtualNow += 1000;
  });
}
