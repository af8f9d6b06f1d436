// Shared pieces of the settlement-contract tests (protocol/chain): a deployment whose every transaction
// is followed by a conservation check (views, balance, and the money events replayed), keys by role,
// and conversions between the contract's 0x values and the TypeScript protocol's bare hex.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Address, Hex } from 'viem';
import type { Anvil } from '../../protocol/chain/anvil.js';
import { addressOf, SpmlChain, type ChainEvent, type SettlementConfig, type TxResult } from '../../protocol/chain/client.js';

/** Deadlines loose enough for a round of many transactions (anvil mines one block per transaction). */
export const BASE_CONFIG: SettlementConfig = {
  u: 1_000n,
  dNum: 1n,
  dDen: 3n,
  R: 70n,
  S: 3_001n,
  Su: 500n,
  P: 300n,
  window: 80n,
  pNum: 1n,
  pDen: 1n,
  n: 2n,
  responseBlocks: 3n,
  revealBlocks: 4n,
  validateBlocks: 6n,
  disputeBlocks: 3n,
  attestBlocks: 4n,
  voteBlocks: 12n,
};

/** Bare lowercase hex (the TypeScript protocol's form) of a 0x value. */
export const bare = (h: string): string => h.slice(2).toLowerCase();
/** 0x form of bare hex. */
export const hex = (h: string): Hex => `0x${h}` as Hex;
export const lower = (a: string): string => a.toLowerCase();

/** Deterministic 32-byte values for a test: H(label ‖ i). */
export function bytes32(label: string, i = 0): Hex {
  return hex(createHash('sha256').update(`${label}/${i}`).digest('hex'));
}

interface Parts {
  free: bigint;
  locked: bigint;
  escrow: bigint;
  pending: bigint;
}

/**
 * Replays the contract's money events into per-account balances, the reward pool and the burnt total,
 * and after each transaction checks them against the contract's views, Σ accounts against `held`, and
 * the contract's ether balance against held + rewardPool + burnt. An event the replay does not know,
 * or a balance move no event explains, fails the test.
 */
export class MoneyWatcher {
  readonly accounts = new Map<string, Parts>();
  pool = 0n;
  burnt = 0n;
  checks = 0;

  constructor(private readonly chain: SpmlChain) {}

  private acct(a: unknown): Parts {
    const id = lower(String(a));
    let p = this.accounts.get(id);
    if (!p) this.accounts.set(id, (p = { free: 0n, locked: 0n, escrow: 0n, pending: 0n }));
    return p;
  }

  apply(events: readonly ChainEvent[]): void {
    for (const { eventName, args } of events) {
      const amount = args.amount as bigint;
      const a = () => this.acct(args.account);
      switch (eventName) {
        case 'Deposited':
          a().free += amount;
          break;
        case 'Withdrawn':
          a().free -= amount;
          break;
        case 'RewardsFunded':
          this.pool += amount;
          break;
        case 'Escrowed':
          a().free -= amount;
          a().escrow += amount;
          break;
        case 'EscrowRefunded':
          a().escrow -= amount;
          a().free += amount;
          break;
        case 'EscrowBurnt':
          a().escrow -= amount;
          this.burnt += amount;
          break;
        case 'StakeLocked':
          a().free -= amount;
          a().locked += amount;
          break;
        case 'StakeUnlocked':
          a().locked -= amount;
          a().free += amount;
          break;
        case 'StakeSlashed':
          a().locked -= amount;
          this.acct(args.to).free += amount;
          break;
        case 'StakeBurnt':
        case 'StakePenalized':
          a().locked -= amount;
          this.burnt += amount;
          break;
        case 'RewardMinted':
          this.pool -= amount;
          a().pending += amount;
          break;
        case 'RewardPaid':
          a().pending -= amount;
          a().free += amount;
          break;
        default:
          if ('amount' in args) throw new Error(`money event ${eventName} is not replayed by the test`);
      }
    }
  }

  async check(): Promise<void> {
    const c = this.chain;
    let sum = 0n;
    for (const [id, p] of this.accounts) {
      const view = await c.account(id as Address);
      expect(view, `account ${id}: views against the replayed events`).toEqual(p);
      for (const part of Object.values(p)) expect(part >= 0n).toBe(true);
      sum += p.free + p.locked + p.escrow + p.pending;
    }
    const totals = await c.totals();
    expect(totals).toEqual({ held: sum, rewardPool: this.pool, burnt: this.burnt });
    expect(await c.balance()).toBe(totals.held + totals.rewardPool + totals.burnt);
    expect(await c.conserved()).toBe(true);
    this.checks++;
  }
}

/** Named keys of the anvil accounts: deployer 0, users 1–2, servers 3…. */
export interface Cast {
  readonly deployer: Hex;
  readonly users: readonly Hex[];
  readonly servers: readonly Hex[];
  /** The key of an address (any case). */
  key(address: string): Hex;
}

export function castOf(anvil: Anvil, serverCount: number): Cast {
  const [deployer, u1, u2, ...rest] = anvil.accounts;
  if (!deployer || !u1 || !u2 || rest.length < serverCount) throw new Error(`anvil has ${anvil.accounts.length} accounts, ${serverCount + 3} needed`);
  const servers = rest.slice(0, serverCount);
  const byAddress = new Map(anvil.accounts.map((k) => [lower(addressOf(k)), k]));
  return {
    deployer,
    users: [u1, u2],
    servers,
    key: (a) => {
      const k = byAddress.get(lower(a));
      if (!k) throw new Error(`no key for ${a}`);
      return k;
    },
  };
}

/** A deployment with its watcher attached (after every write: the checks above), its reward pool funded. */
export async function deployWatched(anvil: Anvil, config: SettlementConfig, deployer: Hex, rewardPool = 1_000_000n): Promise<{ chain: SpmlChain; watcher: MoneyWatcher }> {
  const chain = await SpmlChain.deploy(anvil, config, { deployer });
  const watcher = new MoneyWatcher(chain);
  chain.observe(async (tx) => {
    watcher.apply(tx.events);
    await watcher.check();
  });
  if (rewardPool > 0n) await chain.fundRewards(deployer, rewardPool);
  return { chain, watcher };
}

/** The one event named `name` in a transaction's events (fails unless exactly one). */
export function eventOf(tx: TxResult, name: string): Readonly<Record<string, unknown>> {
  const found = tx.events.filter((e) => e.eventName === name);
  expect(found.map((e) => e.eventName), `events of the transaction: ${tx.events.map((e) => e.eventName).join(', ')}`).toEqual([name]);
  return found[0]!.args;
}

export function eventsOf(tx: TxResult, name: string): Readonly<Record<string, unknown>>[] {
  return tx.events.filter((e) => e.eventName === name).map((e) => e.args);
}
