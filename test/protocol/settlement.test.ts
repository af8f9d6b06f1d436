// spML round settlement on the ledger (protocol/settlement.ts, paper §3.2 steps 1, 3, 6 and 8).
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../protocol/ledger.js';
import { RoundClock } from '../../protocol/clock.js';
import { LedgerError, ProtocolParamError } from '../../protocol/errors.js';
import { Settlement, checkProtocolConfig, matchRefund, userCompensation, type ProtocolConfig, type RoundOutcome } from '../../protocol/settlement.js';
import { Rng } from '../../tools/data/rng.js';

// floor(d·u) = floor(31.5) = 31 and floor(S/3) = 333, so the tests see both floors at work.
const config: ProtocolConfig = { u: 105n, d: { num: 3n, den: 10n }, R: 50n, S: 1000n, Su: 400n, window: 5 };
const START = { U: 10_000n, A: 5_000n, B: 5_000n, C: 5_000n };

/** The handle that moves each test ledger's clock (a network keeps its own to itself). */
const clocks = new WeakMap<Ledger, (round: number) => void>();
/** A ledger whose clock starts at round 1; advanceTo(ledger, r) moves it. */
function clockedLedger(): Ledger {
  const { clock, advanceTo } = RoundClock.create(1);
  const ledger = new Ledger(clock);
  clocks.set(ledger, advanceTo);
  return ledger;
}
const advanceTo = (ledger: Ledger, round: number) => clocks.get(ledger)!(round);

function setup(cfg: ProtocolConfig = config) {
  const ledger = clockedLedger();
  for (const [id, v] of Object.entries(START)) ledger.open(id, v);
  return { ledger, s: new Settlement(ledger, cfg) };
}

/** Free balances of U, A, B, C once every window has closed (all locks released, all rewards paid). */
function finalFree(ledger: Ledger, round: number) {
  advanceTo(ledger, round + config.window);
  for (const id of ledger.accountIds()) {
    const a = ledger.account(id);
    expect([a.locked, a.escrow, a.pending]).toEqual([0n, 0n, 0n]);
  }
  return Object.fromEntries(ledger.accountIds().map((id) => [id, ledger.free(id)]));
}

