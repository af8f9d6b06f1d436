/**
 * The bigint ledger behind spML's money flows (paper §2.1 step 4 and §3.2 steps 1, 3, 6 and 8): fees
 * that are escrowed and burnt, stakes that are locked and slashed, rewards that are minted.
 *
 * Each account holds four kinds of money, all in integer base units:
 * - free: spendable now (transfer, burn, escrow, lock);
 * - locked: stake entries, each locked until a round; slashing takes from them while locked, and
 *   nothing else can, so a server cannot walk away from a round whose challenge may still come;
 * - escrow: fee entries held for one request until settlement refunds or burns them;
 * - pending: minted rewards payable at a round; they count as the owner's but cannot be spent yet,
 *   so a reward for work later found fraudulent is never already gone.
 * The ledger follows a RoundClock (clock.ts) that only its creator can move: when it moves, locks and
 * rewards whose round has come are released. No method takes the current time from a caller.
 *
 * Money enters only through `open` (counted as `initial`) and `mint`, and leaves only through a burn
 * (`burn`, `burnEscrow`, or `slash` without a beneficiary), so at every moment
 *
 *   Σ (free + locked + escrow + pending) = initial + minted − burnt.
 *
 * `checkConservation()` recomputes both sides and throws LedgerError if they differ; settlement calls
 * it after each batch of mutations. Every mutation appends one frozen JournalEntry (kinds below), so
 * tests and the network harness can replay what happened.
 */
import { RoundClock } from './clock.js';
import { LedgerError } from './errors.js';

/** Id of a lock or escrow entry, unique within one ledger. */
export type EntryId = number;

/**
 * What a journal entry records (`amount` moves out of `account` unless said otherwise):
 * - open: `account` is created holding `amount` free (counted in `initial`);
 * - lock / unlock: free → locked / locked → free (unlock happens when the lock's round comes);
 * - escrow: free → escrow;
 * - refund: escrow → free of `to`;
 * - escrow-burn: escrow destroyed;
 * - mint: new money into `account`'s free balance; reward: new money into its pending rewards;
 * - pay: pending → free (the reward's round has come);
 * - burn: free destroyed;
 * - transfer: free → free of `to`;
 * - slash: locked → free of `to`; slash-burn: locked destroyed (judged dishonest);
 * - penalty: locked destroyed for silence (a missed deadline, not a dishonest result).
 * (Holding a lock, hold/unhold, moves no money and is not journalled; the unlock it delays is.)
 * The burnt total is the sum of burn, escrow-burn, slash-burn and penalty; the minted total of mint and reward.
 */
export type JournalKind =
  | 'open'
  | 'lock'
  | 'unlock'
  | 'escrow'
  | 'refund'
  | 'escrow-burn'
  | 'mint'
  | 'reward'
  | 'pay'
  | 'burn'
  | 'transfer'
  | 'slash'
  | 'slash-burn'
  | 'penalty';

export interface JournalEntry {
  /** The ledger's round when the entry was made. */
  readonly round: number;
  readonly kind: JournalKind;
  readonly account: string;
  readonly amount: bigint;
  readonly memo: string;
  /** The receiving account, for refund, transfer and slash. */
  readonly to?: string;
}

export interface StakeLock {
  readonly id: EntryId;
  readonly amount: bigint;
  /** The first round at which the stake is free again (unless held). */
  readonly unlockRound: number;
  /** Held by an open dispute: not released at unlockRound until the dispute lets go (Ledger.unhold). */
  readonly held: boolean;
  readonly memo: string;
}

export interface EscrowEntry {
  readonly id: EntryId;
  readonly amount: bigint;
  readonly memo: string;
}

export interface PendingReward {
  readonly amount: bigint;
  /** The first round at which the reward is paid into the free balance. */
  readonly payableRound: number;
  readonly memo: string;
}

/** A snapshot of one account (copies; changing them changes nothing). */
export interface AccountView {
  readonly id: string;
  readonly free: bigint;
  readonly locked: bigint;
  readonly escrow: bigint;
  readonly pending: bigint;
  readonly locks: readonly StakeLock[];
  readonly escrows: readonly EscrowEntry[];
  readonly rewards: readonly PendingReward[];
}

