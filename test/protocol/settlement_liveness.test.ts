// Settlement's liveness rules (protocol/settlement.ts "Liveness"; paper §3.2 with deadlines): dispute
// holds on stakes, the silence penalty, validator replacement and the outcomes of a silent party.
import { describe, expect, it } from 'vitest';
import { RoundClock } from '../../protocol/clock.js';
import { LedgerError, ProtocolParamError } from '../../protocol/errors.js';
import { Ledger } from '../../protocol/ledger.js';
import { Settlement, checkProtocolConfig, type ProtocolConfig } from '../../protocol/settlement.js';

const config: ProtocolConfig = { u: 100n, d: { num: 1n, den: 2n }, R: 10n, S: 1000n, Su: 400n, window: 2 };

function setup(cfg: ProtocolConfig = config) {
  const { clock, advanceTo } = RoundClock.create(1);
  const ledger = new Ledger(clock);
  for (const id of ['U', 'A', 'B', 'C']) ledger.open(id, 10_000n);
  return { ledger, s: new Settlement(ledger, cfg), advanceTo };
}

describe('a dispute holds the stakes of its round', () => {
  it('past round + window, so the verdict still finds the dishonest stake to slash', async () => {
    const { ledger, s, advanceTo } = setup();
    const r = s.openRound('U', 'A');
    s.challenge(r, ['B']);
    s.openDispute(r);
    advanceTo(r + 10);
    expect(ledger.account('A').locked).toBe(1000n);
    const out = s.settle(r, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['A'], honest: ['B'] } });
    expect(out.entries.filter((e) => e.account === 'A' && (e.kind === 'slash' || e.kind === 'slash-burn')).reduce((t, e) => t + e.amount, 0n)).toBe(1000n);
    // What the verdict left locked (U's Su, B's S) unlocks at once: its round came long ago.
    expect(ledger.account('U').locked + ledger.account('B').locked).toBe(0n);
    ledger.checkConservation();
  });

  it('and the holds end with the settlement: what is left unlocks on schedule', () => {
    const { ledger, s, advanceTo } = setup();
    const r = s.openRound('U', 'A');
    s.challenge(r, ['B']);
    s.openDispute(r);
    s.settle(r, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: ['B'], honest: ['A'] } });
    expect(ledger.account('A').locks.every((l) => !l.held)).toBe(true);
    advanceTo(r + config.window);
    expect(ledger.account('A').locked + ledger.account('U').locked).toBe(0n);
  });

  it('cannot be opened on an unchallenged round, or twice', () => {
    const { s } = setup();
    const r = s.openRound('U', 'A');
    expect(() => s.openDispute(r)).toThrow(/never challenged/);
    s.challenge(r, ['B']);
    s.openDispute(r);
    expect(() => s.openDispute(r)).toThrow(/already in dispute/);
    expect(() => s.replaceValidator(r, 'B', 'C')).toThrow(/in dispute/);
  });
});

describe('a silent validator is replaced', () => {
  it('pays P, gets the rest of its S back now, and the replacement locks S', () => {
    const { ledger, s } = setup();
    const r = s.openRound('U', 'A');
    s.challenge(r, ['B']);
    s.replaceValidator(r, 'B', 'C');
    expect(ledger.account('B')).toMatchObject({ free: 10_000n - 100n, locked: 0n });
    expect(ledger.account('C').locked).toBe(1000n);
    expect(ledger.journal().filter((e) => e.kind === 'penalty')).toMatchObject([{ account: 'B', amount: 100n }]);
    const out = s.settle(r, { kind: 'match' });
    expect(out.entries.filter((e) => e.kind === 'reward').map((e) => e.account)).toEqual(['A', 'C']);
    ledger.checkConservation();
  });

  it('with none left, the round has no validator and settles without a verdict', () => {
    const { s } = setup();
    const r = s.openRound('U', 'A');
    s.challenge(r, ['B']);
    s.replaceValidator(r, 'B');
    expect(() => s.settle(r, { kind: 'match' })).toThrow(/no validator left/);
    expect(s.settle(r, { kind: 'no-verdict' }).outcome).toBe('no-verdict');
  });

  it('refuses a replacement that already takes part, and a silent node that is no validator', () => {
    const { s } = setup();
    const r = s.openRound('U', 'A');
    s.challenge(r, ['B']);
    expect(() => s.replaceValidator(r, 'B', 'A')).toThrow(ProtocolParamError);
    expect(() => s.replaceValidator(r, 'C', 'U')).toThrow(/not a validator/);
  });
});

describe('liveness outcomes', () => {
  it('asserter-silent: u refunded, Su released, A pays P and keeps the rest', () => {
    const { ledger, s } = setup();
    const r = s.openRound('U', 'A');
    s.settle(r, { kind: 'asserter-silent' });
    expect(ledger.account('U')).toMatchObject({ free: 10_000n, locked: 0n, escrow: 0n });
    expect(ledger.account('A')).toMatchObject({ free: 10_000n - 100n, locked: 0n });
  });

  it('withheld-reveal and dispute-withheld burn u; only a challenged round can be dispute-withheld', () => {
    const { ledger, s } = setup();
    const r1 = s.openRound('U', 'A');
    expect(() => s.settle(r1, { kind: 'dispute-withheld' })).toThrow(/never challenged/);
    expect(s.settle(r1, { kind: 'withheld-reveal' }).burnt).toBe(100n);
    expect(ledger.account('A').pending).toBe(10n);
  });

  it('the silence penalty defaults to floor(S/10) and must lie in (0, S]', () => {
    expect(checkProtocolConfig(config).silencePenalty).toBe(100n);
    expect(checkProtocolConfig({ ...config, S: 5n }).silencePenalty).toBe(1n);
    expect(() => checkProtocolConfig({ ...config, silencePenalty: 0n })).toThrow(/silencePenalty/);
    expect(() => checkProtocolConfig({ ...config, silencePenalty: 1001n })).toThrow(/silencePenalty/);
  });
});

describe('ledger holds', () => {
  it('a held lock survives its round; unhold releases it then, and only then', () => {
    const { clock, advanceTo } = RoundClock.create(1);
    const ledger = new Ledger(clock);
    ledger.open('X', 100n);
    const lock = ledger.lockStake('X', 60n, 3);
    ledger.hold(lock);
    expect(() => ledger.hold(lock)).toThrow(/already held/);
    expect(() => ledger.releaseNow(lock)).toThrow(/held/);
    advanceTo(5);
    expect(ledger.account('X')).toMatchObject({ free: 40n, locked: 60n });
    ledger.unhold(lock);
    expect(ledger.account('X')).toMatchObject({ free: 100n, locked: 0n });
    expect(() => ledger.unhold(lock)).toThrow(LedgerError);
  });
});

describe('opening a round', () => {
  it('refuses a caller-supplied round (the old first parameter) with a typed error naming it', () => {
    const { s } = setup();
    const openWithRound = s.openRound as unknown as (...args: unknown[]) => number;
    let caught: unknown;
    try {
      openWithRound.call(s, 7, 'U', 'A');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProtocolParamError);
    expect((caught as ProtocolParamError).param).toBe('round');
    expect(s.openRound.length).toBe(2); // (user, asserter): no round
  });
});
