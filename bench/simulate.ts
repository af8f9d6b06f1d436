/**
 * Benchmark: economics rounds per second of `spml simulate` (protocol/simulate, paper §2.1 and
 * §3.2) on one core, next to two peers in the same process that play from the same seed:
 *   - bare xoshiro128**: only the random numbers the rounds draw, and nothing else; the upper
 *     bound of any executor built on this generator;
 *   - reference executor: the object-per-round definition (reference_executor.ts), i.e. the naive
 *     implementation the fast loop replaces.
 * Before timing, the economics and reference executors play the same rounds once and their metric
 * sums must be identical (bit for bit); the run exits non-zero if not.
 *
 * What matters is the ratio to a peer measured in the same process; absolute rates depend on the
 * machine and its load, so nothing here (or anywhere) asserts on them.
 *
 * Run: npm run bench:simulate (npx tsx bench/simulate.ts). Progress goes to stderr, the Markdown
 * table to stdout; bench/results/simulate.json and bench/results/simulate.svg are written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  autoP,
  buildPopulation,
  drawRound,
  EconomicsExecutor,
  makeConfig,
  newAccumulator,
  parseStrategies,
  ReferenceExecutor,
  Xoshiro128,
  type RoundExecutor,
  type SimConfig,
} from '../protocol/simulate/index.js';
import { barChartSvg } from '../tools/report/svg_chart.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(here, 'results');
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

const SAMPLES = 7;
const FAST_ROUNDS = 4_000_000;
const REFERENCE_ROUNDS = 400_000;

interface Case {
  label: string;
  config: SimConfig;
}

function caseConfig(input: Parameters<typeof makeConfig>[0]): SimConfig {
  const c = makeConfig(input);
  c.p = autoP(c);
  return c;
}

const CASES: Case[] = [
  { label: 'spML n=1, r=0.1, mixed strategies, p auto', config: caseConfig({ strategies: parseStrategies('honest:0.8,cheat:0.1,cheat-q=0.3:0.1') }) },
  { label: 'n=3, stake selection, dishonest users 5%, p=0.05', config: makeConfig({ n: 3, p: 0.05, selection: 'stake', userCheat: 0.05, strategies: parseStrategies('honest:0.8,cheat:0.1,cheat-q=0.3:0.1') }) },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Median rounds/s of `play` over SAMPLES timed calls, after one untimed warm-up call. */
function rate(rounds: number, play: (rounds: number) => void): number {
  play(rounds);
  const rates: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    play(rounds);
    rates.push((rounds / (performance.now() - t0)) * 1e3);
  }
  return median(rates);
}

/** Draws per round from the seed's own stream, counted through the reference's draw function. */
function drawsPerRound(config: SimConfig, rounds: number): number {
  const pop = buildPopulation(config);
  let count = 0;
  const rng = new Xoshiro128(config.seed);
  const next = rng.next.bind(rng);
  rng.next = () => (count++, next());
  for (let k = 0; k < rounds; k++) drawRound(rng, pop, config.p, config.n, config.userCheat);
  return count / rounds;
}

function sameSums(config: SimConfig, rounds: number): boolean {
  const pop = buildPopulation(config);
  const a = newAccumulator();
  const b = newAccumulator();
  new EconomicsExecutor(config, pop).play(rounds, a);
  new ReferenceExecutor(config, pop).play(rounds, b);
  return a.every((v, i) => Object.is(v, b[i]));
}

interface Result {
  case: string;
  impl: string;
  roundsPerSec: number;
  ratioToEconomics: number;
}

const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
log(`simulate bench: ${cpu}, node ${process.version}, one thread; median of ${SAMPLES} samples`);
const results: Result[] = [];
let allSame = true;
for (const c of CASES) {
  log(`${c.label}:`);
  const same = sameSums(c.config, 200_000);
  allSame &&= same;
  log(`  economics vs reference sums over 200000 rounds: ${same ? 'identical' : 'DIFFERENT'}`);
  const draws = drawsPerRound(c.config, 200_000);
  const pop = buildPopulation(c.config);
  const fast: RoundExecutor = new EconomicsExecutor(c.config, pop);
  const ref: RoundExecutor = new ReferenceExecutor(c.config, pop);
  const acc = newAccumulator();
  const rng = new Xoshiro128(c.config.seed);
  let sink = 0;
  const bare = (rounds: number) => {
    const n = Math.round(rounds * draws);
    for (let i = 0; i < n; i++) sink += rng.next();
  };
  const economics = rate(FAST_ROUNDS, (k) => void fast.play(k, acc));
  const generator = rate(FAST_ROUNDS, bare);
  const reference = rate(REFERENCE_ROUNDS, (k) => void ref.play(k, acc));
  if (sink < 0) log('unreachable'); // keeps the bare loop's result alive
  for (const [impl, v] of [['bare xoshiro128** (same draws)', generator], ['economics executor', economics], ['reference executor (object per round)', reference]] as const) {
    results.push({ case: c.label, impl, roundsPerSec: v, ratioToEconomics: v / economics });
    log(`  ${impl.padEnd(40)} ${(v / 1e6).toFixed(2).padStart(8)} M rounds/s  ${(v / economics).toFixed(3)}× economics`);
  }
  log(`  (${draws.toFixed(3)} draws per round)`);
}

const lines = [
  '',
  `## spml simulate: economics rounds/s — ${cpu}, node ${process.version}, one thread`,
  '',
  '| case | implementation | M rounds/s | ratio to economics executor |',
  '|---|---|---:|---:|',
  ...results.map((r) => `| ${r.case} | ${r.impl} | ${(r.roundsPerSec / 1e6).toFixed(2)} | ${r.ratioToEconomics.toFixed(3)}× |`),
  '',
  `economics and reference executors give identical sums: ${allSame ? 'yes' : 'NO'}`,
];
const machine = { cpu, cores: os.cpus().length, platform: `${os.platform()} ${os.release()} ${os.arch()}`, node: process.version, date: new Date().toISOString() };
const spmlVersion = (JSON.parse(readFileSync(path.join(here, '..', 'package.json'), 'utf8')) as { version: string }).version;
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  path.join(resultsDir, 'simulate.json'),
  `${JSON.stringify({ benchmark: 'simulate', description: 'economics rounds per second, one thread; peers from the same seed in the same process', machine, versions: { spml: spmlVersion }, options: { samples: SAMPLES, fastRounds: FAST_ROUNDS, referenceRounds: REFERENCE_ROUNDS }, cases: CASES.map((c) => ({ label: c.label, config: c.config })), results, identicalSums: allSame }, null, 2)}\n`,
);
writeFileSync(
  path.join(resultsDir, 'simulate.svg'),
  barChartSvg({
    title: 'spml simulate: economics rounds per second (one thread)',
    subtitle: `${cpu}, node ${process.version}, ${machine.date.slice(0, 10)}: median of ${SAMPLES} samples`,
    unit: 'M rounds/s',
    groups: CASES.map((c) => ({
      label: c.label,
      bars: results.filter((r) => r.case === c.label).map((r) => ({ label: r.impl, value: r.roundsPerSec / 1e6, note: `(${r.ratioToEconomics.toFixed(3)}×)` })),
    })),
  }),
);
lines.push('wrote bench/results/simulate.json and bench/results/simulate.svg');
process.stdout.write(`${lines.join('\n')}\n`);
if (!allSame) process.exitCode = 1;
