// A round on the settlement contract played next to its TypeScript mirror (protocol/ledger.ts and
// protocol/settlement.ts): every step is taken on both, every draw the contract makes is recomputed
// from its events with the TypeScript draw, and the per-account balances are compared after settlement
// and after release. The contract's ledger must be the TypeScript one, wei for wei.
import { expect } from 'vitest';
import type { Address, Hex } from 'viem';
import type { Anvil } from '../../protocol/chain/anvil.js';
import { addressOf, OUTCOMES, protocolConfigOf, stakedNodes, type SettlementConfig, type SpmlChain, type TxResult } from '../../protocol/chain/client.js';
import { challengeCommitment, drawSeed, isChallenged } from '../../protocol/challenge.js';
import { RoundClock } from '../../protocol/clock.js';
import { Ledger } from '../../protocol/ledger.js';
import { drawnValidators, validatorOrder } from '../../protocol/live/validator_order.js';
import { asserterSeed, selectAsserter, selectionSeed, type StakedNode } from '../../protocol/selection.js';
import { Settlement, type RoundOutcome } from '../../protocol/settlement.js';
import { bare, bytes32, castOf, deployWatched, eventOf, eventsOf, hex, lower, type Cast, type MoneyWatcher } from './fixtures.js';

export interface Result {
  readonly outputHash: Hex;
  readonly traceRoot: Hex;
}

export const HONEST: Result = { outputHash: bytes32('honest-output'), traceRoot: bytes32('honest-trace') };
export const CHEAT: Result = { outputHash: bytes32('cheat-output'), traceRoot: bytes32('cheat-trace') };
export const OTHER: Result = { outputHash: bytes32('other-output'), traceRoot: bytes32('other-trace') };

/** One round as the game tracks it. */
export interface GameRound {
  readonly requestId: Hex;
  readonly secret: Hex;
  readonly asserter: Address;
  readonly mirrorRound: number;
  validators: Address[];
  /** The draw's whole validator order (TypeScript validatorOrder over the pool the contract emitted). */
  order: string[];
  /** That pool, and the selection seed. */
  pool: StakedNode[];
  seed: string;
  silent: string[];
  openBlock: bigint;
}

const SINK = 'withdrawn';
/** The mirror's window in its rounds: long enough that only release() ends it (a round opened meanwhile moves the clock one round). */
const MIRROR_WINDOW = 1_000_000;

export class Game {
  readonly ledger: Ledger;
  readonly settlement: Settlement;
  private readonly advanceTo: (round: number) => void;
  private funded = 0n;
  readonly known: string[] = [];

  private constructor(
    readonly chain: SpmlChain,
    readonly watcher: MoneyWatcher,
    readonly cast: Cast,
    readonly config: SettlementConfig,
    readonly p: string,
  ) {
    const { clock, advanceTo } = RoundClock.create(0);
    this.ledger = new Ledger(clock);
    this.advanceTo = advanceTo;
    this.settlement = new Settlement(this.ledger, protocolConfigOf(config, MIRROR_WINDOW));
    this.ledger.open(SINK, 0n);
  }

  /** A deployment with servers depositing `stakes` and registering, and the user depositing `userDeposit`. */
  static async start(anvil: Anvil, config: SettlementConfig, stakes: readonly bigint[], userDeposit = 50_000n): Promise<Game> {
    const cast = castOf(anvil, stakes.length);
    const pool = 10_000_000n;
    const { chain, watcher } = await deployWatched(anvil, config, cast.deployer, pool);
    if (config.pNum !== 0n && config.pNum !== config.pDen) throw new Error('the game plays p = 0 or p = 1, so that it knows which rounds are challenged');
    const g = new Game(chain, watcher, cast, config, config.pNum === 0n ? '0' : '1');
    g.funded = pool;
    for (const [i, key] of cast.servers.entries()) {
      await g.deposit(key, stakes[i]!);
      await chain.registerServer(key);
    }
    await g.deposit(cast.users[0]!, userDeposit);
    return g;
  }

  get user(): Hex {
    return this.cast.users[0]!;
  }

  async deposit(key: Hex, amount: bigint): Promise<void> {
    await this.chain.deposit(key, amount);
    const id = lower(addressOf(key));
    if (this.ledger.has(id)) throw new Error('the game deposits once per account');
    this.ledger.open(id, amount);
    this.known.push(id);
  }