describe('checkProtocolConfig', () => {
  it('accepts a valid config and derives floor(d·u) and floor(S/3)', () => {
    // The silence penalty defaults to floor(S/10).
    expect(checkProtocolConfig(config)).toEqual({ ...config, silencePenalty: config.S / 10n });
    expect(matchRefund(config)).toBe(31n);
    expect(userCompensation(config)).toBe(333n);
    expect(matchRefund({ ...config, d: { num: 0n, den: 1n } })).toBe(0n);
  });

  it.each([
    ['u', { u: 0n }],
    ['u', { u: 105 }],
    ['d', { d: undefined }],
    ['d', { d: { num: 10n, den: 10n } }],
    ['d.num', { d: { num: -1n, den: 10n } }],
    ['d.num', { d: { num: 1, den: 10n } }],
    ['d.den', { d: { num: 0n, den: 0n } }],
    ['R', { R: -1n }],
    ['S', { S: 0n }],
    ['Su', { Su: 0n }],
    ['Su', { Su: '400' }],
    ['window', { window: 0 }],
    ['window', { window: 1.5 }],
    ['window', { window: 5n }],
  ])('names the bad field %s', (param, patch) => {
    const bad = { ...config, ...patch } as unknown as ProtocolConfig;
    let caught: unknown;
    try {
      new Settlement(new Ledger(), bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolParamError);
    expect((caught as ProtocolParamError).param).toBe(param);
    expect((caught as Error).message).toContain(`parameter '${param}'`);
  });
});

describe('Settlement of each outcome (exact balances)', () => {
  it('opening a round escrows u and locks Su and S until round + window', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    const u = ledger.account('U');
    expect([u.free, u.escrow, u.locked]).toEqual([10_000n - 105n - 400n, 105n, 400n]);
    expect(u.locks.map((l) => l.unlockRound)).toEqual([6]);
    expect(ledger.account('A').locks.map((l) => [l.amount, l.unlockRound])).toEqual([[1000n, 6]]);
    s.challenge(1, ['B']);
    expect(ledger.account('B').locked).toBe(1000n);
    expect(s.openRounds()).toEqual([{ round: 1, user: 'U', asserter: 'A', validators: ['B'] }]);
  });

  it('unchallenged: u burnt, A earns R after the window', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    const r = s.settle(1, { kind: 'unchallenged' });
    expect([r.minted, r.burnt]).toEqual([50n, 105n]);
    expect(r.entries.map((e) => [e.kind, e.account, e.amount])).toEqual([
      ['escrow-burn', 'U', 105n],
      ['reward', 'A', 50n],
    ]);
    expect(ledger.account('A').rewards).toEqual([{ amount: 50n, payableRound: 6, memo: expect.stringContaining('round 1') }]);
    expect(finalFree(ledger, 1)).toEqual({ U: 9_895n, A: 5_050n, B: 5_000n, C: 5_000n });
    expect(ledger.totals()).toEqual({ initial: 25_000n, minted: 50n, burnt: 105n });
  });

  it('match: user refunded floor(d·u), the rest burnt, A and B each earn R', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    const r = s.settle(1, { kind: 'match' });
    expect([r.minted, r.burnt]).toEqual([100n, 74n]);
    expect(ledger.account('U').free).toBe(10_000n - 105n - 400n + 31n);
    expect(finalFree(ledger, 1)).toEqual({ U: 9_926n, A: 5_050n, B: 5_050n, C: 5_000n });
  });

  it('match with n = 2 validators: every server earns R', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B', 'C']);
    expect(s.settle(1, { kind: 'match' }).minted).toBe(150n);
    expect(finalFree(ledger, 1)).toEqual({ U: 9_926n, A: 5_050n, B: 5_050n, C: 5_050n });
  });

  it('match with d = 0: nothing refunded, all of u burnt', () => {
    const { ledger, s } = setup({ ...config, d: { num: 0n, den: 1n } });
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    expect(s.settle(1, { kind: 'match' }).burnt).toBe(105n);
    expect(finalFree(ledger, 1).U).toBe(9_895n);
  });

  it('arbitrated, A dishonest: user gets u + floor(S/3), the rest of S burnt, honest B earns R', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    const r = s.settle(1, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A'], honest: ['B'] } });
    expect([r.minted, r.burnt]).toEqual([50n, 667n]);
    expect(r.entries.map((e) => [e.kind, e.account, e.amount, e.to])).toEqual([
      ['refund', 'U', 105n, 'U'],
      ['slash', 'A', 333n, 'U'],
      ['slash-burn', 'A', 667n, undefined],
      ['reward', 'B', 50n, undefined],
    ]);
    // The compensation is spendable at once; the user's own stake Su stays locked until the window closes.
    expect(ledger.account('U').free).toBe(10_000n - 400n + 333n);
    expect(finalFree(ledger, 1)).toEqual({ U: 10_333n, A: 4_000n, B: 5_050n, C: 5_000n });
  });

  it('arbitrated, validator B dishonest: A earns R and B pays the user', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    s.settle(1, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['B'], honest: ['A'] } });
    expect(finalFree(ledger, 1)).toEqual({ U: 10_333n, A: 5_050n, B: 4_000n, C: 5_000n });
    expect(ledger.totals()).toEqual({ initial: 25_000n, minted: 50n, burnt: 667n });
  });

  it('arbitrated, both servers dishonest: both slashed S, the user gets floor(S/3) from each, nobody earns R', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    const r = s.settle(1, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A', 'B'], honest: [] } });
    expect([r.minted, r.burnt]).toEqual([0n, 1334n]);
    expect(finalFree(ledger, 1)).toEqual({ U: 10_666n, A: 4_000n, B: 4_000n, C: 5_000n });
  });

  it('arbitrated with n = 2, A and B dishonest, C honest', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B', 'C']);
    s.settle(1, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A', 'B'], honest: ['C'] } });
    expect(finalFree(ledger, 1)).toEqual({ U: 10_666n, A: 4_000n, B: 4_000n, C: 5_050n });
  });

  it('arbitrated, dishonest user: slashed Su, fee burnt, servers neither paid nor slashed', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    const r = s.settle(1, { kind: 'arbitrated', verdict: { userHonest: false, dishonest: [], honest: ['A', 'B'] } });
    expect([r.minted, r.burnt]).toEqual([0n, 505n]);
    expect(r.entries.map((e) => [e.kind, e.account, e.amount])).toEqual([
      ['slash-burn', 'U', 400n],
      ['escrow-burn', 'U', 105n],
    ]);
    expect(finalFree(ledger, 1)).toEqual({ U: 9_495n, A: 5_000n, B: 5_000n, C: 5_000n });
  });

  it('S < 3: floor(S/3) is 0, so the whole stake is burnt', () => {
    const { ledger, s } = setup({ ...config, S: 2n });
    s.openRound('U', 'A');
    s.challenge(1, ['B']);
    const r = s.settle(1, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A'], honest: ['B'] } });
    expect(r.entries.map((e) => e.kind)).toEqual(['refund', 'slash-burn', 'reward']);
    expect(finalFree(ledger, 1)).toEqual({ U: 10_000n, A: 4_998n, B: 5_050n, C: 5_000n });
  });
});

