// Every outcome of a round on the settlement contract moves exactly the money protocol/settlement.ts
// moves for the same outcome: per account (free, locked, escrow, pending), burnt and minted, after the
// settlement and after the release (game.ts plays each step on the contract and on the TypeScript
// mirror). After every transaction the contract's books are checked (fixtures.ts MoneyWatcher).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnvil, type Anvil } from '../../protocol/chain/anvil.js';
import { addressOf, type TxResult } from '../../protocol/chain/client.js';
import { BASE_CONFIG, eventOf, eventsOf, lower } from './fixtures.js';
import { CHEAT, Game, HONEST, OTHER, type GameRound, type Result } from './game.js';

let anvil: Anvil;

beforeAll(async () => {
  anvil = await startAnvil({ accounts: 12 });
});

afterAll(async () => {
  await anvil?.stop();
});

const STAKES = [10_000n, 16_000n, 9_500n, 30_000n, 12_000n, 20_000n];
type Judgement = { userHonest: boolean; aHonest: boolean; bHonest: boolean };

/** Votes `j` from the servers, largest stake first, until the round settles; each vote weighs the voter's free + locked when the vote opened. */
async function voteUntilSettled(g: Game, r: GameRound, j: Judgement, electorate: Map<string, bigint>): Promise<TxResult> {
  const voters = [...g.cast.servers].sort((a, b) => (electorate.get(lower(addressOf(b)))! > electorate.get(lower(addressOf(a)))! ? 1 : -1));
  for (const key of voters) {
    const tx = await g.vote(r, key, j);
    expect(eventOf(tx, 'Voted').weight).toBe(electorate.get(lower(addressOf(key))));
    if (tx.events.some((e) => e.eventName === 'Settled')) return tx;
  }
  throw new Error('every server voted and the round did not settle');
}

/** A challenged round up to the mismatch: A answers `a`, the validators `results`; B is the first that differs. */
async function toMismatch(g: Game, label: string, a: Result, results: Result[]): Promise<GameRound> {
  const r = await g.open(label);
  await g.respond(r, a);
  await g.reveal(r);
  for (const [i, v] of r.validators.entries()) await g.validate(r, v, results[i]!);
  const mismatch = await g.chain.round(r.requestId);
  expect(mismatch.phase).toBe('mismatch');
  expect(mismatch.b).toBe(r.validators[results.findIndex((x) => x !== a)]);
  return r;
}

/** toMismatch, then the user disputes and A and B attest: the vote is open. */
async function toVote(g: Game, label: string, a: Result, results: Result[]): Promise<{ r: GameRound; electorate: Map<string, bigint> }> {
  const r = await toMismatch(g, label, a, results);
  const { b } = await g.chain.round(r.requestId);
  await g.dispute(r);
  await g.attest(r, r.asserter);
  const electorate = g.electorate();
  const tx = await g.attest(r, b);
  const opened = eventOf(tx, 'VotingOpened');
  expect(opened.totalStake).toBe([...electorate.values()].reduce((s, x) => s + x, 0n));
  return { r, electorate };
}

describe('rounds that are never challenged (p = 0)', () => {
  let g: Game;
  beforeAll(async () => {
    g = await Game.start(anvil, { ...BASE_CONFIG, pNum: 0n }, STAKES.slice(0, 4));
  });

  it('unchallenged: u burnt, R to A, pending until the window closes', async () => {
    const r = await g.open('unchallenged');
    await g.respond(r);
    const tx = await g.reveal(r);
    await g.settled(tx, r, { kind: 'unchallenged' });
    expect((await g.chain.account(r.asserter)).pending).toBe(BASE_CONFIG.R);
    await g.release(r);
  });

  it('withheld reveal: as unchallenged, the user gains nothing by withholding', async () => {
    const r = await g.open('withheld-reveal');
    await g.respond(r);
    const tx = await g.timeout(r);
    await g.settled(tx, r, { kind: 'withheld-reveal' });
    await g.release(r);
  });

  it('asserter silent: u refunded and Su released at once, A pays P', async () => {
    const r = await g.open('asserter-silent');
    const tx = await g.timeout(r);
    await g.settled(tx, r, { kind: 'asserter-silent' });
    expect(eventOf(tx, 'StakePenalized').amount).toBe(BASE_CONFIG.P);
    expect((await g.chain.account(r.asserter)).locked).toBe(0n);
    await g.release(r);
  });
});