  async withdraw(key: Hex, amount: bigint): Promise<void> {
    await this.chain.withdraw(key, amount);
    this.ledger.transfer(lower(addressOf(key)), SINK, amount);
  }

  /** §3.2 step 1 on both: the contract's asserter is the TypeScript draw over the pool it emitted. */
  async open(label: string): Promise<GameRound> {
    const requestId = bytes32(`request-${label}`);
    const secret = bytes32(`secret-${label}`);
    const tx = await this.chain.request(this.user, requestId, hex(challengeCommitment(bare(secret), bare(requestId))));
    const ev = eventOf(tx, 'Requested');
    const asserter = ev.asserter as Address;
    expect(selectAsserter(stakedNodes(ev.ids as Address[], ev.weights as bigint[]), asserterSeed(bare(requestId)))).toBe(lower(asserter));
    // One round per mirror round: a round opened while another is open takes the next one.
    if (this.settlement.openRounds().some((o) => o.round === this.ledger.round)) this.advanceTo(this.ledger.round + 1);
    const mirrorRound = this.settlement.openRound(lower(addressOf(this.user)), lower(asserter));
    return { requestId, secret, asserter, mirrorRound, validators: [], order: [], pool: [], seed: '', silent: [], openBlock: tx.blockNumber };
  }

  async respond(r: GameRound, result: Result = HONEST): Promise<TxResult> {
    const m = { ...result, responseDigest: bytes32('digest', Number(r.openBlock)) };
    const sig = await this.chain.signResponse(this.cast.key(r.asserter), r.requestId, m);
    return this.chain.respondFor(this.cast.deployer, r.requestId, m, sig);
  }

  /** §3.2 step 3 on both: the draw seed, the challenge and the validators are recomputed from the events. */
  async reveal(r: GameRound): Promise<TxResult> {
    await this.chain.mine(1);
    const tx = await this.chain.reveal(this.user, r.requestId, r.secret);
    const ev = eventOf(tx, 'Revealed');
    const round = await this.chain.round(r.requestId);
    expect(ev.beacon, 'the beacon is the hash of the block after the response').toBe(await this.chain.blockHash(round.beaconBlock));
    const seed = drawSeed({ secret: bare(r.secret), requestId: bare(r.requestId), responseDigest: bare(round.responseDigest), beacon: bare(ev.beacon as Hex) });
    expect(ev.drawSeed).toBe(hex(seed));
    expect(ev.challenged).toBe(isChallenged(seed, bare(r.requestId), this.p));
    if (!ev.challenged) return tx;
    const drawn = eventOf(tx, 'ValidatorsDrawn');
    expect(drawn.selectionSeed).toBe(hex(selectionSeed(seed, bare(r.requestId))));
    r.pool = stakedNodes(drawn.ids as Address[], drawn.weights as bigint[]);
    r.seed = selectionSeed(seed, bare(r.requestId));
    r.order = validatorOrder(r.pool, lower(r.asserter), r.seed);
    r.validators = [...(drawn.validators as Address[])];
    expect(r.validators.map(lower)).toEqual(r.order.slice(0, Number(this.config.n)));
    if (r.validators.length > 0) this.settlement.challenge(r.mirrorRound, r.validators.map(lower));
    return tx;
  }

  async validate(r: GameRound, validator: Address, result: Result): Promise<TxResult> {
    const sig = await this.chain.signValidation(this.cast.key(validator), r.requestId, result);
    return this.chain.validateFor(this.cast.deployer, r.requestId, result, sig);
  }

  async dispute(r: GameRound): Promise<TxResult> {
    const tx = await this.chain.dispute(this.user, r.requestId);
    this.settlement.openDispute(r.mirrorRound);
    return tx;
  }

  async attest(r: GameRound, server: Address): Promise<TxResult> {
    const digest = bytes32(`request-digest-${r.requestId}`);
    const sig = await this.chain.signAttestation(this.cast.key(server), r.requestId, digest);
    return this.chain.attestFor(this.cast.deployer, r.requestId, digest, sig);
  }

