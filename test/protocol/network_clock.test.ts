/**
 * The clock that releases locked stakes belongs to the network (protocol/clock.ts): through the public
 * `spml/protocol` API no caller can supply the time, so none can release a locked stake early or move
 * time for others. Stakes a round locks are released only once the network's own rounds pass the lock
 * period, and money is conserved throughout.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { createNetwork, population, RoundClock, type Network } from '../../lib/protocol.js';
import { image, money } from './network_fixtures.js';

const WINDOW = 2; // money(): stakes unlock WINDOW rounds after the round that locked them.

async function network(seed: string): Promise<Network> {
  return createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 4, stake: 1_000n }), config: money('0'), seed });
}

/** Every way a caller of the public API could try to move the network's time to `round`. */
function tryToMoveTime(net: Network, round: number): void {
  const ledger = net.ledger as unknown as Record<string, unknown>;
  for (const name of ['advanceTo', 'advance', 'setRound', 'tick', 'release']) {
    const f = ledger[name];
    if (typeof f === 'function') {
      try {
        (f as (r: number) => void).call(net.ledger, round);
      } catch {
        // refused: fine
      }
    }
  }
  // The clock is read-only: assigning its round throws (ESM is strict).
  expect(() => {
    (net.ledger.clock as unknown as { round: number }).round = round;
  }).toThrow(TypeError);
  // The network hands out no settlement object to open or settle rounds with, only its config.
  expect('settlement' in net).toBe(false);
  // A clock of one's own moves only one's own ledgers, never the network's.
  RoundClock.create(net.ledger.round).advanceTo(round);
}

function conserved(net: Network): void {
  net.ledger.checkConservation();
  const { initial, minted, burnt } = net.ledger.totals();
  let held = 0n;
  for (const id of net.ledger.accountIds()) {
    const a = net.ledger.account(id);
    held += a.free + a.locked + a.escrow + a.pending;
  }
  expect(held).toBe(initial + minted - burnt);
}

describe('the network owns the clock that releases stakes', () => {
  it('has no public way for a caller to supply the time', async () => {
    const net = await network('clock-api');
    expect('advanceTo' in net.ledger).toBe(false);
    // The ledger a network hands out is read-only, from plain JavaScript too.
    for (const mutator of ['transfer', 'burn', 'mint', 'slash', 'penalize', 'lockStake', 'escrow', 'open', 'hold', 'unhold', 'releaseNow'])
      expect(mutator in net.ledger, mutator).toBe(false);
    expect(Object.isFrozen(net.ledger)).toBe(true);
    const before = { round: net.ledger.round, journal: net.ledger.journalLength };
    tryToMoveTime(net, 1_000_000);
    expect({ round: net.ledger.round, journal: net.ledger.journalLength }).toEqual(before);
    expect(net.round).toBe(1);
  });

  it('releases a round’s stakes only after the network’s own rounds pass the lock period, whatever a caller tries', async () => {
    const net = await network('clock-release');
    const r1 = await net.request({ user: 'user', input: image(0) });
    expect(r1.round).toBe(1);
    expect(r1.outcome).toBe('unchallenged');
    const A = r1.asserter;
    const unlockAt = r1.round + WINDOW;
    // A's stake S = 900 is locked by round 1 until round 3; A's whole stake is 1000.
    expect(net.ledger.account(A).locks.map((l) => [l.amount, l.unlockRound])).toEqual([[900n, unlockAt]]);
    expect(net.ledger.account('user').locked).toBe(600n);
    conserved(net);

    // Every round before the lock period ends: the caller tries to jump the clock; nothing is released.
    while (net.round < unlockAt) {
      tryToMoveTime(net, unlockAt + 100);
      const a = net.ledger.account(A);
      expect(a.locks.some((l) => l.unlockRound === unlockAt)).toBe(true);
      expect(net.ledger.journal().filter((e) => e.kind === 'unlock')).toEqual([]);
      conserved(net);
      const r = await net.request({ user: 'user', input: image(net.round) });
      expect(r.outcome).toBe('unchallenged');
    }

    // The network's own rounds reached round 3: round 1's stakes came back, in round 3, not before.
    expect(net.round).toBe(unlockAt);
    const unlocks = net.ledger.journal().filter((e) => e.kind === 'unlock' && e.memo.startsWith('round 1:'));
    expect(unlocks.map((e) => [e.account, e.amount, e.round])).toHaveLength(2);
    expect(unlocks.map((e) => [e.account, e.amount, e.round])).toEqual(
      expect.arrayContaining([
        ['user', 600n, unlockAt],
        [A, 900n, unlockAt],
      ]),
    );
    expect(net.ledger.account(A).locks.some((l) => l.memo.startsWith('round 1:'))).toBe(false);
    conserved(net);
  });

  it('conserves money over many rounds while the network alone moves the clock', async () => {
    const net = await network('clock-many');
    for (let i = 0; i < 12; i++) {
      const r = await net.request({ user: 'user', input: image(i) });
      expect(r.round).toBe(i + 1);
      expect(net.round).toBe(i + 2);
      // Every lock still held is for a round whose lock period has not yet passed on the network clock.
      for (const id of net.ledger.accountIds()) for (const l of net.ledger.account(id).locks) expect(l.unlockRound).toBeGreaterThan(net.ledger.round);
      conserved(net);
    }
    // Only the last WINDOW rounds' stakes are still locked: one Su and one S per round.
    const locked = net.ledger.accountIds().reduce((s, id) => s + net.ledger.account(id).locked, 0n);
    expect(locked).toBe(BigInt(WINDOW - 1) * (600n + 900n));
  });
});
