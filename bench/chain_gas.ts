/**
 * Benchmark: the gas one spML round costs on the settlement contract (protocol/chain/SpmlSettlement.sol,
 * paper §3.1 "On-chain Operations"), for each outcome: every transaction of the round from the request
 * to the release, on a local anvil, with its gas summed. Costs are given in ether at two gas prices and
 * in units of the reward R of the config used, since what matters to a server is the gas against what a
 * round pays.
 *
 * The rounds are played after a warm-up round on the same accounts (balances non-zero, as on a running
 * network), so the figures are the steady state, not a first-ever round. Gas is deterministic for a
 * given contract, config and pool, so one run is the measurement; the pool (8 servers of equal stake,
 * one validator per challenge) is stated with the figures, because the draws scan it.
 *
 * Run: npm run bench:chain (npx tsx bench/chain_gas.ts). The Markdown tables go to stdout and
 * bench/results/chain_gas.json is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatEther, parseEther, type Address, type Hex } from 'viem';
import { startAnvil, type Anvil } from '../protocol/chain/anvil.js';
import { addressOf, SpmlChain, type SettlementConfig, type TxResult } from '../protocol/chain/client.js';
import { settlementArtifact, SOLC_VERSION } from '../protocol/chain/compile.js';
import { challengeCommitment } from '../protocol/challenge.js';
import { sha256Hex } from '../protocol/crypto.js';
import { machineInfo, spmlVersion, versionOf } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

const SERVERS = 8;
const STAKE = parseEther('1');
const GAS_PRICES_GWEI = [1n, 20n] as const;

/** The paper's example in units of a notional cost C = 0.001 ETH: R = 1.2C, S = 150C; u = 2C, Su = 10C, P = S/10. */
const CONFIG: SettlementConfig = {
  u: parseEther('0.002'),
  dNum: 1n,
  dDen: 2n,
  R: parseEther('0.0012'),
  S: parseEther('0.15'),
  Su: parseEther('0.01'),
  P: parseEther('0.015'),
  window: 40n,
  pNum: 1n,
  pDen: 1n,
  n: 1n,
  responseBlocks: 5n,
  revealBlocks: 5n,
  validateBlocks: 5n,
  disputeBlocks: 5n,
  attestBlocks: 5n,
  voteBlocks: 20n,
};

const honest = { outputHash: `0x${sha256Hex('bench/output')}` as Hex, traceRoot: `0x${sha256Hex('bench/trace')}` as Hex };
const cheat = { outputHash: `0x${sha256Hex('bench/cheat-output')}` as Hex, traceRoot: `0x${sha256Hex('bench/cheat-trace')}` as Hex };

interface Step {
  readonly call: string;
  readonly gas: bigint;
}

/** A deployment with SERVERS registered servers of equal stake and a funded user. */
class Bench {
  private rounds = 0;
  readonly keyOf = new Map<string, Hex>();

  private constructor(
    readonly chain: SpmlChain,
    readonly user: Hex,
    readonly relayer: Hex,
    readonly servers: readonly Hex[],
  ) {
    for (const k of [user, relayer, ...servers]) this.keyOf.set(addressOf(k).toLowerCase(), k);
  }

  static async start(anvil: Anvil, config: SettlementConfig): Promise<Bench> {
    const [deployer, user, ...servers] = anvil.accounts;
    const chain = await SpmlChain.deploy(anvil, config, { deployer: deployer!, rewardPool: parseEther('10') });
    const b = new Bench(chain, user!, deployer!, servers.slice(0, SERVERS));
    for (const s of b.servers) {
      await chain.deposit(s, STAKE);
      await chain.registerServer(s);
    }
    await chain.deposit(user!, parseEther('1'));
    return b;
  }

  key(a: string): Hex {
    return this.keyOf.get(a.toLowerCase())!;
  }

