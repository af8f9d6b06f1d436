/**
 * spML protocol (paper §2.1 PoSP, §3.2 spML): the in-process harness network, the live network whose
 * servers are reached through a transport (in-process or HTTP) with deadlines and default verdicts,
 * the server node, the signed messages, the challenge draw, selection, the ledger and settlement,
 * strategies and arbitration.
 */
export * from './network/index.js';
export * from './errors.js';
export * from './messages/index.js';
export { challengeCommitment, isChallenged, verifyDraw, drawValue, challengeThreshold, drawSeed, isRoundChallenged, verifyRoundDraw, type DrawInputs } from './challenge.js';
export { selectAsserter, selectValidators } from './selection.js';
export { ChallengeRateMonitor, type RateReport } from './monitor.js';
export { Ledger, type AccountView, type JournalEntry } from './ledger.js';
export { ledgerView, type LedgerView } from './ledger_view.js';
export { RoundClock, type ClockControl } from './clock.js';
export { Settlement, checkProtocolConfig, type ProtocolConfig, type RoundOutcome, type RoundSettlement, type Verdict } from './settlement.js';
export { ModelStore, runInference } from './inference.js';
export { formCoalition, perturbModel, type Coalition, type ServerStrategy, type UserStrategy } from './strategies.js';
export { arbitrateByBisection, type BisectionResult } from './bisection.js';
export { keyFromSeed, keyFromSecret, randomKey, type NodeKey } from './crypto.js';
export { createLiveNetwork, LiveNetwork, type RunOptions } from './live/network.js';
export type { LiveNetworkOptions, LiveRequest, LiveRoundReport, LiveOutcome, RegisteredNode, Silence } from './live/types.js';
export { DEFAULT_DEADLINES, type Deadlines } from './live/deadlines.js';
export { ServerNode, type ServerNodeOptions } from './live/server_node.js';
export { FileServedStore, MemoryServedStore, type ServedStore } from './live/served_store.js';
export { TransportError, NODE_METHODS, type Transport, type NodeHandler, type NodeMethod, type TransportFailure } from './transport/transport.js';
export { InProcessTransport } from './transport/in_process.js';
export { HttpTransport } from './transport/http/client.js';
export { serveHttp, type HttpNodeServer, type HttpServeOptions } from './transport/http/server.js';
export { FaultyTransport, type FaultRule, type FaultAction, type InjectedFault } from './transport/faults.js';
export { MemoryBoard, type Board, type RoundDraw } from './live/board.js';
export { ChainBoard, ChainBoardMismatch, type ChainBoardOptions } from './chain/board.js';
export { SpmlChain, ChainError, type SettlementConfig } from './chain/client.js';
export { startAnvil, type Anvil } from './chain/anvil.js';
export { contractSigner } from './chain/signer.js';
