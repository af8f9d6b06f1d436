/**
 * The board of a live network on an EVM (protocol/live/board.ts, paper §3.1–3.2 "on chain"): every
 * step of a round goes to the SpmlSettlement contract, which escrows, locks, draws, replaces, counts
 * votes and settles by its own rules. The user's steps are sent from the user's key; each server's
 * statements (its response, hashes, attestation and vote) are relayed from the relayer's key with the
 * server's own EIP-712 signature, so the contract believes the server, not the board. The spML
 * messages are still checked here as the in-memory board checks them.
 *
 * Round numbers are this board's count of requests; the contract keys rounds by request id. Servers
 * are drawn under their addresses (lowercase), which the draw sorts by. Deadlines on chain are in
 * blocks: where the round decides that a party is silent, this board mines past the contract's
 * deadline and calls `timeout`, and `settle` then checks that the contract reached the very outcome
 * the round computed (ChainBoardMismatch otherwise). Settled rounds are released as their window
 * passes. Every transaction is sent one at a time, so the draw's pool is read before it changes.
 */
import type { Address, Hex } from 'viem';
import { SpmlError } from '../../engine/errors.js';
import { requestDigest, messageDigest } from '../messages/encode.js';
import type { ChallengeReveal, Dispute, InferenceRequest, InferenceResponse, InputAttestation, Vote } from '../messages/types.js';
import { MessageVerifier } from '../messages/verifier.js';
import { ChallengeRateMonitor } from '../monitor.js';
import type { Electorate } from '../network/participants.js';
import type { JournalEntry, JournalKind } from '../ledger.js';
import type { ProtocolConfig, RoundOutcome, RoundSettlement } from '../settlement.js';
import type { ChainStatements } from '../transport/rpc.js';
import type { Board, RoundDraw } from '../live/board.js';
import { validatorOrder } from '../live/validator_order.js';
import { addressOf, protocolConfigOf, stakedNodes, type ChainEvent, type SpmlChain, type TxResult } from './client.js';

/** The contract's money events as the in-memory ledger's journal kinds. */
const JOURNAL_KINDS: Readonly<Record<string, JournalKind>> = {
  Escrowed: 'escrow',
  EscrowRefunded: 'refund',
  EscrowBurnt: 'escrow-burn',
  StakeLocked: 'lock',
  StakeUnlocked: 'unlock',
  StakeSlashed: 'slash',
  StakeBurnt: 'slash-burn',
  StakePenalized: 'penalty',
  RewardMinted: 'reward',
  RewardPaid: 'pay',
};

/** The contract settled a round otherwise than the round computed: the two implementations disagree. */
export class ChainBoardMismatch extends SpmlError {
  constructor(op: string, message: string) {
    super('PROTOCOL', op, message);
  }
}

export interface ChainNode {
  readonly id: string;
  readonly address: Address;
  /** The node's spML public key. */
  readonly publicKey: string;
}

export interface ChainBoardOptions {
  readonly chain: SpmlChain;
  readonly networkId: string;
  readonly modelHash: string;
  readonly p: string;
  readonly validators: number;
  readonly nodes: readonly ChainNode[];
  /** Each user's chain private key, by user id. */
  readonly users: ReadonlyMap<string, Hex>;
  /** Pays the gas of relayed statements and timeouts. */
  readonly relayer: Hex;
}

const hex = (h: string): Hex => `0x${h}`;
const bare = (h: string) => h.replace(/^0x/, '').toLowerCase();

interface ChainRoundState {
  readonly requestId: Hex;
  readonly user: Hex;
  readonly txs: TxResult[];
  settledAt?: bigint;
}

