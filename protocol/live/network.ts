/**
 * A live spML network (paper §3.2) whose servers are reached through a Transport: in-process server
 * nodes in tests, separate processes over HTTP in a devnet (apps/cli/devnet.ts). This object is the
 * board (registry, ledger, settlement, clock, beacon, monitor) and plays the users; the servers hold
 * only their keys and models.
 *
 *   const net = createLiveNetwork({ transport, nodes, model, config, seed: 1 });
 *   const report = await net.request({ user: 'user', input: { kind: 'text', prompt: 'Call me' } });
 *
 * Rounds may run concurrently (`run` with a concurrency): each opens its own round on the clock, and
 * a dispute holds its stakes however many rounds open meanwhile.
 */
import type { SpmlModel } from '../../engine/api.js';
import { RoundClock } from '../clock.js';
import { ProtocolParamError } from '../errors.js';
import { Ledger } from '../ledger.js';
import { ledgerView, type LedgerView } from '../ledger_view.js';
import { MessageVerifier } from '../messages/verifier.js';
import { ChallengeRateMonitor } from '../monitor.js';
import { BeaconChain } from '../network/beacon.js';
import { partyKey, SeededRandom, validatorCount } from '../network/participants.js';
import { Settlement, type ProtocolConfig } from '../settlement.js';
import { checkDeadlines } from './deadlines.js';
import { playLiveRound } from './round.js';
import type { LiveState, LiveUserState } from './state.js';
import type { LiveNetworkOptions, LiveRequest, LiveRoundReport, RegisteredNode } from './types.js';

const OP = 'createLiveNetwork';

export interface RunOptions {
  /** Rounds in flight at once (default 1). */
  readonly concurrency?: number;
  /** Called after each round settles, in settlement order. */
  readonly onRound?: (report: LiveRoundReport, done: number) => void;
}

export class LiveNetwork {
  readonly ledger: LedgerView;
  readonly monitor: ChallengeRateMonitor;
  readonly model: SpmlModel;
  readonly networkId: string;
  readonly config: ProtocolConfig;
  readonly #state: LiveState;
  readonly #reports: LiveRoundReport[] = [];

  /** Use createLiveNetwork. */
  constructor(state: LiveState) {
    this.#state = state;
    this.ledger = ledgerView(state.ledger);
    this.monitor = state.monitor;
    this.model = state.model;
    this.networkId = state.networkId;
    this.config = state.settlement.config;
  }

  get nodes(): readonly RegisteredNode[] {
    return [...this.#state.registry.values()];
  }

  /** Every settled round's report, in settlement order. */
  get reports(): readonly LiveRoundReport[] {
    return this.#reports;
  }

  /** Rounds opened and not yet settled. */
  get inFlight(): number {
    return this.#state.settlement.openRounds().length;
  }

  /** Plays one round to its settlement. */
  async request(args: LiveRequest): Promise<LiveRoundReport> {
    const report = await playLiveRound(this.#state, args);
    this.#reports.push(report);
    return report;
  }

  /** Plays `requests` with up to `concurrency` rounds in flight; reports in settlement order. */
  async run(requests: readonly LiveRequest[], options: RunOptions = {}): Promise<LiveRoundReport[]> {
    const k = options.concurrency ?? 1;
    if (!Number.isSafeInteger(k) || k < 1) throw new ProtocolParamError('live.run', 'concurrency', `must be an integer >= 1, got ${String(k)}`);
    const out: LiveRoundReport[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const report = await this.request(requests[next++]!);
        out.push(report);
        options.onRound?.(report, out.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(k, requests.length) }, worker));
    return out;
  }
}

export function createLiveNetwork(options: LiveNetworkOptions): LiveNetwork {
  const { config } = options;
  const p = String(config.p);
  const n = validatorCount(OP, config, options.nodes);
  const seed = String(options.seed);
  const networkId = options.networkId ?? 'spml-local';
  const control = RoundClock.create(0);
  const ledger = new Ledger(control.clock);
  const settlement = new Settlement(ledger, config);
  const registry = new Map<string, RegisteredNode>();
  const keys = new Set<string>();
  for (const [i, node] of options.nodes.entries()) {
    if (typeof node.id !== 'string' || node.id === '' || registry.has(node.id)) throw new ProtocolParamError(OP, `nodes[${i}].id`, `must be a distinct non-empty string, got '${String(node.id)}'`);
    if (typeof node.stake !== 'bigint' || node.stake < 0n) throw new ProtocolParamError(OP, `nodes[${i}].stake`, `must be a bigint >= 0, got ${String(node.stake)}`);
    if (keys.has(node.publicKey)) throw new ProtocolParamError(OP, `nodes[${i}].publicKey`, 'is registered twice');
    keys.add(node.publicKey);
    registry.set(node.id, { id: node.id, publicKey: node.publicKey, stake: node.stake });
    ledger.open(node.id, node.stake, 'server stake');
  }
  const users = new Map<string, LiveUserState>();
  for (const [i, u] of (options.users ?? [{ id: 'user', balance: 10n ** 15n }]).entries()) {
    if (registry.has(u.id) || users.has(u.id)) throw new ProtocolParamError(OP, `users[${i}].id`, `'${u.id}' is used twice (node and user ids share one ledger)`);
    ledger.open(u.id, u.balance, 'user balance');
    users.set(u.id, { id: u.id, key: partyKey(seed, 'user', u.id), verifier: new MessageVerifier({ networkId, modelHash: options.model.hash }) });
  }
  const random = new SeededRandom(seed);
  const state: LiveState = {
    networkId,
    model: options.model,
    transport: options.transport,
    registry,
    users,
    ledger,
    settlement,
    clock: control.clock,
    nextRound: () => {
      control.advanceTo(control.clock.round + 1);
      return control.clock.round;
    },
    beacon: new BeaconChain(networkId, random),
    monitor: new ChallengeRateMonitor(p),
    board: new MessageVerifier({ networkId, modelHash: options.model.hash, challengeProbability: p }),
    random,
    p,
    validators: n,
    ttlMs: options.ttlMs ?? 10 * 60 * 1000,
    deadlines: checkDeadlines(OP, options.deadlines),
    attempts: 0,
  };
  return new LiveNetwork(state);
}
