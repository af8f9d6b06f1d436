/**
 * The same rounds, settled in memory and on chain, leave the same balances (the settlement interface,
 * protocol/live/board.ts, and its two implementations). One seeded sequence of live rounds between
 * in-process server nodes — honest rounds, a cheating server's disputes, a silent asserter, a silent
 * validator, a withheld reveal and a disputed server that never attests — is played once with the
 * SpmlSettlement contract on anvil as the board, then again with the in-memory board fed the chain's
 * beacons, so every draw is the same. Every round must settle the same way, and every account must
 * hold the same amount; the contract's ether must equal what its accounts, reward pool and burnt
 * total hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hex } from 'viem';
import '../../kernels/cpu/index.js';
import { loadModel, type SpmlModel } from '../../engine/api.js';
import { startAnvil, type Anvil } from '../../protocol/chain/anvil.js';
import { ChainBoard } from '../../protocol/chain/board.js';
import { addressOf, SpmlChain, type SettlementConfig } from '../../protocol/chain/client.js';
import { contractSigner } from '../../protocol/chain/signer.js';
import { keyFromSeed } from '../../protocol/crypto.js';
import { MemoryBoard } from '../../protocol/live/board.js';
import { createLiveNetwork } from '../../protocol/live/network.js';
import { ServerNode } from '../../protocol/live/server_node.js';
import type { LiveRequest, LiveRoundReport, RegisteredNode } from '../../protocol/live/types.js';
import { SeededRandom } from '../../protocol/network/participants.js';
import { FaultyTransport, type FaultRule } from '../../protocol/transport/faults.js';
import { InProcessTransport } from '../../protocol/transport/in_process.js';
import { image } from '../protocol/network_fixtures.js';

const MONEY = { u: 10n, d: { num: 1n, den: 2n }, R: 5n, S: 900n, Su: 600n, window: 6, silencePenalty: 90n };
const CHAIN_CONFIG: SettlementConfig = {
  u: 10n,
  dNum: 1n,
  dDen: 2n,
  R: 5n,
  S: 900n,
  Su: 600n,
  P: 90n,
  window: 6n,
  pNum: 1n,
  pDen: 1n,
  n: 1n,
  responseBlocks: 4n,
  revealBlocks: 4n,
  validateBlocks: 4n,
  disputeBlocks: 4n,
  attestBlocks: 6n,
  voteBlocks: 20n,
};
const STAKE = 10_000n;
const USER_BALANCE = 1_000_000n;
const SEED = 'same-rounds';
const T0 = Date.now();
const DEADLINES = { response: 1500, attestation: 1500, vote: 3000, perCall: 700, retry: 20 };

let anvil: Anvil;
let model: SpmlModel;
beforeAll(async () => {
  anvil = await startAnvil();
  model = await loadModel('mnist-mlp');
}, 60_000);
afterAll(async () => {
  await anvil?.stop();
});

/** The five servers: anvil accounts 2–6, named by their lowercase addresses (so both boards sort them alike); the first cheats. */
function servers() {
  return [2, 3, 4, 5, 6].map((i, k) => {
    const key = anvil.accounts[i]!;
    const id = addressOf(key).toLowerCase();
    return { id, chainKey: key, spml: keyFromSeed(`same-rounds-${k}`), cheat: k === 0 };
  });
}

/** The rounds, and the faults each round meets (applied to the transport just before it). */
function script(cheat: string): { request: LiveRequest; fault?: (t: FaultyTransport) => void }[] {
  const r = (i: number, extra: Partial<LiveRequest> = {}): LiveRequest => ({ user: 'user', input: image(i), ...extra });
  return [
    { request: r(0) },
    { request: r(1) },
    { request: r(2), fault: (t) => t.add({ method: 'infer', action: { kind: 'drop' }, times: 1 << 20 }) }, // every server silent: A is
    { request: r(3) },
    { request: r(4, { withhold: 'reveal' }) },
    { request: r(5) },
    { request: r(6), fault: (t) => t.add({ node: cheat, method: 'attest', action: { kind: 'drop' }, times: 1 << 20 }) },
    { request: r(7) },
    { request: r(8) },
    { request: r(9) },
  ];
}