export class ChainBoard implements Board {
  readonly networkId: string;
  readonly modelHash: string;
  readonly p: string;
  readonly validators: number;
  readonly monitor: ChallengeRateMonitor;
  readonly chain: SpmlChain;
  /** Set by `create` from the contract's own config. */
  config!: ProtocolConfig;
  /** Every transaction this board sent, with its gas, in order. */
  readonly transactions: { readonly round: number; readonly fn: string; readonly gasUsed: bigint }[] = [];
  /** The contract's money events as ledger journal entries (ledger.ts kinds), accounts named by node or user id. */
  readonly journal: JournalEntry[] = [];
  readonly #verifier: MessageVerifier;
  readonly #relayer: Hex;
  readonly #users: ReadonlyMap<string, Hex>;
  readonly #userIds: ReadonlyMap<string, string>;
  readonly #byAddress = new Map<string, ChainNode>();
  readonly #byId = new Map<string, ChainNode>();
  readonly #rounds = new Map<number, ChainRoundState>();
  #count = 0;
  #window = 0n;
  /** Transactions go one at a time: each waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(o: ChainBoardOptions) {
    this.chain = o.chain;
    this.networkId = o.networkId;
    this.modelHash = o.modelHash;
    this.p = o.p;
    this.validators = o.validators;
    this.monitor = new ChallengeRateMonitor(o.p);
    this.#verifier = new MessageVerifier({ networkId: o.networkId, modelHash: o.modelHash, challengeProbability: o.p });
    this.#relayer = o.relayer;
    this.#users = o.users;
    this.#userIds = new Map([...o.users].map(([id, key]) => [addressOf(key).toLowerCase(), id]));
    for (const n of o.nodes) {
      this.#byAddress.set(n.address.toLowerCase(), n);
      this.#byId.set(n.id, n);
    }
  }

  static async create(o: ChainBoardOptions): Promise<ChainBoard> {
    const board = new ChainBoard(o);
    const c = await o.chain.config();
    board.config = protocolConfigOf(c, Number(c.window));
    board.#window = c.window;
    return board;
  }

  #node(address: unknown): ChainNode {
    const n = this.#byAddress.get(String(address).toLowerCase());
    if (!n) throw new ChainBoardMismatch('chainBoard', `the contract names ${String(address)}, which is no node of this network`);
    return n;
  }

  /** A node's or a user's id for an address (the address itself when it is neither). */
  #idOf(address: unknown): string {
    const a = String(address).toLowerCase();
    return this.#byAddress.get(a)?.id ?? this.#userIds.get(a) ?? a;
  }

  #state(round: number): ChainRoundState {
    const s = this.#rounds.get(round);
    if (!s) throw new ChainBoardMismatch('chainBoard', `round ${round} was never opened on this board`);
    return s;
  }

  /**
   * Sends one transaction after the previous one, records it for the round, and returns it. `send`
   * runs only once every earlier transaction is mined, so a check inside it sees their effects; it may
   * return undefined to send nothing.
   */
  #send(round: number, fn: string, send: () => Promise<TxResult | undefined>): Promise<TxResult | undefined> {
    const run = this.#queue.then(send).then((tx) => {
      if (!tx) return undefined;
      this.transactions.push({ round, fn, gasUsed: tx.gasUsed });
      for (const e of tx.events) {
        const kind = JOURNAL_KINDS[e.eventName];
        if (kind) this.journal.push({ round, kind, account: this.#idOf(e.args.account), amount: e.args.amount as bigint, memo: e.eventName });
      }
      this.#rounds.get(round)?.txs.push(tx);
      return tx;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** #send for a transaction that is always sent. */
  async #must(round: number, fn: string, send: () => Promise<TxResult>): Promise<TxResult> {
    return (await this.#send(round, fn, send))!;
  }

  async open(user: string, requestId: string, commitment: string): Promise<{ round: number; asserter: string }> {
    const key = this.#users.get(user);
    if (!key) throw new ChainBoardMismatch('chainBoard.open', `user '${user}' has no chain key`);
    const round = ++this.#count;
    this.#rounds.set(round, { requestId: hex(requestId), user: key, txs: [] });
    await this.#releaseDue();
    const tx = await this.#must(round, 'request', () => this.chain.request(key, hex(requestId), hex(commitment)));
    const ev = event(tx, 'Requested');
    return { round, asserter: this.#node(ev.asserter).id };
  }

  async responded(round: number, node: string, response: InferenceResponse, chain?: ChainStatements): Promise<void> {
    const sig = need(chain?.response, node, 'response');
    const s = this.#state(round);
    const m = { outputHash: hex(response.outputHash), traceRoot: hex(response.traceRoot), responseDigest: hex(messageDigest(response)) };
    await this.#must(round, 'respondFor', () => this.chain.respondFor(this.#relayer, s.requestId, m, sig));
  }

  async reveal(round: number, msg: unknown, a: { request: InferenceRequest; response: InferenceResponse }): Promise<{ reveal: ChallengeReveal; draw: RoundDraw }> {
    const reveal = this.#verifier.verifyReveal(msg, Date.now(), a);
    const s = this.#state(round);
    // The beacon is the hash of the block after A's response: the reveal must come in a later block.
    const { beaconBlock } = await this.chain.round(s.requestId);
    const wait = beaconBlock + 1n - (await this.chain.blockNumber());
    if (wait > 0n) await this.chain.mine(Number(wait));
    const tx = await this.#must(round, 'reveal', () => this.chain.reveal(s.user, s.requestId, hex(reveal.secret)));
    const revealed = event(tx, 'Revealed');
    const challenged = revealed.challenged as boolean;
    this.monitor.record(challenged);
    const beacon = bare(revealed.beacon as string);
    if (!challenged) return { reveal, draw: { beacon, challenged, order: [], pool: [] } };
    const drawn = event(tx, 'ValidatorsDrawn');
    const pool = stakedNodes(drawn.ids as Address[], drawn.weights as bigint[]);
    const asserter = (await this.chain.round(s.requestId)).asserter.toLowerCase();
    const order = validatorOrder(pool, asserter, bare(drawn.selectionSeed as string));
    const validators = (drawn.validators as Address[]).map((v) => v.toLowerCase());
    if (order.slice(0, validators.length).join() !== validators.join())
      throw new ChainBoardMismatch('chainBoard.reveal', `the contract drew validators ${validators.join(', ')}, the draw's order begins ${order.slice(0, validators.length).join(', ')}`);
    const drawIds = new Map([...this.#byId.values()].map((n) => [n.id, n.address.toLowerCase()]));
    return { reveal, draw: { beacon, challenged, order: order.map((addr) => this.#node(addr).id), pool, drawIds } };
  }

  async replace(round: number, silent: string): Promise<string | undefined> {
    const s = this.#state(round);
    const before = (await this.chain.round(s.requestId)).validators.map((v) => v.toLowerCase());
    const tx = await this.#timeout(round);
    const replaced = tx.events.filter((e) => e.eventName === 'ValidatorReplaced' && String(e.args.silent).toLowerCase() === this.#byId.get(silent)!.address.toLowerCase());
    if (replaced.length === 0 && before.includes(this.#byId.get(silent)!.address.toLowerCase())) {
      const after = (await this.chain.round(s.requestId)).validators.map((v) => v.toLowerCase());
      if (after.includes(this.#byId.get(silent)!.address.toLowerCase())) throw new ChainBoardMismatch('chainBoard.replace', `the contract kept '${silent}' after its deadline`);
    }
    const next = replaced[0]?.args.replacement;
    return next === undefined || /^0x0{40}$/i.test(String(next)) ? undefined : this.#node(next).id;
  }

  async validated(round: number, node: string, response: InferenceResponse, chain?: ChainStatements): Promise<void> {
    const sig = need(chain?.validation, node, 'validation');
    const s = this.#state(round);
    await this.#must(round, 'validateFor', () => this.chain.validateFor(this.#relayer, s.requestId, { outputHash: hex(response.outputHash), traceRoot: hex(response.traceRoot) }, sig));
  }

  async dispute(round: number, msg: unknown, validatorKeys: readonly string[], beacon: string): Promise<Dispute> {
    const dispute = this.#verifier.verifyDispute(msg, Date.now(), { beacon, validators: validatorKeys });
    const s = this.#state(round);
    await this.#must(round, 'dispute', () => this.chain.dispute(s.user, s.requestId));
    return dispute;
  }

  async attested(round: number, node: string, msg: unknown, chain?: ChainStatements): Promise<InputAttestation> {
    const attestation = this.#verifier.verifyAttestation(msg, Date.now());
    const sig = need(chain?.attestation, node, 'attestation');
    const s = this.#state(round);
    await this.#must(round, 'attestFor', () => this.chain.attestFor(this.#relayer, s.requestId, hex(requestDigest(attestation.request)), sig));
    return attestation;
  }

  async electorate(): Promise<Electorate> {
    const byKey = new Map<string, { id: string; stake: bigint }>();
    const stakes = new Map<string, bigint>();
    let total = 0n;
    for (const n of this.#byId.values()) {
      const a = await this.chain.account(n.address);
      const stake = a.free + a.locked;
      byKey.set(n.publicKey, { id: n.id, stake });
      stakes.set(n.publicKey, stake);
      if (stake > 0n) total += stake;
    }
    return { byKey, stakes, total };
  }

  async voted(round: number, node: string, msg: unknown, dispute: Dispute, electorate: Electorate, chain?: ChainStatements): Promise<Vote> {
    const vote = this.#verifier.verifyVote(msg, Date.now(), { dispute, voters: electorate.stakes });
    const sig = need(chain?.vote, node, 'vote');
    const s = this.#state(round);
    const v = { userHonest: vote.verdict.user === 'honest', aHonest: vote.verdict.serverA === 'honest', bHonest: vote.verdict.serverB === 'honest' };
    // Once 2/3 of the stake agree the contract settles; a vote arriving after that is not sent.
    await this.#send(round, 'voteFor', async () => ((await this.chain.round(s.requestId)).phase === 'voting' ? this.chain.voteFor(this.#relayer, s.requestId, v, sig) : undefined));
    return vote;
  }

  async settle(round: number, outcome: RoundOutcome): Promise<RoundSettlement> {
    const s = this.#state(round);
    let r = await this.chain.round(s.requestId);
    // A silence the round ruled on: the contract applies its own default once its deadline has passed.
    if (r.phase !== 'settled') {
      await this.#timeout(round);
      r = await this.chain.round(s.requestId);
    }
    if (r.outcome !== outcome.kind)
      throw new ChainBoardMismatch('chainBoard.settle', `round ${round}: the contract settled '${String(r.outcome)}', the round computed '${outcome.kind}'`);
    if (outcome.kind === 'arbitrated') {
      const verdict = s.txs.flatMap((t) => t.events).find((e) => e.eventName === 'Verdict')!;
      const dishonest = (verdict.args.dishonest as Address[]).map((x) => this.#node(x).id).sort();
      if (dishonest.join() !== [...outcome.verdict.dishonest].sort().join() || verdict.args.userHonest !== outcome.verdict.userHonest)
        throw new ChainBoardMismatch('chainBoard.settle', `round ${round}: the contract's verdict (${String(verdict.args.userHonest)}; ${dishonest.join(', ')}) is not the round's`);
    }
    s.settledAt = await this.chain.blockNumber();
    return { round, outcome: outcome.kind, ...moneyOf(s.txs), entries: this.journal.filter((e) => e.round === round) };
  }

  /** Mines past the round's current deadline and calls timeout. */
  async #timeout(round: number): Promise<TxResult> {
    const s = this.#state(round);
    return this.#must(round, 'timeout', async () => {
      const { deadline } = await this.chain.round(s.requestId);
      const wait = deadline + 1n - (await this.chain.blockNumber());
      if (wait > 0n) await this.chain.mine(Number(wait));
      return this.chain.timeout(this.#relayer, s.requestId);
    });
  }

  /** Releases every settled round whose window has passed (locks back to free, rewards paid). */
  async #releaseDue(): Promise<void> {
    for (const [round, s] of [...this.#rounds]) {
      if (s.settledAt === undefined) continue;
      // Checked when its turn comes, so two callers never release one round twice.
      await this.#send(round, 'release', async () => {
        const { openBlock, released } = await this.chain.round(s.requestId);
        if (released || (await this.chain.blockNumber()) < openBlock + this.#window) return undefined;
        this.#rounds.delete(round);
        return this.chain.release(this.#relayer, s.requestId);
      });
    }
  }

  /** Mines until every settled round's window has passed and releases them all. */
  async releaseAll(): Promise<void> {
    await this.chain.mine(Number(this.#window) + 1);
    await this.#releaseDue();
  }
}

function event(tx: TxResult, name: string): Readonly<Record<string, unknown>> {
  const e = tx.events.find((x: ChainEvent) => x.eventName === name);
  if (!e) throw new ChainBoardMismatch('chainBoard', `the transaction ${tx.hash} emitted no ${name}`);
  return e.args;
}

function need(sig: string | undefined, node: string, what: string): Hex {
  if (!sig) throw new ChainBoardMismatch('chainBoard', `node '${node}' sent no chain signature of its ${what}: it runs without a chain key`);
  return sig as Hex;
}

/** Minted (rewards from the pool) and burnt by a round's transactions, from their events. */
function moneyOf(txs: readonly TxResult[]): { minted: bigint; burnt: bigint } {
  let minted = 0n;
  let burnt = 0n;
  for (const e of txs.flatMap((t) => t.events)) {
    const amount = (e.args.amount as bigint | undefined) ?? 0n;
    if (e.eventName === 'RewardMinted') minted += amount;
    if (e.eventName === 'EscrowBurnt' || e.eventName === 'StakeBurnt' || e.eventName === 'StakePenalized') burnt += amount;
  }
  return { minted, burnt };
}
