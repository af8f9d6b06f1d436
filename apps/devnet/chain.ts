/**
 * `spml devnet --chain`: settlement on an EVM instead of in memory. Starts anvil (the binary of the
 * @foundry-rs/anvil npm package, on 127.0.0.1), deploys the SpmlSettlement contract with the devnet's
 * money, funds its reward pool, gives each server an anvil account that deposits its stake and
 * registers, and returns the ChainBoard the rounds settle through and the flags that make each
 * `spml node serve` sign its statements for that contract. Everything it starts, stop() stops.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { probabilityFraction } from '../../protocol/challenge.js';
import { startAnvil, type Anvil } from '../../protocol/chain/anvil.js';
import { ChainBoard } from '../../protocol/chain/board.js';
import { addressOf, SpmlChain, type SettlementConfig } from '../../protocol/chain/client.js';

export interface ChainDevnet {
  readonly board: ChainBoard;
  readonly chain: SpmlChain;
  /** Extra `node serve` flags for server i (its chain key file, the chain id, the contract). */
  nodeFlags(i: number): string[];
  stop(): Promise<void>;
}

/**
 * Deadlines in blocks are long: anvil mines a block per transaction, and with rounds in flight a
 * slow server's round sees hundreds of other transactions; where the devnet rules a party silent,
 * the board mines past the deadline itself.
 */
const DEADLINE_BLOCKS = 400n;

export async function startChainDevnet(o: {
  readonly dir: string;
  readonly servers: number;
  readonly money: { u: bigint; d: { num: bigint; den: bigint }; R: bigint; S: bigint; Su: bigint; window: number };
  readonly p: string;
  readonly validators: number;
  readonly stake: bigint;
  readonly userBalance: bigint;
  readonly networkId: string;
  readonly modelHash: string;
  readonly publicKeys: readonly string[];
}): Promise<ChainDevnet> {
  const anvil: Anvil = await startAnvil({ accounts: o.servers + 2 });
  try {
    const [deployer, user] = [anvil.accounts[0]!, anvil.accounts[1]!];
    const { num, den } = probabilityFraction(o.p);
    const m = o.money;
    const config: SettlementConfig = {
      u: m.u,
      dNum: m.d.num,
      dDen: m.d.den,
      R: m.R,
      S: m.S,
      Su: m.Su,
      P: m.S / 10n,
      window: BigInt(m.window),
      pNum: num,
      pDen: den,
      n: BigInt(o.validators),
      responseBlocks: DEADLINE_BLOCKS,
      // The beacon is a block hash, which the EVM keeps for 256 blocks only.
      revealBlocks: 256n,
      validateBlocks: DEADLINE_BLOCKS,
      disputeBlocks: DEADLINE_BLOCKS,
      attestBlocks: DEADLINE_BLOCKS,
      voteBlocks: DEADLINE_BLOCKS,
    };
    const chain = await SpmlChain.deploy(anvil, config, { deployer, rewardPool: 10n ** 15n });
    const keys = Array.from({ length: o.servers }, (_, i) => anvil.accounts[2 + i]!);
    for (const key of keys) {
      await chain.deposit(key, o.stake);
      await chain.registerServer(key);
    }
    await chain.deposit(user, o.userBalance);
    const board = await ChainBoard.create({
      chain,
      networkId: o.networkId,
      modelHash: o.modelHash,
      p: o.p,
      validators: o.validators,
      nodes: keys.map((key, i) => ({ id: `node-${i}`, address: addressOf(key), publicKey: o.publicKeys[i]! })),
      users: new Map<string, Hex>([['user', user]]),
      relayer: deployer,
    });
    return {
      board,
      chain,
      nodeFlags: (i) => {
        const file = join(o.dir, `node-${i}`, 'chain-key');
        writeFileSync(file, keys[i]! + '\n', { mode: 0o600 });
        return ['--chain-key', file, '--chain-id', String(anvil.chainId), '--contract', chain.address];
      },
      stop: () => anvil.stop(),
    };
  } catch (e) {
    await anvil.stop();
    throw e;
  }
}