  /** Plays one round with `play` and returns its transactions' gas, the release included. */
  async round(play: (r: RoundDriver) => Promise<void>): Promise<Step[]> {
    const steps: Step[] = [];
    const record = (call: string) => (tx: TxResult) => (steps.push({ call, gas: tx.gasUsed }), tx);
    const id = this.rounds++;
    const requestId = `0x${sha256Hex(`bench/request/${id}`)}` as Hex;
    const secret = `0x${sha256Hex(`bench/secret/${id}`)}` as Hex;
    const c = this.chain;
    const opened = await c.request(this.user, requestId, `0x${challengeCommitment(secret.slice(2), requestId.slice(2))}`).then(record('request'));
    const asserter = opened.events.find((e) => e.eventName === 'Requested')!.args.asserter as Address;
    const driver: RoundDriver = {
      respond: async (result = honest) => {
        const m = { ...result, responseDigest: `0x${sha256Hex(`bench/digest/${id}`)}` as Hex };
        await c.respondFor(this.relayer, requestId, m, await c.signResponse(this.key(asserter), requestId, m)).then(record('respondFor'));
      },
      reveal: async () => {
        await c.mine(1);
        await c.reveal(this.user, requestId, secret).then(record('reveal'));
      },
      validators: async () => (await c.round(requestId)).validators,
      validate: async (v, result) => {
        await c.validateFor(this.relayer, requestId, result, await c.signValidation(this.key(v), requestId, result)).then(record('validateFor'));
      },
      dispute: async () => void (await c.dispute(this.user, requestId).then(record('dispute'))),
      attest: async (server) => {
        const digest = `0x${sha256Hex(`bench/request-digest/${id}`)}` as Hex;
        await c.attestFor(this.relayer, requestId, digest, await c.signAttestation(this.key(server), requestId, digest)).then(record('attestFor'));
      },
      asserter,
      b: async () => (await c.round(requestId)).b,
      voteUntilSettled: async (v) => {
        for (const s of this.servers) {
          const tx = await c.voteFor(this.relayer, requestId, v, await c.signVote(s, requestId, v)).then(record('voteFor'));
          if (tx.events.some((e) => e.eventName === 'Settled')) return;
        }
        throw new Error('the vote did not settle');
      },
      timeout: async () => {
        const { deadline } = await c.round(requestId);
        const now = await c.blockNumber();
        if (now <= deadline) await c.mine(Number(deadline - now));
        await c.timeout(this.relayer, requestId).then(record('timeout'));
      },
    };
    await play(driver);
    const { phase, openBlock } = await c.round(requestId);
    if (phase !== 'settled') throw new Error(`round ${id} ended in phase ${phase}`);
    const now = await c.blockNumber();
    const at = openBlock + (await c.config()).window;
    if (now + 1n < at) await c.mine(Number(at - now - 1n));
    await c.release(this.relayer, requestId).then(record('release'));
    if (!(await c.conserved())) throw new Error('conservation broken');
    return steps;
  }
}

interface RoundDriver {
  readonly asserter: Address;
  respond(result?: typeof honest): Promise<void>;
  reveal(): Promise<void>;
  validators(): Promise<readonly Address[]>;
  validate(v: Address, result: typeof honest): Promise<void>;
  dispute(): Promise<void>;
  attest(server: Address): Promise<void>;
  b(): Promise<Address>;
  voteUntilSettled(v: { userHonest: boolean; aHonest: boolean; bHonest: boolean }): Promise<void>;
  timeout(): Promise<void>;
}

interface Outcome {
  readonly label: string;
  readonly challenged: boolean;
  readonly play: (r: RoundDriver) => Promise<void>;
}

/** Steps 1–5: A answers `a`, the round is revealed, each validator answers `v`. */
async function challenged(r: RoundDriver, a = honest, v = honest): Promise<void> {
  await r.respond(a);
  await r.reveal();
  for (const x of await r.validators()) await r.validate(x, v);
}

/** Step 7: the user disputes, A attests, and B too when `bAttests`. */
async function disputed(r: RoundDriver, bAttests: boolean): Promise<void> {
  await r.dispute();
  await r.attest(r.asserter);
  if (bAttests) await r.attest(await r.b());
}

const OUTCOMES: Outcome[] = [
  { label: 'unchallenged', challenged: false, play: async (r) => (await r.respond(), await r.reveal()) },
  { label: 'withheld reveal (timeout)', challenged: false, play: async (r) => (await r.respond(), await r.timeout()) },
  { label: 'asserter silent (timeout)', challenged: false, play: async (r) => r.timeout() },
  { label: 'matched', challenged: true, play: async (r) => challenged(r) },
  {
    label: 'disputed: user honest, A slashed (vote)',
    challenged: true,
    play: async (r) => {
      await challenged(r, cheat, honest);
      await disputed(r, true);
      await r.voteUntilSettled({ userHonest: true, aHonest: false, bHonest: true });
    },
  },
  { label: 'dispute withheld (timeout)', challenged: true, play: async (r) => (await challenged(r, cheat, honest), await r.timeout()) },
  { label: 'disputed: B silent, judged by default (timeout)', challenged: true, play: async (r) => (await challenged(r, honest, cheat), await disputed(r, false), await r.timeout()) },
  { label: 'disputed: no 2/3 by the vote deadline (timeout)', challenged: true, play: async (r) => (await challenged(r, honest, cheat), await disputed(r, true), await r.timeout()) },
  {
    label: 'validator silent, replaced, then matched (timeout)',
    challenged: true,
    play: async (r) => {
      await r.respond();
      await r.reveal();
      await r.timeout();
      for (const v of await r.validators()) await r.validate(v, honest);
    },
  },
];

