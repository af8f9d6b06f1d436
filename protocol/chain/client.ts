/**
 * A typed client of the spML settlement contract (SpmlSettlement.sol) over viem: deploy it, call every
 * function of a round as a given account, sign the servers' EIP-712 messages, read balances and rounds,
 * and mine blocks on a test chain (anvil). Each write waits for its receipt and returns the gas it used
 * and the contract's events decoded; a revert throws ChainError with the Solidity error's name and
 * arguments, decoded by viem from the contract's ABI.
 *
 * Accounts are private keys (0x hex); a server's id in the draw is its address, and selection.ts sorts
 * ids as strings, so the helpers below hand addresses to the TypeScript draw in lowercase.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  http,
  parseEventLogs,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TypedDataDomain,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { SpmlError } from '../../engine/errors.js';
import { ProtocolParamError } from '../errors.js';
import type { ProtocolConfig } from '../settlement.js';
import type { StakedNode } from '../selection.js';
import { settlementArtifact, type ContractArtifact } from './compile.js';

/** The contract's constructor config (SpmlSettlement.Config): amounts in wei, p = pNum/pDen, window and deadlines in blocks. */
export interface SettlementConfig {
  readonly u: bigint;
  readonly dNum: bigint;
  readonly dDen: bigint;
  readonly R: bigint;
  readonly S: bigint;
  readonly Su: bigint;
  /** The silence penalty, burnt from a server's S when it misses a deadline. */
  readonly P: bigint;
  readonly window: bigint;
  readonly pNum: bigint;
  readonly pDen: bigint;
  /** Validators drawn per challenged round. */
  readonly n: bigint;
  readonly responseBlocks: bigint;
  readonly revealBlocks: bigint;
  readonly validateBlocks: bigint;
  readonly disputeBlocks: bigint;
  readonly attestBlocks: bigint;
  readonly voteBlocks: bigint;
}

/** The same money rules as settlement.ts's ProtocolConfig (window in that ledger's rounds). */
export function protocolConfigOf(c: SettlementConfig, window = 1): ProtocolConfig {
  return { u: c.u, d: { num: c.dNum, den: c.dDen }, R: c.R, S: c.S, Su: c.Su, window, silencePenalty: c.P };
}

export const PHASES = ['none', 'requested', 'responded', 'challenged', 'mismatch', 'disputed', 'voting', 'settled'] as const;
export type ChainPhase = (typeof PHASES)[number];
/** settlement.ts RoundOutcome kinds, by the contract's Outcome index (0: not settled). */
export const OUTCOMES = [null, 'unchallenged', 'match', 'arbitrated', 'no-verdict', 'asserter-silent', 'withheld-reveal', 'dispute-withheld'] as const;
export type ChainOutcome = Exclude<(typeof OUTCOMES)[number], null>;

export interface ChainAccount {
  readonly free: bigint;
  readonly locked: bigint;
  readonly escrow: bigint;
  readonly pending: bigint;
}

export interface ChainTotals {
  /** Σ over accounts of free + locked + escrow + pending. */
  readonly held: bigint;
  readonly rewardPool: bigint;
  readonly burnt: bigint;
}

export interface ChainRound {
  readonly phase: ChainPhase;
  readonly outcome: ChainOutcome | null;
  readonly released: boolean;
  readonly user: Address;
  readonly asserter: Address;
  /** The first validator whose result differs from A's (zero address before a mismatch). */
  readonly b: Address;
  readonly openBlock: bigint;
  readonly deadline: bigint;
  readonly beaconBlock: bigint;
  readonly commitment: Hex;
  /** keccak256(abi.encode(outputHash, traceRoot)) of A's response (resultKey). */
  readonly resultA: Hex;
  readonly responseDigest: Hex;
  readonly selectionSeed: Hex;
  readonly validators: readonly Address[];
  readonly attestedA: boolean;
  readonly attestedB: boolean;
  readonly snapshot: bigint;
  readonly totalStake: bigint;
}

