// The bigint ledger (protocol/ledger.ts): balances, locks, escrow, pending rewards, journal, conservation.
import { describe, expect, it } from 'vitest';
import { Ledger, type AccountView, type JournalEntry } from '../../protocol/ledger.js';
import { LedgerError } from '../../protocol/errors.js';
import { RoundClock } from '../../protocol/clock.js';
import { Rng } from '../../tools/data/rng.js';

/** A ledger whose internal book a test can corrupt, to show the invariant check catches it. */
class TamperableLedger extends Ledger {
  setFree(id: string, free: bigint): void {
    this.book.get(id)!.free = free;
  }
  dropLocks(id: string): void {
    this.book.get(id)!.locks = [];
  }
}

const balances = (a: AccountView) => ({ free: a.free, locked: a.locked, escrow: a.escrow, pending: a.pending });

/** The handle that moves each test ledger's clock (the network keeps its own to itself). */
const clocks = new WeakMap<Ledger, (round: number) => void>();
function clocked<L extends Ledger>(make: (clock: RoundClock) => L): L {
  const { clock, advanceTo } = RoundClock.create();
  const l = make(clock);
  clocks.set(l, advanceTo);
  return l;
}
const advanceTo = (l: Ledger, round: number) => clocks.get(l)!(round);

function ledgerWith(accounts: Record<string, bigint>): Ledger {
  const l = clocked((c) => new Ledger(c));
  for (const [id, v] of Object.entries(accounts)) l.open(id, v);
  return l;
}

describe('Ledger balances and totals', () => {
  it('opens, transfers, mints and burns with exact balances and totals', () => {
    const l = ledgerWith({ alice: 1000n, bob: 0n });
    l.transfer('alice', 'bob', 300n, 'pay');
    l.mint('bob', 25n, 'reward');
    l.burn('alice', 100n, 'fee');
    expect(l.free('alice')).toBe(600n);
    expect(l.free('bob')).toBe(325n);
    expect(l.totals()).toEqual({ initial: 1000n, minted: 25n, burnt: 100n });
    expect(() => l.checkConservation()).not.toThrow();
    expect(l.journal().map((e) => [e.kind, e.account, e.amount, e.to])).toEqual([
      ['open', 'alice', 1000n, undefined],
      ['open', 'bob', 0n, undefined],
      ['transfer', 'alice', 300n, 'bob'],
      ['mint', 'bob', 25n, undefined],
      ['burn', 'alice', 100n, undefined],
    ]);
  });

  it('escrows a fee, refunds part of it to a chosen account and burns the rest', () => {
    const l = ledgerWith({ user: 500n, other: 0n });
    const e = l.escrow('user', 200n, 'fee');
    expect(balances(l.account('user'))).toEqual({ free: 300n, locked: 0n, escrow: 200n, pending: 0n });
    l.refundEscrow(e, 60n);
    l.refundEscrow(e, 40n, 'other');
    expect(() => l.burnEscrow(e, 101n)).toThrow(/cannot release 101 from escrow .*only 100 held/);
    l.burnEscrow(e, 100n);
    expect(balances(l.account('user'))).toEqual({ free: 360n, locked: 0n, escrow: 0n, pending: 0n });
    expect(l.free('other')).toBe(40n);
    expect(l.totals().burnt).toBe(100n);
    expect(() => l.refundEscrow(e, 1n)).toThrow(/no escrow with id/);
    l.checkConservation();
  });

  it('keeps a journal whose mint and burn kinds add up to the totals, and which callers cannot change', () => {
    const l = ledgerWith({ a: 1000n, b: 1000n });
    const lock = l.lockStake('a', 400n, 3);
    const esc = l.escrow('b', 100n);
    l.slash(lock, 100n, 'b');
    l.slash(lock, 50n);
    l.burnEscrow(esc, 30n);
    l.refundEscrow(esc, 70n);
    l.mint('a', 7n);
    l.mint('b', 9n, 'later', 2);
    l.burn('b', 11n);
    advanceTo(l, 3);
    const j = l.journal();
    const total = (kinds: string[]) => j.filter((e) => kinds.includes(e.kind)).reduce((s, e) => s + e.amount, 0n);
    expect(total(['open'])).toBe(l.totals().initial);
    expect(total(['mint', 'reward'])).toBe(l.totals().minted);
    expect(total(['burn', 'escrow-burn', 'slash-burn'])).toBe(l.totals().burnt);
    expect(l.totals()).toEqual({ initial: 2000n, minted: 16n, burnt: 91n });
    expect(j.filter((e) => e.kind === 'unlock' || e.kind === 'pay').map((e) => [e.kind, e.account, e.amount, e.round])).toEqual([
      ['unlock', 'a', 250n, 3],
      ['pay', 'b', 9n, 3],
    ]);
    expect(Object.isFrozen(j[0])).toBe(true);
    const length = l.journalLength;
    expect(j.length).toBe(length);
    (j as JournalEntry[]).length = 0;
    expect(l.journal().length).toBe(length);
    expect(l.journalFrom(l.journalLength - 2).map((e) => e.kind)).toEqual(['unlock', 'pay']);
  });
});