describe('Settlement and the window', () => {
  it('rewards cannot be spent before the window closes and can after; stakes likewise', () => {
    const { ledger, s } = setup();
    advanceTo(ledger, 2);
    expect(s.openRound('U', 'A')).toBe(2);
    s.settle(2, { kind: 'unchallenged' });
    advanceTo(ledger, 6);
    expect(ledger.account('A')).toMatchObject({ free: 4_000n, locked: 1_000n, pending: 50n });
    expect(() => ledger.transfer('A', 'C', 4_001n)).toThrow(/only 4000 free \(not spendable: 1000 locked until round 7, 50 pending until round 7\)/);
    advanceTo(ledger, 7);
    ledger.transfer('A', 'C', 5_050n);
    expect(ledger.free('C')).toBe(10_050n);
  });

  it('holds an open round\'s stakes past its window, until it settles', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    advanceTo(ledger, 3);
    s.openRound('U', 'B');
    advanceTo(ledger, 6);
    // Round 1 is still open at round 6 = 1 + window: its stakes wait for its settlement.
    expect(ledger.account('A').locked).toBe(1_000n);
    s.challenge(1, ['C']);
    s.settle(1, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A'], honest: ['C'] } });
    expect(ledger.account('A').locked).toBe(0n);
    // Settled past its window, round 1 pays its rewards at once; C's stake, locked at round 6, frees at 7.
    expect(ledger.account('C')).toMatchObject({ locked: 1_000n, pending: 0n, free: START.C - 1_000n + 50n });
    advanceTo(ledger, 7);
    expect(ledger.account('C')).toMatchObject({ locked: 0n, free: START.C + 50n });
    expect(() => s.settle(3, { kind: 'unchallenged' })).not.toThrow();
  });

  it('keeps several rounds open at once, each with its own escrow and locks', () => {
    const { ledger, s } = setup();
    s.openRound('U', 'A');
    advanceTo(ledger, 2);
    s.openRound('U', 'A');
    s.challenge(2, ['B']);
    expect(ledger.account('A').locked).toBe(2_000n);
    s.settle(2, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A'], honest: ['B'] } });
    s.settle(1, { kind: 'unchallenged' });
    expect(s.openRounds()).toEqual([]);
    // A: -1000 slashed in round 2, +50 for round 1. U: round 1's fee burnt, +333 from round 2.
    expect(finalFree(ledger, 2)).toEqual({ U: 10_228n, A: 4_050n, B: 5_050n, C: 5_000n });
  });
});

describe('Settlement errors', () => {
  it('refuses a round the participants cannot fund, and changes nothing', () => {
    const { ledger, s } = setup();
    ledger.open('poor', 504n);
    ledger.open('broke', 999n);
    expect(() => s.openRound('poor', 'A')).toThrow("account 'poor' needs u + Su = 105 + 400 to open round 1 but has only 504 free");
    expect(() => s.openRound('U', 'broke')).toThrow(/account 'broke' needs its stake S = 1000 to serve round 1/);
    s.openRound('U', 'A');
    expect(() => s.challenge(1, ['B', 'broke'])).toThrow(LedgerError);
    expect(ledger.account('B').locked).toBe(0n);
    expect(ledger.account('poor').free).toBe(504n);
    expect(ledger.totals().burnt).toBe(0n);
  });

  it('refuses outcomes that do not fit the round', () => {
    const { s } = setup();
    const param = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolParamError);
        return (e as ProtocolParamError).param;
      }
      throw new Error('expected a ProtocolParamError');
    };
    expect(param(() => s.settle(9, { kind: 'unchallenged' }))).toBe('round');
    expect(param(() => s.openRound('U', 'U'))).toBe('asserter');
    s.openRound('U', 'A');
    // One request per clock round, and no caller-supplied round (the old openRound(round, user, asserter)).
    expect(param(() => s.openRound('U', 'B'))).toBe('round');
    const withRound = s.openRound as unknown as (...args: unknown[]) => number;
    expect(param(() => withRound.call(s, 0, 'U', 'B'))).toBe('round');
    expect(param(() => withRound.call(s, 2, 'U', 'B'))).toBe('round');
    expect(param(() => s.settle(1, { kind: 'match' }))).toBe('outcome.kind');
    expect(param(() => s.challenge(1, []))).toBe('validators');
    expect(param(() => s.challenge(1, ['A']))).toBe('validators');
    expect(param(() => s.challenge(1, ['B', 'B']))).toBe('validators');
    s.challenge(1, ['B']);
    expect(param(() => s.challenge(1, ['C']))).toBe('round');
    const arb = (verdict: unknown) => ({ kind: 'arbitrated', verdict }) as RoundOutcome;
    expect(param(() => s.settle(1, { kind: 'unchallenged' }))).toBe('outcome.kind');
    expect(param(() => s.settle(1, { kind: 'refund' } as unknown as RoundOutcome))).toBe('outcome.kind');
    expect(param(() => s.settle(1, arb({ dishonest: ['A'], honest: ['B'] })))).toBe('verdict.userHonest');
    expect(param(() => s.settle(1, arb({ userHonest: true, dishonest: ['C'], honest: ['B'] })))).toBe('verdict.dishonest');
    expect(param(() => s.settle(1, arb({ userHonest: true, dishonest: ['A'], honest: ['A'] })))).toBe('verdict.honest');
    expect(param(() => s.settle(1, arb({ userHonest: true, dishonest: ['A'], honest: [] })))).toBe('verdict');
    expect(param(() => s.settle(1, arb({ userHonest: true, dishonest: [], honest: ['A', 'B'] })))).toBe('verdict.dishonest');
    expect(param(() => s.settle(1, arb({ userHonest: true, dishonest: 'A', honest: ['B'] })))).toBe('verdict.dishonest');
    // None of the refused calls touched the round: it still settles normally.
    expect(s.settle(1, { kind: 'match' }).burnt).toBe(74n);
  });
});