export interface ChainEvent {
  readonly eventName: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface TxResult {
  readonly hash: Hex;
  readonly blockNumber: bigint;
  readonly gasUsed: bigint;
  readonly events: readonly ChainEvent[];
}

export interface ResponseMessage {
  readonly outputHash: Hex;
  readonly traceRoot: Hex;
  readonly responseDigest: Hex;
}

export interface ValidationMessage {
  readonly outputHash: Hex;
  readonly traceRoot: Hex;
}

export interface VoteMessage {
  readonly userHonest: boolean;
  readonly aHonest: boolean;
  readonly bHonest: boolean;
}

/** Where the chain is: its JSON-RPC URL and chain id (an Anvil from startAnvil is one). */
export interface ChainConnection {
  readonly rpcUrl: string;
  readonly chainId: number;
}

/** A call the contract refused: `errorName` is the Solidity custom error, `args` its arguments. */
export class ChainError extends SpmlError {
  readonly functionName: string;
  readonly errorName: string;
  readonly args: readonly unknown[];

  constructor(functionName: string, errorName: string, args: readonly unknown[], detail?: string) {
    super('PROTOCOL', `SpmlSettlement.${functionName}`, `reverted with ${errorName}(${args.map(String).join(', ')})${detail ? `: ${detail}` : ''}`);
    this.functionName = functionName;
    this.errorName = errorName;
    this.args = args;
  }
}

/** The EIP-712 domain of a settlement contract: name "spml", version "1". */
export function settlementDomain(chainId: number, verifyingContract: Address): TypedDataDomain {
  return { name: 'spml', version: '1', chainId, verifyingContract };
}

const TYPES = {
  Response: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'outputHash', type: 'bytes32' },
    { name: 'traceRoot', type: 'bytes32' },
    { name: 'responseDigest', type: 'bytes32' },
  ],
  Validation: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'outputHash', type: 'bytes32' },
    { name: 'traceRoot', type: 'bytes32' },
  ],
  Attestation: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'requestDigest', type: 'bytes32' },
  ],
  Vote: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'userHonest', type: 'bool' },
    { name: 'aHonest', type: 'bool' },
    { name: 'bHonest', type: 'bool' },
  ],
} as const;

/** A's signature of its response to `requestId` (§3.2 step 2). */
export function signResponse(key: Hex, domain: TypedDataDomain, requestId: Hex, m: ResponseMessage): Promise<Hex> {
  return privateKeyToAccount(key).signTypedData({ domain, types: { Response: TYPES.Response }, primaryType: 'Response', message: { requestId, ...pick(m, ['outputHash', 'traceRoot', 'responseDigest']) } });
}

/** A validator's signature of its result for `requestId` (§3.2 step 5). */
export function signValidation(key: Hex, domain: TypedDataDomain, requestId: Hex, m: ValidationMessage): Promise<Hex> {
  return privateKeyToAccount(key).signTypedData({ domain, types: { Validation: TYPES.Validation }, primaryType: 'Validation', message: { requestId, ...pick(m, ['outputHash', 'traceRoot']) } });
}

/** A disputed server's attestation of the request it received (§3.2 step 7), by its digest. */
export function signAttestation(key: Hex, domain: TypedDataDomain, requestId: Hex, requestDigest: Hex): Promise<Hex> {
  return privateKeyToAccount(key).signTypedData({ domain, types: { Attestation: TYPES.Attestation }, primaryType: 'Attestation', message: { requestId, requestDigest } });
}

/** A registered server's vote on the dispute of `requestId` (§3.2 step 8). */
export function signVote(key: Hex, domain: TypedDataDomain, requestId: Hex, m: VoteMessage): Promise<Hex> {
  return privateKeyToAccount(key).signTypedData({ domain, types: { Vote: TYPES.Vote }, primaryType: 'Vote', message: { requestId, ...pick(m, ['userHonest', 'aHonest', 'bHonest']) } });
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;
}

/** The address of a private key. */
export function addressOf(key: Hex): Address {
  return privateKeyToAccount(key).address;
}

