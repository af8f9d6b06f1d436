/**
 * What the board of a live network holds (paper §3.2: the chain's part): the registry of servers, the
 * ledger and settlement, the round clock only it moves, the beacon, the challenge-rate monitor and the
 * verifier of everything broadcast. The users' keys live here too, as the driver plays the users.
 */
import type { SpmlModel } from '../../engine/api.js';
import type { NodeKey } from '../crypto.js';
import type { RoundClock } from '../clock.js';
import type { Ledger } from '../ledger.js';
import type { MessageVerifier } from '../messages/verifier.js';
import type { ChallengeRateMonitor } from '../monitor.js';
import type { BeaconChain } from '../network/beacon.js';
import type { SeededRandom } from '../network/participants.js';
import type { Settlement } from '../settlement.js';
import type { StakedNode } from '../selection.js';
import type { Transport } from '../transport/transport.js';
import type { Deadlines } from './deadlines.js';
import type { RegisteredNode } from './types.js';

export interface LiveUserState {
  readonly id: string;
  readonly key: NodeKey;
  /** Checks the responses this user receives. */
  readonly verifier: MessageVerifier;
}

export interface LiveState {
  readonly networkId: string;
  readonly model: SpmlModel;
  readonly transport: Transport;
  readonly registry: ReadonlyMap<string, RegisteredNode>;
  readonly users: ReadonlyMap<string, LiveUserState>;
  readonly ledger: Ledger;
  readonly settlement: Settlement;
  readonly clock: RoundClock;
  /** Opens the next round: the clock moves one round per request, so concurrent rounds never share one. */
  readonly nextRound: () => number;
  readonly beacon: BeaconChain;
  readonly monitor: ChallengeRateMonitor;
  readonly board: MessageVerifier;
  readonly random: SeededRandom;
  readonly p: string;
  readonly validators: number;
  readonly ttlMs: number;
  readonly deadlines: Deadlines;
  /** Request attempts so far (each draws its own random stream and beacon). */
  attempts: number;
}

/**
 * Servers that can take on a round now: S free. Weighted by registered stake, so selection odds do not
 * drift with rewards and penalties.
 */
export function eligible(net: LiveState): StakedNode[] {
  const S = net.settlement.config.S;
  return [...net.registry.values()].filter((n) => net.ledger.free(n.id) >= S).map((n) => ({ id: n.id, stake: n.stake }));
}
