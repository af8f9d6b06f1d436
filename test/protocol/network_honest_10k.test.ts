/**
 * The issue's acceptance run: 10⁴ engine-backed rounds on an honest network (mnist-mlp, one test
 * image per round, every message signed and verified, every round settled on the bigint ledger).
 * Nothing may be slashed, the ledger must conserve money exactly, and the money created and destroyed
 * must be exactly what the §3.2 rules give for the rounds' outcomes. The wall time is printed.
 */
import { expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { createNetwork, population } from '../../protocol/network/index.js';
import { image, money } from './network_fixtures.js';

const ROUNDS = 10_000;

it(`an honest network plays ${ROUNDS} engine-backed rounds: nothing slashed, money conserved`, async () => {
  const config = money('0.1');
  const net = await createNetwork({ model: 'mnist-mlp', nodes: population({ honest: 5 }), config, seed: 'honest-10k' });
  const start = performance.now();
  const outcomes = { unchallenged: 0, match: 0, arbitrated: 0, rejected: 0 };
  for (let i = 0; i < ROUNDS; i++) outcomes[(await net.request({ user: 'user', input: image(i) })).outcome]++;
  const seconds = (performance.now() - start) / 1000;
  console.log(`${ROUNDS} rounds in ${seconds.toFixed(1)} s (${((1000 * seconds) / ROUNDS).toFixed(2)} ms a round); ${JSON.stringify(outcomes)}`);

  expect(outcomes.arbitrated + outcomes.rejected).toBe(0);
  expect(outcomes.unchallenged + outcomes.match).toBe(ROUNDS);
  for (const id of net.nodeIds) expect(net.stats(id)).toMatchObject({ slashed: 0, slashedAmount: 0n });
  expect(net.ledger.journal().filter((e) => e.kind === 'slash' || e.kind === 'slash-burn')).toEqual([]);

  // Money: R minted per unchallenged round and 2R per match; u burnt, less the refund floor(u/2) on a match.
  const { u, R } = config;
  const totals = net.ledger.totals();
  expect(totals.minted).toBe(R * BigInt(outcomes.unchallenged + 2 * outcomes.match));
  expect(totals.burnt).toBe(u * BigInt(outcomes.unchallenged) + (u - u / 2n) * BigInt(outcomes.match));
  const held = net.ledger.accountIds().reduce((s, id) => {
    const a = net.ledger.account(id);
    return s + a.free + a.locked + a.escrow + a.pending;
  }, 0n);
  expect(held).toBe(totals.initial + totals.minted - totals.burnt);
  expect(() => net.ledger.checkConservation()).not.toThrow();

  // The draw ran at p: the monitor sees no drift, and every round was recorded.
  const rate = net.monitor.report();
  expect(rate.rounds).toBe(ROUNDS);
  expect(rate.challenged).toBe(outcomes.match);
  expect(rate.drift).toBeNull();
}, 600_000);