/** A pool from the contract's events (ids, weights) as selection.ts StakedNodes, ids in lowercase so they sort as the contract does. */
export function stakedNodes(ids: readonly Address[], weights: readonly bigint[]): StakedNode[] {
  return ids.map((id, i) => ({ id: id.toLowerCase(), stake: weights[i]! }));
}

/** The viem chain of a connection (a plain local chain: ether, 18 decimals). */
export function chainDefinition(connection: ChainConnection): Chain {
  return {
    id: connection.chainId,
    name: `spml-${connection.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [connection.rpcUrl] } },
  };
}

/** Deploys any compiled contract from `deployer` and returns its address (the test harness and test contracts). */
export async function deployArtifact(connection: ChainConnection, deployer: Hex, artifact: ContractArtifact, args: readonly unknown[] = []): Promise<Address> {
  return (await deployment(connection, deployer, artifact, args)).address;
}

async function deployment(connection: ChainConnection, deployer: Hex, artifact: ContractArtifact, args: readonly unknown[]): Promise<{ address: Address; gasUsed: bigint }> {
  const chain = chainDefinition(connection);
  const wallet = createWalletClient({ account: privateKeyToAccount(deployer), chain, transport: http(connection.rpcUrl) });
  let hash: Hex;
  try {
    hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args });
  } catch (e) {
    throw chainError('constructor', e, artifact.abi);
  }
  const receipt = await createPublicClient({ chain, transport: http(connection.rpcUrl), pollingInterval: 20 }).waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new ChainError('constructor', 'Reverted', [], `deployment of ${artifact.contractName} (${hash}) failed`);
  return { address: receipt.contractAddress, gasUsed: receipt.gasUsed };
}

/**
 * The error a viem call failed with, as ChainError when the contract reverted with a custom error, a
 * panic or a reason string (decoded with the contract's ABI when viem has not, as for a deployment).
 */
export function chainError(functionName: string, e: unknown, abi?: Abi): unknown {
  if (!(e instanceof BaseError)) return e;
  const revert = e.walk((x) => x instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) return new ChainError(functionName, revert.data.errorName, revert.data.args ?? [], e.shortMessage);
  const withData = e.walk((x) => typeof (x as { data?: unknown }).data === 'string' && /^0x[0-9a-fA-F]{8}/.test((x as { data: string }).data));
  if (withData && abi) {
    try {
      const d = decodeErrorResult({ abi, data: (withData as unknown as { data: Hex }).data });
      return new ChainError(functionName, d.errorName, d.args ?? [], e.shortMessage);
    } catch {
      // Not an error this ABI knows: the viem error says what happened.
    }
  }
  return e;
}

type Write = { functionName: string; args?: readonly unknown[]; value?: bigint };

export class SpmlChain {
  readonly address: Address;
  readonly chainId: number;
  readonly rpcUrl: string;
  readonly artifact: ContractArtifact;
  readonly domain: TypedDataDomain;
  /** The gas the deployment used, for a client that deployed the contract. */
  readonly deployGas: bigint | undefined;
  private readonly chain: Chain;
  private readonly publicClient: PublicClient;
  private readonly wallets = new Map<Hex, WalletClient>();
  private readonly observers = new Set<(tx: TxResult, functionName: string) => void | Promise<void>>();

  private constructor(connection: ChainConnection, address: Address, artifact: ContractArtifact, deployGas?: bigint) {
    this.address = address;
    this.deployGas = deployGas;
    this.chainId = connection.chainId;
    this.rpcUrl = connection.rpcUrl;
    this.artifact = artifact;
    this.domain = settlementDomain(connection.chainId, address);
    this.chain = chainDefinition(connection);
    this.publicClient = createPublicClient({ chain: this.chain, transport: http(connection.rpcUrl), pollingInterval: 20 });
  }

  get abi(): Abi {
    return this.artifact.abi;
  }

  /** Deploys a settlement contract with `config` from `deployer`, funding its reward pool with `rewardPool` wei when given. */
  static async deploy(connection: ChainConnection, config: SettlementConfig, options: { readonly deployer: Hex; readonly rewardPool?: bigint; readonly artifact?: ContractArtifact }): Promise<SpmlChain> {
    const artifact = options.artifact ?? settlementArtifact();
    const deployed = await deployment(connection, options.deployer, artifact, [config]);
    const chain = new SpmlChain(connection, deployed.address, artifact, deployed.gasUsed);
    if (options.rewardPool !== undefined && options.rewardPool > 0n) await chain.fundRewards(options.deployer, options.rewardPool);
    return chain;
  }

  /** A client of the settlement contract already at `address`. */
  static at(connection: ChainConnection, address: Address, artifact: ContractArtifact = settlementArtifact()): SpmlChain {
    return new SpmlChain(connection, address, artifact);
  }

  /**
   * Calls `observer` after every successful write through this client, awaited before the write
   * resolves (tests check conservation after each transaction this way). Returns the unsubscribe.
   */
  observe(observer: (tx: TxResult, functionName: string) => void | Promise<void>): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  // --- writes: each sent from the account of private key `from` ---------------------------------

  deposit(from: Hex, amount: bigint): Promise<TxResult> {
    return this.write(from, { functionName: 'deposit', value: amount });
  }

  withdraw(from: Hex, amount: bigint): Promise<TxResult> {
    return this.write(from, { functionName: 'withdraw', args: [amount] });
  }

  fundRewards(from: Hex, amount: bigint): Promise<TxResult> {
    return this.write(from, { functionName: 'fundRewards', value: amount });
  }

  registerServer(from: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'registerServer' });
  }

  request(from: Hex, requestId: Hex, commitment: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'request', args: [requestId, commitment] });
  }

  respondFor(from: Hex, requestId: Hex, response: ResponseMessage, signature: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'respondFor', args: [requestId, response.outputHash, response.traceRoot, response.responseDigest, signature] });
  }

  /** The user's reveal; it must come in a block after the round's beaconBlock (the block after the response). */
  reveal(from: Hex, requestId: Hex, secret: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'reveal', args: [requestId, secret] });
  }

  validateFor(from: Hex, requestId: Hex, result: ValidationMessage, signature: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'validateFor', args: [requestId, result.outputHash, result.traceRoot, signature] });
  }

  dispute(from: Hex, requestId: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'dispute', args: [requestId] });
  }

  attestFor(from: Hex, requestId: Hex, requestDigest: Hex, signature: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'attestFor', args: [requestId, requestDigest, signature] });
  }

  voteFor(from: Hex, requestId: Hex, vote: VoteMessage, signature: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'voteFor', args: [requestId, vote.userHonest, vote.aHonest, vote.bHonest, signature] });
  }

  timeout(from: Hex, requestId: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'timeout', args: [requestId] });
  }

  release(from: Hex, requestId: Hex): Promise<TxResult> {
    return this.write(from, { functionName: 'release', args: [requestId] });
  }

  // --- signatures under this contract's domain ---------------------------------------------------

  signResponse(key: Hex, requestId: Hex, m: ResponseMessage): Promise<Hex> {
    return signResponse(key, this.domain, requestId, m);
  }

  signValidation(key: Hex, requestId: Hex, m: ValidationMessage): Promise<Hex> {
    return signValidation(key, this.domain, requestId, m);
  }

  signAttestation(key: Hex, requestId: Hex, requestDigest: Hex): Promise<Hex> {
    return signAttestation(key, this.domain, requestId, requestDigest);
  }

  signVote(key: Hex, requestId: Hex, m: VoteMessage): Promise<Hex> {
    return signVote(key, this.domain, requestId, m);
  }

  // --- views -------------------------------------------------------------------------------------

  async account(address: Address): Promise<ChainAccount> {
    const [free, locked, escrow, pending] = (await this.read('account', [address])) as readonly [bigint, bigint, bigint, bigint];
    return { free, locked, escrow, pending };
  }

  async totals(): Promise<ChainTotals> {
    const [held, rewardPool, burnt] = (await this.read('totals')) as readonly [bigint, bigint, bigint];
    return { held, rewardPool, burnt };
  }

  /** address(this).balance == held + rewardPool + burnt. */
  async conserved(): Promise<boolean> {
    return (await this.read('conserved')) as boolean;
  }

  async balance(): Promise<bigint> {
    return this.publicClient.getBalance({ address: this.address });
  }

  async round(requestId: Hex): Promise<ChainRound> {
    const r = (await this.read('getRound', [requestId])) as Omit<ChainRound, 'phase' | 'outcome'> & { phase: number; outcome: number };
    return { ...r, phase: PHASES[r.phase]!, outcome: OUTCOMES[r.outcome] ?? null };
  }

  async config(): Promise<SettlementConfig> {
    return (await this.read('config')) as SettlementConfig;
  }

  /** Registered servers in ascending address order and their selection weights. */
  async servers(): Promise<{ ids: readonly Address[]; weights: readonly bigint[] }> {
    const [ids, weights] = (await this.read('serverSet')) as readonly [readonly Address[], readonly bigint[]];
    return { ids, weights };
  }

  async rewardReserved(): Promise<bigint> {
    return (await this.read('rewardReserved')) as bigint;
  }

  async lockOf(requestId: Hex, address: Address): Promise<bigint> {
    return (await this.read('lockOf', [requestId, address])) as bigint;
  }

  async votingWeight(requestId: Hex, voter: Address): Promise<bigint> {
    return (await this.read('votingWeight', [requestId, voter])) as bigint;
  }

  /** The hash of block `number` (a round's beacon is that of its beaconBlock). */
  async blockHash(number: bigint): Promise<Hex> {
    const block = await this.publicClient.getBlock({ blockNumber: number });
    if (block.hash === null) throw new ProtocolParamError('SpmlChain.blockHash', 'number', `block ${number} is pending`);
    return block.hash;
  }

  async blockNumber(): Promise<bigint> {
    return this.publicClient.getBlockNumber({ cacheTime: 0 });
  }

  /** Mines `blocks` empty blocks (anvil's test RPC: a local chain only). */
  async mine(blocks: number): Promise<void> {
    if (!Number.isSafeInteger(blocks) || blocks < 1) throw new ProtocolParamError('SpmlChain.mine', 'blocks', `must be a positive integer, got ${blocks}`);
    await createTestClient({ chain: this.chain, mode: 'anvil', transport: http(this.rpcUrl) }).mine({ blocks });
  }

  // --- plumbing ----------------------------------------------------------------------------------

  private wallet(key: Hex): WalletClient & { account: PrivateKeyAccount } {
    let w = this.wallets.get(key);
    if (!w) {
      w = createWalletClient({ account: privateKeyToAccount(key), chain: this.chain, transport: http(this.rpcUrl) });
      this.wallets.set(key, w);
    }
    return w as WalletClient & { account: PrivateKeyAccount };
  }

  private async read(functionName: string, args: readonly unknown[] = []): Promise<unknown> {
    try {
      return await this.publicClient.readContract({ address: this.address, abi: this.abi, functionName, args });
    } catch (e) {
      throw chainError(functionName, e, this.abi);
    }
  }

  private async write(from: Hex, call: Write): Promise<TxResult> {
    const wallet = this.wallet(from);
    let hash: Hex;
    try {
      hash = await wallet.writeContract({
        address: this.address,
        abi: this.abi,
        functionName: call.functionName,
        args: call.args ?? [],
        account: wallet.account,
        chain: this.chain,
        ...(call.value === undefined ? {} : { value: call.value }),
      });
    } catch (e) {
      throw chainError(call.functionName, e, this.abi);
    }
    const receipt = await this.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new ChainError(call.functionName, 'Reverted', [], `transaction ${hash} reverted after its gas estimate passed`);
    const logs = receipt.logs.filter((l) => l.address.toLowerCase() === this.address.toLowerCase());
    const events = parseEventLogs({ abi: this.abi, logs }).map((l) => ({ eventName: l.eventName, args: l.args as Record<string, unknown> }));
    const tx = { hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, events };
    for (const observer of this.observers) await observer(tx, call.functionName);
    return tx;
  }
}
