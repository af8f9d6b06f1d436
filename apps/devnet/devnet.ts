/**
 * A devnet: `servers` spML server nodes, each a `spml node serve` process on 127.0.0.1, and this
 * process as the board and the user (protocol/live/network.ts), playing `rounds` rounds over HTTP
 * with up to `concurrency` in flight, while fault_plan.ts crashes, delays, drops and cuts off nodes.
 * It stops every process it started, whatever happens, and returns the report of report.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { loadModel, type SpmlModel } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import { randomKey } from '../../protocol/crypto.js';
import { createLiveNetwork } from '../../protocol/live/network.js';
import type { Deadlines } from '../../protocol/live/deadlines.js';
import type { LiveRequest, LiveRoundReport } from '../../protocol/live/types.js';
import type { InferenceInput } from '../../protocol/messages/types.js';
import { FaultyTransport } from '../../protocol/transport/faults.js';
import { HttpTransport } from '../../protocol/transport/http/client.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { FaultPlan } from './fault_plan.js';
import { NodeProcess } from './node_process.js';
import { startChainDevnet, type ChainDevnet } from './chain.js';
import { gasByOutcome, summarize, type DevnetReport } from './report.js';

export interface DevnetOptions {
  readonly servers: number;
  readonly rounds: number;
  /** A shipped model name or a .spml file (default moby-gpt). */
  readonly model: string;
  /** Challenge probability p as a decimal string. */
  readonly p: string;
  readonly validators: number;
  readonly concurrency: number;
  /** How many servers cheat (strategy 'cheat'): node-0 … node-(k−1). */
  readonly cheaters: number;
  /** Probability that a fault is injected as a round starts. */
  readonly faultRate: number;
  readonly seed: number;
  /** Tokens per request for a language model. */
  readonly maxTokens: number;
  readonly deadlines?: Partial<Deadlines>;
  /** Keep the work folder (keys, state, logs) instead of deleting it. */
  readonly keep?: boolean;
  readonly backend?: string;
  /** Write every round's report (outcome, parties, verdict, votes, silences, settlement) here, one JSON line each. */
  readonly roundsOut?: string;
  /** Settle on an EVM: anvil, the SpmlSettlement contract, every server signing for it (chain.ts). */
  readonly chain?: boolean;
  readonly onProgress?: (p: DevnetProgress) => void;
  /** Stops starting rounds once aborted; the rounds in flight settle and everything is stopped. */
  readonly signal?: AbortSignal;
  /** Called once the servers are up, with where they listen. */
  readonly onStarted?: (info: { dir: string; nodes: { id: string; url: string }[] }) => void;
}

export interface DevnetProgress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
  readonly disputes: number;
  readonly faults: number;
}

/** Money: u = 100, d = 1/2, R = 10, S = 10 000, Su = 10 000, P = 1 000, window 16 rounds; stakes 10^6. */
const CONFIG = { u: 100n, d: { num: 1n, den: 2n }, R: 10n, S: 10_000n, Su: 10_000n, window: 16 };
const STAKE = 1_000_000n;
const USER_BALANCE = 10n ** 15n;
/** Generous against a crash and restart (a second or two), so an honest node is late rather than judged. */
const DEVNET_DEADLINES: Deadlines = { response: 8_000, attestation: 20_000, vote: 20_000, perCall: 4_000, retry: 100 };

const PROMPTS = ['Call me Ishmael.', 'Some years ago', 'It is a way I have', 'The whale', 'Whenever I find myself', 'There now is your', 'Circumambulate the city', 'Look at the crowds'];

function inputs(model: SpmlModel, count: number): InferenceInput[] {
  if (model.task === 'generate') return Array.from({ length: count }, (_, i) => ({ kind: 'text', prompt: PROMPTS[i % PROMPTS.length]! }));
  const images = loadMnist('test').images;
  return Array.from({ length: count }, (_, i) => {
    const k = i % 10_000;
    return { kind: 'pixels', pixels: bytesToHex(images.subarray(k * 784, (k + 1) * 784)), count: 1 };
  });
}

export function checkDevnetOptions(o: DevnetOptions): void {
  const op = 'devnet';
  if (!Number.isSafeInteger(o.servers) || o.servers < o.validators + 1) throw new ParamError(op, `--servers must be at least validators + 1 = ${o.validators + 1}, got ${o.servers}`);
  if (!Number.isSafeInteger(o.cheaters) || o.cheaters < 0 || o.cheaters >= o.servers) throw new ParamError(op, `--cheaters must be in [0, servers), got ${o.cheaters}`);
  if (!(o.faultRate >= 0 && o.faultRate <= 1)) throw new ParamError(op, `--faults must be a probability in [0, 1], got ${o.faultRate}`);
}