describe('Ledger locks and pending rewards', () => {
  it('refuses to spend locked stake before its unlock round and allows it from that round on', () => {
    const l = ledgerWith({ server: 1000n, sink: 0n });
    l.lockStake('server', 800n, 5, 'stake');
    for (const spend of [() => l.transfer('server', 'sink', 201n), () => l.burn('server', 201n), () => l.escrow('server', 201n), () => l.lockStake('server', 201n, 9)])
      expect(spend).toThrow(LedgerError);
    expect(() => l.transfer('server', 'sink', 500n)).toThrow("account 'server' cannot spend 500: only 200 free (not spendable: 800 locked until round 5)");
    advanceTo(l, 4);
    expect(() => l.transfer('server', 'sink', 201n)).toThrow(/only 200 free/);
    advanceTo(l, 5);
    expect(balances(l.account('server'))).toEqual({ free: 1000n, locked: 0n, escrow: 0n, pending: 0n });
    l.transfer('server', 'sink', 1000n);
    expect(l.free('sink')).toBe(1000n);
  });

  it('slashes stake while it is locked, but not past the lock or after release', () => {
    const l = ledgerWith({ server: 1000n, user: 0n });
    const lock = l.lockStake('server', 900n, 4);
    l.slash(lock, 300n, 'user', 'compensation');
    l.slash(lock, 500n, undefined, 'burn');
    expect(() => l.slash(lock, 101n)).toThrow("account 'server' cannot be slashed 101 from lock 1: only 100 locked there");
    expect(balances(l.account('server'))).toEqual({ free: 100n, locked: 100n, escrow: 0n, pending: 0n });
    expect(l.free('user')).toBe(300n);
    expect(l.totals().burnt).toBe(500n);
    advanceTo(l, 4);
    expect(() => l.slash(lock, 1n)).toThrow(/no stake lock with id 1/);
    expect(l.free('server')).toBe(200n);
  });

  it('holds a minted reward as pending until its round: not spendable before, spendable after', () => {
    const l = ledgerWith({ server: 0n, shop: 0n });
    l.mint('server', 50n, 'reward', 6);
    expect(balances(l.account('server'))).toEqual({ free: 0n, locked: 0n, escrow: 0n, pending: 50n });
    expect(l.totals().minted).toBe(50n);
    advanceTo(l, 5);
    expect(() => l.transfer('server', 'shop', 50n)).toThrow("account 'server' cannot spend 50: only 0 free (not spendable: 50 pending until round 6)");
    advanceTo(l, 6);
    l.transfer('server', 'shop', 50n);
    expect(l.free('shop')).toBe(50n);
    expect(l.account('server').rewards).toEqual([]);
  });

  it('lists every lock and reward with its round in the account view', () => {
    const l = ledgerWith({ s: 100n });
    l.lockStake('s', 10n, 3, 'r1');
    l.lockStake('s', 20n, 7, 'r2');
    l.mint('s', 5n, 'w', 9);
    const v = l.account('s');
    expect(v.locks.map((x) => [x.amount, x.unlockRound, x.memo])).toEqual([
      [10n, 3, 'r1'],
      [20n, 7, 'r2'],
    ]);
    expect(v.rewards).toEqual([{ amount: 5n, payableRound: 9, memo: 'w' }]);
    advanceTo(l, 3);
    expect(balances(l.account('s'))).toEqual({ free: 80n, locked: 20n, escrow: 0n, pending: 5n });
  });
});

