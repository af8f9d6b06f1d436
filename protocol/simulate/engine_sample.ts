/**
 * The engine-backed mode of `spml simulate`: the same population and parameters as the
 * economics mode, but a sample of rounds is played through the in-process spML network
 * (protocol/network): real mnist-mlp inference, signed messages checked by the verifiers, the
 * commit-reveal draw, arbitration with trace bisection and the bigint ledger. Its rates are set
 * beside the same theory (theory.ts metricTheory) as the economics mode, so a disagreement between
 * the fast model of a round and the real protocol shows up as a rate outside its bound.
 *
 * Amounts are scaled to integers at BASE_UNITS per C; images are seeded random bytes, since what is
 * measured is the protocol, not the classifier.
 */
import { sha256 } from '../../engine/sha256.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { createNetwork } from '../network/index.js';
import type { NodeSpec } from '../network/index.js';
import type { Coalition, ServerStrategy } from '../strategies.js';
import type { SimConfig } from './config.js';
import { M } from './metrics.js';
import { buildPopulation } from './population.js';
import { metricTheory, SIGMAS } from './theory.js';

/** Base units per unit of C, so that R = 1.2C and S/3 are whole numbers. */
export const BASE_UNITS = 1000n;
const MNIST_PIXELS = 784;

export interface EngineRate {
  readonly name: string;
  readonly realized: number;
  readonly count: number;
  readonly theory: number;
  readonly bound: number;
  readonly within: boolean;
}

export interface EngineSampleReport {
  readonly rounds: number;
  readonly model: string;
  readonly rates: readonly EngineRate[];
  readonly arbitrations: number;
  /** Mean share of the model's layers that bisection spared arbitration from re-running. */
  readonly bisectionSaved: number | null;
  readonly ledgerConserved: boolean;
  readonly ms: number;
}

const units = (x: number): bigint => BigInt(Math.round(x * Number(BASE_UNITS)));

function seededImage(seed: number, round: number): string {
  const out = new Uint8Array(MNIST_PIXELS);
  for (let at = 0, block = 0; at < MNIST_PIXELS; block++) {
    const h = sha256(utf8ToBytes(`spml/simulate/image/${seed}/${round}/${block}`));
    out.set(h.subarray(0, Math.min(32, MNIST_PIXELS - at)), at);
    at += 32;
  }
  return bytesToHex(out);
}

/** The economics mode's population as network nodes: the coalition first, then the strategy groups. */
function networkNodes(config: SimConfig): NodeSpec[] {
  const pop = buildPopulation(config);
  const ids = Array.from({ length: pop.nodes }, (_, i) => `node-${i}`);
  const coalition: Coalition = { id: 'coalition', members: ids.filter((_, i) => pop.isCoalition[i] === 1) };
  // Each node may have a round open in every window slot; give it stake for all of them.
  const stake = units(config.econ.S) * 64n;
  return ids.map((id, i): NodeSpec => {
    const q = pop.cheatProb[i]!;
    let strategy: ServerStrategy;
    if (pop.isCoalition[i] === 1) strategy = { kind: 'colluding', coalition };
    else if (q === 0) strategy = { kind: 'honest' };
    else if (q === 1) strategy = { kind: 'cheat' };
    else strategy = { kind: 'cheat-sometimes', q };
    return { id, stake, strategy };
  });
}

/** Plays `rounds` rounds of `config` on the real engine and compares its rates with theory. */
export async function engineSample(config: SimConfig, rounds: number, onProgress?: (done: number) => void): Promise<EngineSampleReport> {
  const started = performance.now();
  const e = config.econ;
  const users = [
    { id: 'user', balance: 10n ** 15n, strategy: { kind: 'honest' } as const },
    { id: 'split-user', balance: 10n ** 15n, strategy: { kind: 'split-input' } as const },
  ];
  const net = await createNetwork({
    model: 'mnist-mlp',
    nodes: networkNodes(config),
    users,
    config: { u: units(e.u), d: { num: units(e.d), den: BASE_UNITS }, R: units(e.R), S: units(e.S), Su: units(e.Su), window: 4, p: config.p, validators: config.n },
    seed: config.seed,
  });
  let challenged = 0;
  let cheats = 0;
  let undetected = 0;
  let honestServers = 0;
  let honestSlashed = 0;
  let arbitrations = 0;
  let saved = 0;
  for (let i = 0; i < rounds; i++) {
    // The user's choice between honest and split input, from a stream of its own.
    const userDraw = sha256(utf8ToBytes(`spml/simulate/user/${config.seed}/${i}`))[0]! / 256;
    const user = userDraw < config.userCheat ? 'split-user' : 'user';
    const report = await net.request({ user, input: { kind: 'pixels', pixels: seededImage(config.seed, i), count: 1 } });
    if (report.challenged) challenged++;
    const asserter = report.responses.find((r) => r.role === 'asserter');
    const slashedIds = new Set((report.settlement?.entries ?? []).filter((x) => x.kind === 'slash').map((x) => x.account));
    if (asserter?.deviated) {
      cheats++;
      if (!slashedIds.has(asserter.node)) undetected++;
    }
    for (const r of report.responses) {
      if (r.deviated) continue;
      honestServers++;
      if (slashedIds.has(r.node)) honestSlashed++;
    }
    if (report.outcome === 'arbitrated') {
      arbitrations++;
      saved += report.bisection?.savedFraction ?? 0;
    }
    onProgress?.(i + 1);
  }
  let ledgerConserved = true;
  try {
    net.ledger.checkConservation();
  } catch {
    ledgerConserved = false;
  }
  const theory = metricTheory(config, buildPopulation(config), rounds);
  const rate = (name: string, m: number, x: number, y: number): EngineRate => {
    const t = theory[m]!;
    const realized = y > 0 ? x / y : NaN;
    // The bound for this sample's own count: σ scales with 1/√count.
    const sigma = t.expectedCount > 0 && y > 0 ? t.sigma * Math.sqrt(t.expectedCount / y) : 0;
    const bound = SIGMAS * sigma;
    return { name, realized, count: y, theory: t.mean, bound, within: y === 0 || Math.abs(realized - t.mean) <= bound + 1e-12 };
  };
  return {
    rounds,
    model: 'mnist-mlp',
    rates: [
      rate('challenge rate', M.challengeRate, challenged, rounds),
      rate('undetected fraud / cheats', M.undetectedFraud, undetected, cheats),
      rate('honest servers slashed', M.honestSlashRate, honestSlashed, honestServers),
    ],
    arbitrations,
    bisectionSaved: arbitrations > 0 ? saved / arbitrations : null,
    ledgerConserved,
    ms: performance.now() - started,
  };
}