  async vote(r: GameRound, voter: Hex, v: { userHonest: boolean; aHonest: boolean; bHonest: boolean }): Promise<TxResult> {
    const sig = await this.chain.signVote(voter, r.requestId, v);
    return this.chain.voteFor(this.cast.deployer, r.requestId, v, sig);
  }

  /** Mines past the phase's deadline and calls timeout. Silent validators replaced are mirrored by the caller. */
  async timeout(r: GameRound): Promise<TxResult> {
    const { deadline } = await this.chain.round(r.requestId);
    const now = await this.chain.blockNumber();
    if (now <= deadline) await this.chain.mine(Number(deadline - now));
    return this.chain.timeout(this.cast.deployer, r.requestId);
  }

  /**
   * A Challenged timeout on both: the mirror replaces each silent validator by the same server, and the
   * round's validators are then what the live network's drawnValidators gives for the draw's order with
   * the silent (and the servers the contract passed over for lack of S free) left out.
   */
  async timeoutValidators(r: GameRound): Promise<TxResult> {
    const tx = await this.timeout(r);
    r.silent.push(...eventsOf(tx, 'ValidatorSkipped').map((e) => lower(e.server as string)));
    for (const e of eventsOf(tx, 'ValidatorReplaced')) {
      const silent = lower(e.silent as string);
      const replacement = BigInt(e.replacement as string) === 0n ? undefined : lower(e.replacement as string);
      r.silent.push(silent);
      this.settlement.replaceValidator(r.mirrorRound, silent, replacement);
      r.validators = r.validators.flatMap((v) => (lower(v) === silent ? (replacement ? [replacement as Address] : []) : [v]));
    }
    const expected = drawnValidators(r.pool, { asserter: lower(r.asserter), count: Number(this.config.n), seed: r.seed, silent: r.silent });
    expect(new Set(r.validators.map(lower))).toEqual(new Set(expected));
    expect(new Set((await this.chain.round(r.requestId)).validators.map(lower))).toEqual(new Set(expected));
    return tx;
  }

  /** The contract settled the round with `outcome`; the mirror settles it the same way, then both ledgers are compared. */
  async settled(tx: TxResult, r: GameRound, outcome: RoundOutcome): Promise<void> {
    const ev = eventOf(tx, 'Settled');
    expect(OUTCOMES[Number(ev.outcome)]).toBe(outcome.kind);
    if (outcome.kind === 'arbitrated') {
      const verdict = eventOf(tx, 'Verdict');
      expect(verdict.userHonest).toBe(outcome.verdict.userHonest);
      expect(new Set((verdict.dishonest as string[]).map(lower))).toEqual(new Set(outcome.verdict.dishonest));
      expect(new Set((verdict.honest as string[]).map(lower))).toEqual(new Set(outcome.verdict.honest));
    }
    this.settlement.settle(r.mirrorRound, outcome);
    await this.compare(`after settling ${outcome.kind}`);
  }

  /** Release on chain once the window has passed; the mirror's clock moves past the round's window. */
  async release(r: GameRound): Promise<TxResult> {
    const at = r.openBlock + this.config.window;
    const now = await this.chain.blockNumber();
    if (now + 1n < at) await this.chain.mine(Number(at - now - 1n));
    const tx = await this.chain.release(this.cast.deployer, r.requestId);
    this.advanceTo(Math.max(this.ledger.round, r.mirrorRound + MIRROR_WINDOW));
    await this.compare('after release');
    return tx;
  }

  /** Every account's free, locked, escrow and pending, the burnt total and the reward pool, on chain and in the mirror. */
  async compare(when: string): Promise<void> {
    for (const id of this.known) {
      const m = this.ledger.account(id);
      expect(await this.chain.account(id as Address), `${id} ${when}`).toEqual({ free: m.free, locked: m.locked, escrow: m.escrow, pending: m.pending });
    }
    const t = await this.chain.totals();
    const lt = this.ledger.totals();
    expect(t.burnt, `burnt ${when}`).toBe(lt.burnt);
    expect(t.rewardPool, `reward pool ${when}`).toBe(this.funded - lt.minted);
  }

  /** The free + locked of every registered server in the mirror now: the vote's electorate. */
  electorate(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const key of this.cast.servers) {
      const a = this.ledger.account(lower(addressOf(key)));
      out.set(a.id, a.free + a.locked);
    }
    return out;
  }

}