export interface LedgerTotals {
  readonly initial: bigint;
  readonly minted: bigint;
  readonly burnt: bigint;
}

/** One account's mutable state. Protected in Ledger so that a test subclass can break it on purpose. */
export interface AccountState {
  free: bigint;
  locks: { id: EntryId; amount: bigint; unlockRound: number; held: boolean; memo: string }[];
  escrows: { id: EntryId; amount: bigint; memo: string }[];
  rewards: { amount: bigint; payableRound: number; memo: string }[];
}

const sum = (xs: readonly { amount: bigint }[]) => xs.reduce((s, x) => s + x.amount, 0n);

function checkAmount(op: string, account: string, amount: unknown): asserts amount is bigint {
  if (typeof amount !== 'bigint') throw new LedgerError(op, `amount for account '${account}' must be a bigint, got ${typeof amount} ${String(amount)}`);
  if (amount <= 0n) throw new LedgerError(op, `amount for account '${account}' must be positive, got ${amount}`);
}

function checkRound(op: string, name: string, round: unknown): asserts round is number {
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0)
    throw new LedgerError(op, `${name} must be a non-negative safe integer, got ${String(round)}`);
}

export class Ledger {
  protected readonly book = new Map<string, AccountState>();
  private readonly entries: JournalEntry[] = [];
  /** Which account owns each lock / escrow entry, so that callers can name an entry by id alone. */
  private readonly lockOwner = new Map<EntryId, string>();
  private readonly escrowOwner = new Map<EntryId, string>();
  private nextId: EntryId = 1;
  /** The round the ledger last followed the clock to (truly private: no caller can set it). */
  #now: number;
  private initialTotal = 0n;
  private mintedTotal = 0n;
  private burntTotal = 0n;

  /** The clock this ledger follows: only whoever created it can move it (clock.ts). */
  readonly clock: RoundClock;

