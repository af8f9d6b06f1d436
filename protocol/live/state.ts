/**
 * What a live network holds while it plays rounds: the board (board.ts: ledger and settlement in
 * memory, or a contract on a chain), the registry of servers, the users (the driver plays them, so
 * their keys live here), the transport to the servers and the deadlines.
 */
import type { SpmlModel } from '../../engine/api.js';
import type { NodeKey } from '../crypto.js';
import type { MessageVerifier } from '../messages/verifier.js';
import type { SeededRandom } from '../network/participants.js';
import type { Transport } from '../transport/transport.js';
import type { Board } from './board.js';
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
  readonly board: Board;
  readonly registry: ReadonlyMap<string, RegisteredNode>;
  readonly users: ReadonlyMap<string, LiveUserState>;
  readonly random: SeededRandom;
  readonly ttlMs: number;
  readonly deadlines: Deadlines;
  /** Request attempts so far (each draws its own random stream and beacon). */
  attempts: number;
}
