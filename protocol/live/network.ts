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
import { ProtocolParamError } from '../errors.js';
import type { LedgerView } from '../ledger_view.js';
import { MessageVerifier } from '../messages/verifier.js';
import type { ChallengeRateMonitor } from '../monitor.js';
import { partyKey, SeededRandom, validatorCount } from '../network/participants.js';
import type { ProtocolConfig } from '../settlement.js';
import { MemoryBoard, type Board } from './board.js';
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
  readonly monitor: ChallengeRateMonitor;
  readonly model: SpmlModel;
  readonly networkId: string;
  readonly config: ProtocolConfig;
  readonly board: Board;
  readonly #state: LiveState;
  readonly #reports: LiveRoundReport[] = [];

  /** Use createLiveNetwork. */
  constructor(state: LiveState) {
    this.#state = state;
    this.board = state.board;
    this.monitor = state.board.monitor;
    this.model = state.model;
    this.networkId = state.networkId;
    this.config = state.board.config;
  }

  /** The in-memory board's ledger, read-only (a chain board's balances are read from the chain). */
  get ledger(): LedgerView {
    if (!(this.board instanceof MemoryBoard)) throw new ProtocolParamError('live.ledger', 'board', 'this network settles on a chain: read balances from its board');
    return this.board.ledger;
  }

  get nodes(): readonly RegisteredNode[] {
    return [...this.#state.registry.values()];
  }

  /** Every settled round's report, in settlement order. */
  get reports(): readonly LiveRoundReport[] {
    return this.#reports;
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
  const registry = new Map<string, RegisteredNode>();
  const keys = new Set<string>();
  for (const [i, node] of options.nodes.entries()) {
    if (typeof node.id !== 'string' || node.id === '' || registry.has(node.id)) throw new ProtocolParamError(OP, `nodes[${i}].id`, `must be a distinct non-empty string, got '${String(node.id)}'`);
    if (typeof node.stake !== 'bigint' || node.stake < 0n) throw new ProtocolParamError(OP, `nodes[${i}].stake`, `must be a bigint >= 0, got ${String(node.stake)}`);
    if (keys.has(node.publicKey)) throw new ProtocolParamError(OP, `nodes[${i}].publicKey`, 'is registered twice');
    keys.add(node.publicKey);
    registry.set(node.id, { id: node.id, publicKey: node.publicKey, stake: node.stake });
  }
  const userSpecs = options.users ?? [{ id: 'user', balance: 10n ** 15n }];
  const users = new Map<string, LiveUserState>();
  for (const [i, u] of userSpecs.entries()) {
    if (registry.has(u.id) || users.has(u.id)) throw new ProtocolParamError(OP, `users[${i}].id`, `'${u.id}' is used twice (node and user ids share one ledger)`);
    users.set(u.id, { id: u.id, key: partyKey(seed, 'user', u.id), verifier: new MessageVerifier({ networkId, modelHash: options.model.hash }) });
  }
  const random = new SeededRandom(seed);
  const board = options.board ?? new MemoryBoard(networkId, options.model.hash, registry, userSpecs, config, String(config.p), n, random);
  const state: LiveState = {
    networkId,
    model: options.model,
    transport: options.transport,
    board,
    registry,
    users,
    random,
    ttlMs: options.ttlMs ?? 10 * 60 * 1000,
    deadlines: checkDeadlines(OP, options.deadlines),
    attempts: 0,
  };
  return new LiveNetwork(state);
}