describe('Settlement over many rounds (seeded)', () => {
  it('conserves money after every round and matches hand-derived mint and burn totals', () => {
    const rng = new Rng(5);
    const ledger = clockedLedger();
    const users = ['u0', 'u1', 'u2'];
    const servers = ['s0', 's1', 's2', 's3', 's4', 's5'];
    for (const id of users) ledger.open(id, 10_000_000n);
    for (const id of servers) ledger.open(id, 10_000_000n);
    const s = new Settlement(ledger, config);
    const { u, R, S, Su } = config;
    const share = S / 3n;
    let minted = 0n;
    let burnt = 0n;
    const kinds = new Map<string, number>();
    const pending: number[] = [];
    const ROUNDS = 600;
    for (let round = 1; round <= ROUNDS; round++) {
      const user = users[rng.int(0, users.length - 1)]!;
      advanceTo(ledger, round);
      s.openRound(user, servers[rng.int(0, servers.length - 1)]!);
      pending.push(round);
      // Settle a round opened up to 3 rounds ago (inside the window of 5), so several stay open at once.
      if (pending.length > rng.int(1, 4)) {
        const r = pending.shift()!;
        const open = s.openRounds().find((o) => o.round === r)!;
        let outcome: RoundOutcome;
        let expectMinted: bigint;
        let expectBurnt: bigint;
        const c = rng.int(0, 3);
        if (c === 0) {
          outcome = { kind: 'unchallenged' };
          [expectMinted, expectBurnt] = [R, u];
        } else {
          const pool = servers.filter((id) => id !== open.asserter);
          const validators = Array.from({ length: rng.int(1, 2) }, () => pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
          s.challenge(r, validators);
          const all = [open.asserter, ...validators];
          if (c === 1) {
            outcome = { kind: 'match' };
            [expectMinted, expectBurnt] = [R * BigInt(all.length), u - (u * 3n) / 10n];
          } else if (c === 2) {
            outcome = { kind: 'arbitrated', verdict: { userHonest: false, dishonest: [], honest: all } };
            [expectMinted, expectBurnt] = [0n, Su + u];
          } else {
            const k = rng.int(1, all.length);
            const verdict = { userHonest: true, dishonest: all.slice(0, k), honest: all.slice(k) };
            outcome = { kind: 'arbitrated', verdict };
            [expectMinted, expectBurnt] = [R * BigInt(all.length - k), (S - share) * BigInt(k)];
          }
        }
        const res = s.settle(r, outcome);
        expect([res.minted, res.burnt]).toEqual([expectMinted, expectBurnt]);
        minted += expectMinted;
        burnt += expectBurnt;
        kinds.set(outcome.kind, (kinds.get(outcome.kind) ?? 0) + 1);
      }
      ledger.checkConservation();
      expect(ledger.totals()).toEqual({ initial: 9n * 10_000_000n, minted, burnt });
    }
    for (const r of pending) s.settle(r, { kind: 'unchallenged' });
    minted += R * BigInt(pending.length);
    burnt += u * BigInt(pending.length);
    advanceTo(ledger, ROUNDS + config.window);
    let free = 0n;
    for (const id of ledger.accountIds()) {
      const a = ledger.account(id);
      expect([a.locked, a.escrow, a.pending]).toEqual([0n, 0n, 0n]);
      free += a.free;
    }
    expect(free).toBe(9n * 10_000_000n + minted - burnt);
    expect(kinds.get('unchallenged')! > 50 && kinds.get('match')! > 50 && kinds.get('arbitrated')! > 100).toBe(true);
  });
});