describe('Ledger errors', () => {
  it.each([
    ['zero', 0n, /must be positive, got 0/],
    ['negative', -5n, /must be positive, got -5/],
    ['a number', 5, /must be a bigint, got number 5/],
    ['a string', '5', /must be a bigint, got string 5/],
  ])('refuses an amount that is %s, naming the account', (_, amount, msg) => {
    const l = ledgerWith({ a: 100n, b: 100n });
    const lock = l.lockStake('a', 10n, 2);
    const esc = l.escrow('a', 10n);
    const bad = amount as bigint;
    for (const f of [
      () => l.transfer('a', 'b', bad),
      () => l.burn('a', bad),
      () => l.mint('a', bad),
      () => l.escrow('a', bad),
      () => l.lockStake('a', bad, 3),
      () => l.slash(lock, bad),
      () => l.refundEscrow(esc, bad),
      () => l.burnEscrow(esc, bad),
    ]) {
      expect(f).toThrow(LedgerError);
      expect(f).toThrow(msg);
      expect(f).toThrow(/account 'a'/);
    }
    expect(balances(l.account('a'))).toEqual({ free: 80n, locked: 10n, escrow: 10n, pending: 0n });
  });

  it('refuses unknown and duplicate accounts, a clock going back, and rounds not in the future', () => {
    const l = ledgerWith({ a: 100n });
    expect(() => l.open('a', 1n)).toThrow("account 'a' already exists");
    expect(() => l.open('', 1n)).toThrow(/non-empty string/);
    expect(() => l.open('c', -1n)).toThrow(/non-negative bigint/);
    expect(() => l.transfer('a', 'nobody', 1n)).toThrow("no account 'nobody'");
    expect(() => l.free('ghost')).toThrow(LedgerError);
    advanceTo(l, 4);
    expect(() => advanceTo(l, 3)).toThrow('cannot move the clock back from round 4 to round 3');
    expect(() => advanceTo(l, 4.5)).toThrow(/non-negative safe integer/);
    expect(() => l.lockStake('a', 1n, 4)).toThrow('unlockRound must be after the current round 4, got 4');
    expect(() => l.mint('a', 1n, '', 2)).toThrow('payableRound must be after the current round 4, got 2');
    expect(l.free('a')).toBe(100n);
    expect(l.totals()).toEqual({ initial: 100n, minted: 0n, burnt: 0n });
  });

  it('leaves the ledger unchanged when an operation is refused (random operations, seeded)', () => {
    const rng = new Rng(20240605);
    const ids = ['a', 'b', 'c', 'd'];
    const l = ledgerWith({ a: 1000n, b: 1000n, c: 1000n, d: 0n });
    const locks: number[] = [];
    const escrows: number[] = [];
    const pick = <T>(xs: readonly T[]) => xs[rng.int(0, xs.length - 1)]!;
    const amount = () => BigInt(rng.int(-5, 400));
    const snapshot = () => JSON.stringify([ids.map((id) => l.account(id)), l.totals()], (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    let refused = 0;
    for (let step = 0; step < 3000; step++) {
      const before = snapshot();
      const length = l.journalLength;
      try {
        switch (rng.int(0, 8)) {
          case 0: l.transfer(pick(ids), pick(ids), amount()); break;
          case 1: l.burn(pick(ids), amount()); break;
          case 2: l.mint(pick(ids), amount(), '', rng.int(0, 1) ? undefined : l.round + rng.int(0, 3)); break;
          case 3: locks.push(l.lockStake(pick(ids), amount(), l.round + rng.int(0, 4))); break;
          case 4: escrows.push(l.escrow(pick(ids), amount())); break;
          case 5: l.slash(pick(locks.length ? locks : [0]), amount(), rng.int(0, 1) ? pick(ids) : undefined); break;
          case 6: l.refundEscrow(pick(escrows.length ? escrows : [0]), amount(), pick(ids)); break;
          case 7: l.burnEscrow(pick(escrows.length ? escrows : [0]), amount()); break;
          default: advanceTo(l, l.round + rng.int(0, 1));
        }
      } catch (e) {
        expect(e).toBeInstanceOf(LedgerError);
        expect(snapshot()).toBe(before);
        expect(l.journalLength).toBe(length);
        refused++;
      }
      l.checkConservation();
    }
    // Both branches ran many times, so the test exercised refusals and successes alike.
    expect(refused).toBeGreaterThan(300);
    expect(l.journalLength).toBeGreaterThan(1000);
  });
});

describe('Ledger conservation check', () => {
  it('throws when a balance is changed behind the ledger’s back', () => {
    const l = clocked((c) => new TamperableLedger(c));
    l.open('a', 100n);
    l.open('b', 50n);
    l.lockStake('a', 40n, 2);
    l.checkConservation();
    l.setFree('b', 51n);
    expect(() => l.checkConservation()).toThrow(LedgerError);
    expect(() => l.checkConservation()).toThrow('conservation broken at round 0: accounts hold 151 but initial 150 + minted 0 − burnt 0 = 150 (difference 1)');
    // Releasing on a clock move checks too, so a corrupted ledger cannot quietly move on.
    expect(() => advanceTo(l, 1)).toThrow(/conservation broken/);
  });

  it('throws when stake disappears, and when a balance goes negative even if the sum still matches', () => {
    const l = clocked((c) => new TamperableLedger(c));
    l.open('a', 100n);
    l.open('b', 0n);
    l.lockStake('a', 40n, 2);
    l.dropLocks('a');
    expect(() => l.checkConservation()).toThrow(/difference -40/);
    const m = new TamperableLedger();
    m.open('a', 100n);
    m.open('b', 0n);
    m.setFree('a', 110n);
    m.setFree('b', -10n);
    expect(() => m.checkConservation()).toThrow("account 'b' has a negative free balance -10 at round 0");
  });
});