async function play(board: 'chain' | MemoryBoard | undefined, chain?: { spml: SpmlChain; board: ChainBoard }): Promise<LiveRoundReport[]> {
  const nodes = servers();
  const inner = new InProcessTransport();
  const faults = new FaultyTransport(inner);
  for (const n of nodes) {
    const node = new ServerNode({
      id: n.id,
      key: n.spml,
      networkId: 'spml-local',
      model,
      // A fixed clock: both runs' nodes sign the same bytes (expiry included), so A's response digest,
      // and with it the draw, is the same on both boards.
      now: () => T0,
      ...(n.cheat ? { strategy: { kind: 'cheat' as const } } : {}),
      ...(chain ? { chainSigner: contractSigner(n.chainKey, anvil.chainId, chain.spml.address) } : {}),
    });
    inner.add(n.id, node.handle);
  }
  const registry: RegisteredNode[] = nodes.map((n) => ({ id: n.id, publicKey: n.spml.publicKey, stake: STAKE }));
  const net = createLiveNetwork({
    transport: faults,
    nodes: registry,
    model,
    users: [{ id: 'user', balance: USER_BALANCE }],
    config: { ...MONEY, p: '1', validators: 1 },
    seed: SEED,
    deadlines: DEADLINES,
    // Users' messages live a minute, so the nodes' fixed clock never finds them too far ahead.
    ttlMs: 60_000,
    ...(chain ? { board: chain.board } : board instanceof MemoryBoard ? { board } : {}),
  });
  const reports: LiveRoundReport[] = [];
  const cheat = nodes.find((n) => n.cheat)!.id;
  for (const step of script(cheat)) {
    const removers: (() => void)[] = [];
    if (step.fault) {
      const add = faults.add.bind(faults);
      step.fault({ add: (rule: FaultRule) => (removers.push(add(rule)), () => undefined), partition: faults.partition.bind(faults) } as unknown as FaultyTransport);
    }
    reports.push(await net.request(step.request));
    for (const remove of removers) remove();
  }
  return reports;
}

describe('the same rounds on the contract and in memory', () => {
  it('settle alike round by round and leave every account holding the same amount', async () => {
    const [deployer, user] = [anvil.accounts[0]!, anvil.accounts[1]!];
    const spml = await SpmlChain.deploy(anvil, CHAIN_CONFIG, { deployer, rewardPool: 10n ** 6n });
    const nodes = servers();
    for (const n of nodes) {
      await spml.deposit(n.chainKey, STAKE);
      await spml.registerServer(n.chainKey);
    }
    await spml.deposit(user, USER_BALANCE);
    const board = await ChainBoard.create({
      chain: spml,
      networkId: 'spml-local',
      modelHash: model.hash,
      p: '1',
      validators: 1,
      nodes: nodes.map((n) => ({ id: n.id, address: addressOf(n.chainKey), publicKey: n.spml.publicKey })),
      users: new Map<string, Hex>([['user', user]]),
      relayer: deployer,
    });
    const onChain = await play('chain', { spml, board });
    await board.releaseAll();

    const beacons = onChain.map((r) => r.beacon ?? '00'.repeat(32));
    const registry = new Map(nodes.map((n) => [n.id, { id: n.id, publicKey: n.spml.publicKey, stake: STAKE }]));
    const memory = new MemoryBoard('spml-local', model.hash, registry, [{ id: 'user', balance: USER_BALANCE }], MONEY, '1', 1, new SeededRandom(SEED), (k) => beacons[k]!);
    const inMemory = await play(memory);

    const summary = (r: LiveRoundReport) => ({ outcome: r.outcome, asserter: r.asserter, validators: r.validators, replaced: r.replaced, dishonest: r.verdict?.dishonest ?? null, defaulted: r.defaulted });
    expect(inMemory.map(summary)).toEqual(onChain.map(summary));
    // The script reaches every kind of round it means to.
    expect(new Set(onChain.map((r) => r.outcome))).toEqual(new Set(['match', 'arbitrated', 'asserter-silent', 'withheld-reveal']));
    expect(onChain.some((r) => r.defaulted.length > 0)).toBe(true);

    for (const id of [...nodes.map((n) => n.id), 'user']) {
      const address = id === 'user' ? addressOf(user) : id;
      const c = await spml.account(address as Hex);
      const m = memory.ledger.account(id);
      expect(c.free + c.locked + c.escrow + c.pending, id).toBe(m.free + m.locked + m.escrow + m.pending);
      expect([c.locked, c.escrow, c.pending], `${id} after release`).toEqual([0n, 0n, 0n]);
    }
    const t = await spml.totals();
    expect(await spml.balance()).toBe(t.held + t.rewardPool + t.burnt);
    expect(await spml.conserved()).toBe(true);
    memory.ledger.checkConservation();
    // What the pool paid out is what memory minted; what the contract burnt, memory burnt.
    expect(10n ** 6n - t.rewardPool).toBe(memory.ledger.totals().minted);
    expect(t.burnt).toBe(memory.ledger.totals().burnt);
  }, 240_000);
});