export async function runDevnet(o: DevnetOptions): Promise<DevnetReport> {
  checkDevnetOptions(o);
  const model = await loadModel(o.model, o.backend ? { backend: o.backend } : {});
  const dir = mkdtempSync(join(tmpdir(), 'spml-devnet-'));
  const processes = new Map<string, NodeProcess>();
  const dishonest = new Set<string>();
  let plan: FaultPlan | undefined;
  let chain: ChainDevnet | undefined;
  try {
    const keys = Array.from({ length: o.servers }, () => randomKey());
    if (o.chain) {
      chain = await startChainDevnet({
        dir,
        servers: o.servers,
        money: CONFIG,
        p: o.p,
        validators: o.validators,
        stake: STAKE,
        userBalance: USER_BALANCE,
        networkId: 'spml-devnet',
        modelHash: model.hash,
        publicKeys: keys.map((k) => k.publicKey),
      });
    }
    for (let i = 0; i < o.servers; i++) {
      const id = `node-${i}`;
      const nodeDir = join(dir, id);
      mkdirSync(nodeDir, { recursive: true });
      const keyFile = join(nodeDir, 'key');
      writeFileSync(keyFile, keys[i]!.secretKey + '\n', { mode: 0o600 });
      const cheat = i < o.cheaters;
      if (cheat) dishonest.add(id);
      const extraFlags = chain ? chain.nodeFlags(i) : [];
      processes.set(id, new NodeProcess({ id, model: o.model, keyFile, stake: STAKE, strategy: cheat ? 'cheat' : 'honest', dir: nodeDir, networkId: 'spml-devnet', extraFlags, ...(o.backend ? { backend: o.backend } : {}) }));
    }
    const started = await Promise.all([...processes.values()].map(async (p) => ({ id: p.spec.id, ...(await p.start()) })));
    for (const s of started)
      if (s.modelHash !== model.hash) throw new ParamError('devnet', `${s.id} serves model ${s.modelHash.slice(0, 16)}…, not ${model.hash.slice(0, 16)}…`);
    o.onStarted?.({ dir, nodes: started.map((s) => ({ id: s.id, url: s.url })) });

    const http = new HttpTransport();
    for (const s of started) http.set(s.id, s.url);
    const transport = new FaultyTransport(http);
    const net = createLiveNetwork({
      transport,
      nodes: started.map((s) => ({ id: s.id, publicKey: s.publicKey, stake: STAKE })),
      model,
      config: { ...CONFIG, p: o.p, validators: o.validators },
      networkId: 'spml-devnet',
      users: [{ id: 'user', balance: USER_BALANCE }],
      seed: o.seed,
      deadlines: { ...DEVNET_DEADLINES, ...o.deadlines },
      ...(chain ? { board: chain.board } : {}),
    });
    plan = new FaultPlan(o.faultRate, o.seed, transport, processes);
    const requests: LiveRequest[] = inputs(model, o.rounds).map((input) => ({ user: 'user', input, options: { maxTokens: o.maxTokens } }));
    const reports: LiveRoundReport[] = [];
    let failed = 0;
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < requests.length && !o.signal?.aborted) {
        const request = requests[next++]!;
        plan!.maybeInject();
        try {
          reports.push(await net.request(request));
        } catch (e) {
          failed++;
          process.stderr.write(`devnet: a round failed to settle: ${(e as Error).message}\n`);
        }
        o.onProgress?.({ done: reports.length + failed, total: requests.length, elapsedMs: performance.now() - t0, disputes: reports.filter((r) => r.votes || r.defaulted.length > 0).length, faults: plan!.faults.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, requests.length) }, worker));
    const seconds = (performance.now() - t0) / 1000;
    if (o.roundsOut) writeFileSync(o.roundsOut, reports.map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).join('\n') + '\n');
    await plan.settled();
    if (chain) {
      await chain.board.releaseAll();
      const gas = gasByOutcome(reports, chain.board.transactions);
      return { ...summarize({ servers: o.servers, reports, failedRounds: failed, journal: chain.board.journal, dishonest, faults: plan.faults, conservation: await chain.chain.conserved(), seconds }), gas };
    }
    let conservation = true;
    try {
      net.ledger.checkConservation();
    } catch {
      conservation = false;
    }
    return summarize({ servers: o.servers, reports, failedRounds: failed, journal: net.ledger.journal(), dishonest, faults: plan.faults, conservation, seconds });
  } finally {
    // A node restarting after an injected crash is stopped once it is up, not left behind.
    await plan?.settled().catch(() => undefined);
    await Promise.all([...processes.values()].map((p) => p.stop()));
    await chain?.stop();
    for (const p of processes.values()) p.closeLog();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}