  /**
   * A ledger that follows `clock`: each time the clock moves, every lock and pending reward whose round
   * has come is released. Without a clock the ledger gets its own, stuck at round 0 (nothing unlocks).
   */
  constructor(clock: RoundClock = RoundClock.create().clock) {
    this.clock = clock;
    this.#now = clock.round;
    clock.onAdvance((round) => this.#release(round));
  }

  /** The current round: the clock's, read when it last moved; never moves backwards. */
  get round(): number {
    return this.#now;
  }

  totals(): LedgerTotals {
    return { initial: this.initialTotal, minted: this.mintedTotal, burnt: this.burntTotal };
  }

  has(id: string): boolean {
    return this.book.has(id);
  }

  accountIds(): string[] {
    return [...this.book.keys()];
  }

  /** A copy of the journal, oldest first. */
  journal(): readonly JournalEntry[] {
    return this.entries.slice();
  }

  /** The journal entries from position `start` on (for a caller that remembers how far it read). */
  journalFrom(start: number): readonly JournalEntry[] {
    return this.entries.slice(start);
  }

  get journalLength(): number {
    return this.entries.length;
  }

  account(id: string): AccountView {
    const a = this.get('account', id);
    return {
      id,
      free: a.free,
      locked: sum(a.locks),
      escrow: sum(a.escrows),
      pending: sum(a.rewards),
      locks: a.locks.map((l) => ({ ...l })),
      escrows: a.escrows.map((e) => ({ ...e })),
      rewards: a.rewards.map((r) => ({ ...r })),
    };
  }

  free(id: string): bigint {
    return this.get('free', id).free;
  }

  /** Creates an account holding `initial` free (zero allowed: an account may start empty). */
  open(id: string, initial: bigint = 0n, memo = ''): void {
    const op = 'ledger.open';
    if (typeof id !== 'string' || id === '') throw new LedgerError(op, `account id must be a non-empty string, got ${String(id)}`);
    if (this.book.has(id)) throw new LedgerError(op, `account '${id}' already exists`);
    if (typeof initial !== 'bigint' || initial < 0n)
      throw new LedgerError(op, `initial balance for account '${id}' must be a non-negative bigint, got ${typeof initial} ${String(initial)}`);
    this.book.set(id, { free: initial, locks: [], escrows: [], rewards: [] });
    this.initialTotal += initial;
    this.record('open', id, initial, memo);
  }

  /** Moves `amount` from free into a stake entry locked until `unlockRound` (> the current round). */
  lockStake(id: string, amount: bigint, unlockRound: number, memo = ''): EntryId {
    const op = 'ledger.lockStake';
    const a = this.spendable(op, id, amount);
    this.checkFuture(op, 'unlockRound', unlockRound);
    a.free -= amount;
    const entry = { id: this.nextId++, amount, unlockRound, held: false, memo };
    a.locks.push(entry);
    this.lockOwner.set(entry.id, id);
    this.record('lock', id, amount, memo);
    return entry.id;
  }

  /** Moves `amount` from free into an escrow entry, held until it is refunded or burnt. */
  escrow(id: string, amount: bigint, memo = ''): EntryId {
    const op = 'ledger.escrow';
    const a = this.spendable(op, id, amount);
    a.free -= amount;
    const entry = { id: this.nextId++, amount, memo };
    a.escrows.push(entry);
    this.escrowOwner.set(entry.id, id);
    this.record('escrow', id, amount, memo);
    return entry.id;
  }

  /** Pays `amount` out of escrow entry `escrowId` to the free balance of `to` (the owner by default). */
  refundEscrow(escrowId: EntryId, amount: bigint, to?: string, memo = ''): void {
    const op = 'ledger.refundEscrow';
    const { owner, state, entry } = this.takeFromEscrow(op, escrowId, amount);
    const dest = to ?? owner;
    const target = this.get(op, dest);
    this.debitEscrow(state, entry, amount);
    target.free += amount;
    this.record('refund', owner, amount, memo, dest);
  }

  /** Destroys `amount` of escrow entry `escrowId` (the spML base fee, §3.2 step 1). */
  burnEscrow(escrowId: EntryId, amount: bigint, memo = ''): void {
    const op = 'ledger.burnEscrow';
    const { owner, state, entry } = this.takeFromEscrow(op, escrowId, amount);
    this.debitEscrow(state, entry, amount);
    this.burntTotal += amount;
    this.record('escrow-burn', owner, amount, memo);
  }

  /**
   * Creates `amount` of new money for `id`: into its free balance, or, given `payableRound` (> the
   * current round), into a pending reward paid when the clock reaches that round.
   */
  mint(id: string, amount: bigint, memo = '', payableRound?: number): void {
    const op = 'ledger.mint';
    const a = this.get(op, id);
    checkAmount(op, id, amount);
    if (payableRound === undefined) {
      a.free += amount;
    } else {
      this.checkFuture(op, 'payableRound', payableRound);
      a.rewards.push({ amount, payableRound, memo });
    }
    this.mintedTotal += amount;
    this.record(payableRound === undefined ? 'mint' : 'reward', id, amount, memo);
  }

  /** Destroys `amount` of `id`'s free balance. */
  burn(id: string, amount: bigint, memo = ''): void {
    const op = 'ledger.burn';
    const a = this.spendable(op, id, amount);
    a.free -= amount;
    this.burntTotal += amount;
    this.record('burn', id, amount, memo);
  }

  transfer(from: string, to: string, amount: bigint, memo = ''): void {
    const op = 'ledger.transfer';
    const target = this.get(op, to);
    const source = this.spendable(op, from, amount);
    source.free -= amount;
    target.free += amount;
    this.record('transfer', from, amount, memo, to);
  }

  /**
   * Takes `amount` from stake entry `lockId`, locked or not yet released: to the free balance of
   * `to` when given (the user's compensation, §3.2 step 8), otherwise burnt.
   */
  slash(lockId: EntryId, amount: bigint, to?: string, memo = ''): void {
    const op = 'ledger.slash';
    const owner = this.takeFromLock(op, lockId, amount);
    if (to === undefined) {
      this.burntTotal += amount;
      this.record('slash-burn', owner, amount, memo);
    } else {
      this.get(op, to).free += amount;
      this.record('slash', owner, amount, memo, to);
    }
  }

  /**
   * Burns `amount` of stake entry `lockId` for a missed deadline (a silent validator or asserter):
   * a penalty for silence, journalled apart from a slash, which is for a dishonest result.
   */
  penalize(lockId: EntryId, amount: bigint, memo = ''): void {
    const owner = this.takeFromLock('ledger.penalize', lockId, amount);
    this.burntTotal += amount;
    this.record('penalty', owner, amount, memo);
  }

  /**
   * Keeps stake entry `lockId` locked past its unlock round until `unhold`: an open dispute holds the
   * stakes of its round, so no party can walk away with the stake a verdict may still take.
   */
  hold(lockId: EntryId): void {
    const op = 'ledger.hold';
    const { owner, entry } = this.lockEntry(op, lockId);
    if (entry.held) throw new LedgerError(op, `lock ${lockId} of '${owner}' is already held`);
    entry.held = true;
  }

  /** Lets go of a held lock; if its unlock round has already come, it is released now. */
  unhold(lockId: EntryId): void {
    const op = 'ledger.unhold';
    const { owner, entry } = this.lockEntry(op, lockId);
    if (!entry.held) throw new LedgerError(op, `lock ${lockId} of '${owner}' is not held`);
    entry.held = false;
    if (entry.unlockRound <= this.#now) this.#unlock(owner, entry);
  }

  /** Releases stake entry `lockId` now, before its round: the stake of a validator that was replaced. */
  releaseNow(lockId: EntryId, memo = ''): void {
    const { owner, entry } = this.lockEntry('ledger.releaseNow', lockId);
    if (entry.held) throw new LedgerError('ledger.releaseNow', `lock ${lockId} of '${owner}' is held by a dispute`);
    this.#unlock(owner, { ...entry, memo: memo || entry.memo });
  }

  /** Whether stake entry `lockId` still exists (not released, not slashed to zero). */
  hasLock(lockId: EntryId): boolean {
    return this.lockOwner.has(lockId);
  }

  private lockEntry(op: string, lockId: EntryId) {
    const owner = this.lockOwner.get(lockId);
    if (owner === undefined) throw new LedgerError(op, `no stake lock with id ${String(lockId)} (never made, or already released or slashed to zero)`);
    return { owner, entry: this.get(op, owner).locks.find((l) => l.id === lockId)! };
  }

  /** Takes `amount` out of lock `lockId` (removing the lock when emptied) and returns its owner. */
  private takeFromLock(op: string, lockId: EntryId, amount: bigint): string {
    const { owner, entry } = this.lockEntry(op, lockId);
    checkAmount(op, owner, amount);
    if (amount > entry.amount)
      throw new LedgerError(op, `account '${owner}' cannot be slashed ${amount} from lock ${lockId}: only ${entry.amount} locked there`);
    entry.amount -= amount;
    if (entry.amount === 0n) {
      const a = this.get(op, owner);
      a.locks.splice(a.locks.indexOf(entry), 1);
      this.lockOwner.delete(lockId);
    }
    return owner;
  }

  /** Moves one lock's amount back to its owner's free balance. */
  #unlock(owner: string, lock: { id: EntryId; amount: bigint; memo: string }): void {
    const a = this.get('ledger.release', owner);
    a.locks = a.locks.filter((l) => l.id !== lock.id);
    a.free += lock.amount;
    this.lockOwner.delete(lock.id);
    this.record('unlock', owner, lock.amount, lock.memo);
  }

  /**
   * Follows the clock to `round` (never backwards): releases every lock whose unlock round has come and
   * pays every pending reward whose round has come, then checks conservation. Only the clock calls it;
   * no caller supplies the time.
   */
  #release(round: number): void {
    const op = 'ledger.release';
    checkRound(op, 'round', round);
    if (round < this.#now) throw new LedgerError(op, `cannot move the clock back from round ${this.#now} to round ${round}`);
    this.#now = round;
    for (const [id, a] of this.book) {
      // A held lock waits for its dispute (unhold releases it then).
      for (const lock of a.locks.filter((l) => l.unlockRound <= round && !l.held)) this.#unlock(id, lock);
      for (const reward of a.rewards.filter((r) => r.payableRound <= round)) {
        a.free += reward.amount;
        this.record('pay', id, reward.amount, reward.memo);
      }
      a.rewards = a.rewards.filter((r) => r.payableRound > round);
    }
    this.checkConservation();
  }

  /** Throws LedgerError unless Σ(free + locked + escrow + pending) = initial + minted − burnt and no part is negative. */
  checkConservation(): void {
    const op = 'ledger.checkConservation';
    let held = 0n;
    for (const [id, a] of this.book) {
      const parts = { free: a.free, locked: sum(a.locks), escrow: sum(a.escrows), pending: sum(a.rewards) };
      for (const [name, v] of Object.entries(parts))
        if (v < 0n) throw new LedgerError(op, `account '${id}' has a negative ${name} balance ${v} at round ${this.#now}`);
      held += parts.free + parts.locked + parts.escrow + parts.pending;
    }
    const expected = this.initialTotal + this.mintedTotal - this.burntTotal;
    if (held !== expected)
      throw new LedgerError(
        op,
        `conservation broken at round ${this.#now}: accounts hold ${held} but initial ${this.initialTotal} + minted ${this.mintedTotal} − burnt ${this.burntTotal} = ${expected} (difference ${held - expected})`,
      );
  }

  private get(op: string, id: string): AccountState {
    const a = this.book.get(id);
    if (a === undefined) throw new LedgerError(op, `no account '${String(id)}'`);
    return a;
  }

  /** The account, after checking that `amount` is a valid amount it can spend from its free balance. */
  private spendable(op: string, id: string, amount: bigint): AccountState {
    const a = this.get(op, id);
    checkAmount(op, id, amount);
    if (amount > a.free) {
      const held: string[] = [];
      for (const l of a.locks) held.push(`${l.amount} locked until round ${l.unlockRound}`);
      const escrow = sum(a.escrows);
      if (escrow > 0n) held.push(`${escrow} in escrow`);
      for (const r of a.rewards) held.push(`${r.amount} pending until round ${r.payableRound}`);
      const also = held.length === 0 ? '' : ` (not spendable: ${held.join(', ')})`;
      throw new LedgerError(op, `account '${id}' cannot spend ${amount}: only ${a.free} free${also}`);
    }
    return a;
  }

  private takeFromEscrow(op: string, escrowId: EntryId, amount: bigint) {
    const owner = this.escrowOwner.get(escrowId);
    if (owner === undefined) throw new LedgerError(op, `no escrow with id ${String(escrowId)} (never made, or already emptied)`);
    checkAmount(op, owner, amount);
    const state = this.get(op, owner);
    const entry = state.escrows.find((e) => e.id === escrowId)!;
    if (amount > entry.amount)
      throw new LedgerError(op, `account '${owner}' cannot release ${amount} from escrow ${escrowId}: only ${entry.amount} held there`);
    return { owner, state, entry };
  }

  private debitEscrow(state: AccountState, entry: AccountState['escrows'][number], amount: bigint): void {
    entry.amount -= amount;
    if (entry.amount === 0n) {
      state.escrows.splice(state.escrows.indexOf(entry), 1);
      this.escrowOwner.delete(entry.id);
    }
  }

  private checkFuture(op: string, name: string, round: number): void {
    checkRound(op, name, round);
    if (round <= this.#now) throw new LedgerError(op, `${name} must be after the current round ${this.#now}, got ${round}`);
  }

  private record(kind: JournalKind, account: string, amount: bigint, memo: string, to?: string): void {
    const entry: JournalEntry = to === undefined ? { round: this.#now, kind, account, amount, memo } : { round: this.#now, kind, account, amount, memo, to };
    this.entries.push(Object.freeze(entry));
  }
}