const gwei = 10n ** 9n;
const inR = (wei: bigint) => Number((wei * 1000n) / CONFIG.R) / 1000;
const ether = (wei: bigint) => formatEther(wei);

async function main(): Promise<void> {
  const artifact = settlementArtifact();
  const anvil = await startAnvil({ accounts: SERVERS + 2 });
  try {
    const never = await Bench.start(anvil, { ...CONFIG, pNum: 0n });
    const always = await Bench.start(anvil, CONFIG);
    const deployGas = always.chain.deployGas!;
    const results = [];
    for (const o of OUTCOMES) {
      const bench = o.challenged ? always : never;
      await bench.round(o.play); // warm-up: the same accounts, now with every balance slot written
      const steps = await bench.round(o.play);
      const gas = steps.reduce((s, x) => s + x.gas, 0n);
      log(`${o.label}: ${gas} gas over ${steps.length} transactions`);
      results.push({ outcome: o.label, steps, gas, costs: GAS_PRICES_GWEI.map((g) => ({ gasPriceGwei: g, ether: ether(gas * g * gwei), inR: inR(gas * g * gwei) })) });
    }
    const table = [
      `| outcome | txs | gas | ${GAS_PRICES_GWEI.map((g) => `ETH at ${g} gwei | in R at ${g} gwei`).join(' | ')} |`,
      `|---|---:|---:|${GAS_PRICES_GWEI.map(() => '---:|---:').join('|')}|`,
      ...results.map((r) => `| ${r.outcome} | ${r.steps.length} | ${r.gas} | ${r.costs.map((c) => `${c.ether} | ${c.inR}`).join(' | ')} |`),
    ].join('\n');
    const calls = new Map<string, bigint[]>();
    for (const r of results) for (const s of r.steps) calls.set(s.call, [...(calls.get(s.call) ?? []), s.gas]);
    const perCall = [
      '| call | gas (min – max over the rounds above) |',
      '|---|---:|',
      ...[...calls].map(([call, g]) => `| ${call} | ${g.reduce((a, b) => (a < b ? a : b))} – ${g.reduce((a, b) => (a > b ? a : b))} |`),
    ].join('\n');
    const runtimeBytes = (artifact.deployedBytecode.length - 2) / 2;
    const header = [
      `Config: u = ${ether(CONFIG.u)} ETH, d = ${CONFIG.dNum}/${CONFIG.dDen}, R = ${ether(CONFIG.R)} ETH, S = ${ether(CONFIG.S)} ETH, Su = ${ether(CONFIG.Su)} ETH, P = ${ether(CONFIG.P)} ETH, n = ${CONFIG.n}; ${SERVERS} servers of ${ether(STAKE)} ETH each.`,
      `Contract: solc ${SOLC_VERSION}, optimizer ${artifact.optimizerRuns} runs, EVM ${artifact.evmVersion}; runtime ${runtimeBytes} bytes; deployment ${deployGas} gas.`,
    ].join('\n');
    process.stdout.write(`${header}\n\n${table}\n\n${perCall}\n`);
    mkdirSync(path.join(here, 'results'), { recursive: true });
    const json = {
      benchmark: 'chain_gas',
      description: 'gas of one spML round per outcome on the settlement contract (request to release, steady state), on anvil',
      machine: machineInfo(),
      versions: { spml: spmlVersion(), solc: artifact.solcVersion, viem: versionOf('viem'), anvil: versionOf('@foundry-rs/anvil') },
      contract: { runtimeBytes, deployGas: deployGas.toString(), optimizerRuns: artifact.optimizerRuns, evmVersion: artifact.evmVersion },
      config: Object.fromEntries(Object.entries(CONFIG).map(([k, v]) => [k, v.toString()])),
      pool: { servers: SERVERS, stakeWei: STAKE.toString() },
      gasPricesGwei: GAS_PRICES_GWEI.map(Number),
      outcomes: results.map((r) => ({ ...r, gas: r.gas.toString(), steps: r.steps.map((s) => ({ call: s.call, gas: s.gas.toString() })), costs: r.costs.map((c) => ({ ...c, gasPriceGwei: Number(c.gasPriceGwei) })) })),
    };
    writeFileSync(path.join(here, 'results', 'chain_gas.json'), `${JSON.stringify(json, null, 2)}\n`);
  } finally {
    await anvil.stop();
  }
}

await main();