describe('challenged rounds (p = 1, two validators, six servers)', () => {
  let g: Game;
  beforeAll(async () => {
    g = await Game.start(anvil, BASE_CONFIG, STAKES);
  });

  it('match: floor(d·u) refunded, the rest burnt, R to A and each validator', async () => {
    const r = await g.open('match');
    await g.respond(r, HONEST);
    await g.reveal(r);
    expect(r.validators).toHaveLength(2);
    await g.validate(r, r.validators[0]!, HONEST);
    const tx = await g.validate(r, r.validators[1]!, HONEST);
    await g.settled(tx, r, { kind: 'match' });
    expect(eventOf(tx, 'EscrowRefunded').amount).toBe((BASE_CONFIG.u * BASE_CONFIG.dNum) / BASE_CONFIG.dDen);
    await g.release(r);
  });

  it('arbitrated, user honest, A slashed: S/3 to the user, the rest burnt, R to both validators', async () => {
    const { r, electorate } = await toVote(g, 'a-cheats', CHEAT, [HONEST, HONEST]);
    const tx = await voteUntilSettled(g, r, { userHonest: true, aHonest: false, bHonest: true }, electorate);
    const [v0, v1] = r.validators.map(lower);
    await g.settled(tx, r, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: [lower(r.asserter)], honest: [v0!, v1!] } });
    expect(eventOf(tx, 'StakeSlashed')).toMatchObject({ account: r.asserter, to: addressOf(g.user), amount: BASE_CONFIG.S / 3n });
    await g.release(r);
  });

  it('arbitrated, B dishonest: a validator repeating neither result is dishonest too', async () => {
    const { r, electorate } = await toVote(g, 'third-answer', HONEST, [CHEAT, OTHER]);
    const tx = await voteUntilSettled(g, r, { userHonest: true, aHonest: true, bHonest: false }, electorate);
    const [v0, v1] = r.validators.map(lower);
    await g.settled(tx, r, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: [v0!, v1!], honest: [lower(r.asserter)] } });
    await g.release(r);
  });

  it('arbitrated, A and B dishonest: the validator repeating neither is the honest one', async () => {
    const { r, electorate } = await toVote(g, 'both-cheat', CHEAT, [OTHER, HONEST]);
    const tx = await voteUntilSettled(g, r, { userHonest: true, aHonest: false, bHonest: false }, electorate);
    const [v0, v1] = r.validators.map(lower);
    await g.settled(tx, r, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: [lower(r.asserter), v0!], honest: [v1!] } });
    await g.release(r);
  });

  it('arbitrated, user dishonest: Su slashed and burnt, u burnt, no server paid or slashed', async () => {
    const { r, electorate } = await toVote(g, 'user-cheats', HONEST, [CHEAT, HONEST]);
    const tx = await voteUntilSettled(g, r, { userHonest: false, aHonest: true, bHonest: true }, electorate);
    await g.settled(tx, r, { kind: 'arbitrated', verdict: { userHonest: false, dishonest: [], honest: [] } });
    expect(eventOf(tx, 'StakeBurnt')).toMatchObject({ account: addressOf(g.user), amount: BASE_CONFIG.Su });
    await g.release(r);
  });

  it('no verdict when no judgement reaches 2/3 of the stake by the deadline: u refunded', async () => {
    const { r } = await toVote(g, 'split-vote', HONEST, [CHEAT, HONEST]);
    const [first, second] = [...g.cast.servers];
    await g.vote(r, first!, { userHonest: true, aHonest: true, bHonest: false });
    await g.vote(r, second!, { userHonest: false, aHonest: true, bHonest: true });
    const tx = await g.timeout(r);
    await g.settled(tx, r, { kind: 'no-verdict' });
    await g.release(r);
  });

  it('no verdict when the judgement clears every server', async () => {
    const { r, electorate } = await toVote(g, 'clears-all', HONEST, [CHEAT, HONEST]);
    const tx = await voteUntilSettled(g, r, { userHonest: true, aHonest: true, bHonest: true }, electorate);
    await g.settled(tx, r, { kind: 'no-verdict' });
    await g.release(r);
  });

  it('dispute withheld: u burnt, nobody judged', async () => {
    const r = await toMismatch(g, 'dispute-withheld', HONEST, [CHEAT, HONEST]);
    const tx = await g.timeout(r);
    await g.settled(tx, r, { kind: 'dispute-withheld' });
    await g.release(r);
  });

  it('a disputed server that does not attest is judged dishonest without a vote', async () => {
    const r = await toMismatch(g, 'b-silent', HONEST, [CHEAT, HONEST]);
    await g.dispute(r);
    await g.attest(r, r.asserter);
    const tx = await g.timeout(r);
    const [v0, v1] = r.validators.map(lower);
    await g.settled(tx, r, { kind: 'arbitrated', verdict: { userHonest: true, dishonest: [v0!], honest: [lower(r.asserter), v1!] } });
    await g.release(r);
  });

  it('a silent validator pays P and is replaced by the next server of the order that still has S free', async () => {
    const r = await g.open('silent-validator');
    await g.respond(r, HONEST);
    await g.reveal(r);
    expect(r.order.length).toBeGreaterThanOrEqual(4);
    await g.validate(r, r.validators[0]!, HONEST);
    // The next server in the order spends its free balance below S: the contract passes over it.
    const passedOver = r.order[2]!;
    await g.withdraw(g.cast.key(passedOver), g.ledger.free(passedOver) - BASE_CONFIG.S + 1n);
    const timeout = await g.timeoutValidators(r);
    expect(eventsOf(timeout, 'ValidatorSkipped').map((e) => lower(e.server as string))).toEqual([passedOver]);
    const replaced = eventOf(timeout, 'ValidatorReplaced');
    expect([lower(replaced.silent as string), lower(replaced.replacement as string)]).toEqual([r.order[1], r.order[3]]);
    expect(eventOf(timeout, 'StakePenalized').amount).toBe(BASE_CONFIG.P);
    await g.compare('after the replacement');
    const tx = await g.validate(r, r.validators[1]!, HONEST);
    await g.settled(tx, r, { kind: 'match' });
    await g.release(r);
  });
});

describe('challenged rounds with no server left to replace a silent validator (three servers)', () => {
  let g: Game;
  beforeAll(async () => {
    g = await Game.start(anvil, BASE_CONFIG, STAKES.slice(0, 3));
  });

  it('nobody validates and the order is spent: each pays P, no verdict, u refunded', async () => {
    const r = await g.open('all-silent');
    await g.respond(r, HONEST);
    await g.reveal(r);
    expect(r.validators).toHaveLength(2);
    const tx = await g.timeoutValidators(r);
    expect(eventsOf(tx, 'StakePenalized')).toHaveLength(2);
    await g.settled(tx, r, { kind: 'no-verdict' });
    await g.release(r);
  });

  it('one validates and the other is silent with nobody to replace it: the one answer decides', async () => {
    const r = await g.open('one-silent');
    await g.respond(r, HONEST);
    await g.reveal(r);
    await g.validate(r, r.validators[0]!, HONEST);
    const tx = await g.timeoutValidators(r);
    expect(r.validators).toHaveLength(1);
    await g.settled(tx, r, { kind: 'match' });
    await g.release(r);
  });
});
