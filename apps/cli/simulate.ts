/**
 * `spml simulate`: the economics-only Monte Carlo of PoSP/spML (paper §2.1, §3.2; theory of §2.2
 * Theorem 1 and §3.3 Proposition 1), protocol/simulate. One run prints each measured rate and
 * per-role profit beside its theoretical value and 4σ bound; `--sweep p=a:b:step` prints the
 * coalition's profit from cheating and from honesty per p and can draw them (--out chart.svg):
 * protocol/simulate returns the numbers, sweepSvg below draws them with tools/report/svg_chart.ts.
 *
 * Options are read as strings and checked here, so that every bad value is a ProtocolParamError:
 * one line `spml: …` and exit status 2 (apps/cli/spml.ts).
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { ProtocolParamError } from '../../protocol/errors.js';
import {
  AUTO_P_FACTOR,
  autoP,
  coalitionSize,
  formatReport,
  formatSweep,
  makeConfig,
  parseStrategies,
  parseSweep,
  simulate,
  sweep,
  SIGMAS,
  validateConfig,
  type Progress,
  type SimConfig,
  type SweepPoint,
  type SweepResult,
  type SweepSide,
} from '../../protocol/simulate/index.js';
import { economicsPMin } from '../../protocol/simulate/economics_pmin.js';
import { engineSample, type EngineSampleReport } from '../../protocol/simulate/engine_sample.js';
import { lineChartSvg, PALETTE, type VerticalMarker } from '../../tools/report/svg_chart.js';
import { formatDuration, printJson, rounded } from './format_result.js';

export { formatDuration };

const OP = 'simulate';

export interface SimulateFlags {
  nodes: string;
  rounds: string;
  r: string;
  p: string;
  n: string;
  strategies: string;
  C: string;
  R: string;
  S: string;
  u: string;
  d: string;
  Su: string;
  U: string;
  userCheat: string;
  coalitionCheat: string;
  selection: string;
  seed: string;
  sweep?: string;
  out?: string;
  json?: boolean;
  engineRounds?: string;
}

function number(name: string, text: string): number {
  const v = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(v)) throw new ProtocolParamError(OP, name, `must be a number, got "${text}"`);
  return v;
}

function integer(name: string, text: string): number {
  const v = number(name, text);
  if (!Number.isSafeInteger(v)) throw new ProtocolParamError(OP, name, `must be an integer, got "${text}"`);
  return v;
}

/** The config the flags describe, with `--p auto` resolved (see theory.ts autoP). */
export function configFromFlags(f: SimulateFlags): { config: SimConfig; pAuto: boolean } {
  const pAuto = f.p === 'auto';
  const config = makeConfig({
    nodes: integer('nodes', f.nodes),
    rounds: integer('rounds', f.rounds),
    r: number('r', f.r),
    p: pAuto ? 0 : number('p', f.p),
    n: integer('n', f.n),
    strategies: parseStrategies(f.strategies),
    coalitionCheat: number('coalition-cheat', f.coalitionCheat),
    userCheat: number('user-cheat', f.userCheat),
    selection: f.selection as SimConfig['selection'],
    seed: integer('seed', f.seed),
    econ: { C: number('C', f.C), R: number('R', f.R), S: number('S', f.S), u: number('u', f.u), d: number('d', f.d), Su: number('Su', f.Su), U: number('U', f.U) },
  });
  validateConfig(config);
  if (pAuto) config.p = autoP(config);
  return { config, pAuto };
}

/**
 * The sweep as an SVG line chart: theory as lines, simulation as points with ±4σ whiskers, p_min
 * marked; `extraMarkers` adds lines such as protocol/economics' exact p_min.
 */
export function sweepSvg(res: SweepResult, extraMarkers: VerticalMarker[] = []): string {
  const c = res.config;
  const pts = (f: (q: SweepPoint) => SweepSide, sim: boolean) => res.points.map((q) => (sim ? { x: q.p, y: f(q).simulated, err: f(q).bound } : { x: q.p, y: f(q).theory }));
  const markers: VerticalMarker[] = [];
  if (res.pMin.network !== null) markers.push({ x: res.pMin.network, label: `p_min = ${res.pMin.network.toPrecision(4)}`, color: '#d62728' });
  markers.push(...extraMarkers);
  return lineChartSvg({
    title: 'Coalition profit per round: cheating vs honesty (Theorem 1)',
    subtitle: `N=${c.nodes}, coalition ${coalitionSize(c)} (r=${+c.r.toPrecision(4)}), n=${c.n}, C=${c.econ.C}, R=${c.econ.R}, S=${c.econ.S}, U=${c.econ.U}; ${c.rounds} coalition rounds per p, seed ${c.seed}; whiskers ±4σ`,
    xLabel: 'challenge probability p',
    yLabel: 'expected profit per coalition round (units of C)',
    series: [
      { label: 'honest (theory)', style: 'line', color: PALETTE[0]!, points: pts((q) => q.honest, false) },
      { label: 'cheat (theory)', style: 'line', color: PALETTE[1]!, points: pts((q) => q.cheat, false) },
      { label: 'honest (simulated)', style: 'points', color: PALETTE[0]!, points: pts((q) => q.honest, true) },
      { label: 'cheat (simulated)', style: 'points', color: PALETTE[1]!, points: pts((q) => q.cheat, true) },
    ],
    markers,
  });
}

const NON_TTY_EVERY_MS = 5000;

/**
 * Progress on stderr with the time left at the speed so far. Nothing for a run that ends within
 * 250 ms (the driver's throttle); a longer one shows its first line, with its estimate, after
 * 250 ms, then on a terminal one line rewritten every 250 ms, in a log one line every 5 s.
 *
 * Why a huge --rounds (1e12: about 5 h at ~55 M rounds/s on one core) is run and not refused:
 * the speed depends on the machine and the config (--nodes, --n, --strategies), so a fixed
 * limit would refuse what a fast machine finishes overnight and let through what a slow one
 * never does. The estimate after the first quarter second tells the user what the run costs
 * here, and Ctrl-C stops it. The only hard limit is exactness: rounds must be an integer below
 * 2^53 (configFromFlags).
 */
function progressPrinter(): (p: Progress) => void {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = -Infinity;
  return (p) => {
    const final = p.done === p.total;
    if (lastPrinted === -Infinity ? p.elapsedMs < 250 : !tty && !final && p.elapsedMs - lastPrinted < NON_TTY_EVERY_MS) return;
    lastPrinted = p.elapsedMs;
    const left = final ? `done in ${formatDuration(p.elapsedMs)}` : `about ${formatDuration(p.etaMs)} left`;
    const line = `simulate: ${((100 * p.done) / p.total).toFixed(1)}% of ${p.total} rounds, ${(p.roundsPerSec / 1e6).toFixed(2)} M rounds/s, ${left}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  };
}

/** Engine rounds take milliseconds each, so progress is every 5% of them, with the time left. */
function engineProgress(total: number): (done: number) => void {
  const step = Math.max(1, Math.floor(total / 20));
  const start = performance.now();
  return (done) => {
    if (done % step !== 0 && done !== total) return;
    const elapsed = performance.now() - start;
    const left = done === total ? '' : `, about ${formatDuration(((total - done) * elapsed) / done)} left`;
    process.stderr.write(`simulate: engine round ${done} of ${total}${left}\n`);
  };
}

/** Timings and speeds: measured, so shown to 0.1 ms and 1 round/s. */
const MEASURED: Record<string, number> = { elapsedMs: 1, ms: 1, roundsPerSec: 0 };

/**
 * JSON numbers without float noise: measurements as MEASURED says, every other fraction to 12
 * significant digits (sums of 10^5+ payoffs carry rounding like 0.20000000000000173; 12 digits
 * are far finer than any 4σ bound and keep p exact enough to pass back as --p).
 */
export function tidyNumbers(v: unknown, key = ''): unknown {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Number.isInteger(v)) return v;
    return key in MEASURED ? rounded(v, MEASURED[key]) : Number(v.toPrecision(12));
  }
  if (Array.isArray(v)) return v.map((x) => tidyNumbers(x));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tidyNumbers(x, k)]));
  return v;
}

function formatEngineSample(e: EngineSampleReport): string {
  const lines = [
    `\nengine-backed sample: ${e.rounds} rounds of ${e.model} through the signed protocol, ${(e.ms / 1000).toFixed(1)} s`,
    `${'metric'.padEnd(30)} ${'realized'.padStart(10)} ${'theory'.padStart(10)} ${`±${SIGMAS}σ`.padStart(10)}  within  count`,
  ];
  for (const r of e.rates) {
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(6) : 'n/a').padStart(10);
    lines.push(`${r.name.padEnd(30)} ${f(r.realized)} ${f(r.theory)} ${f(r.bound)}  ${(r.within ? 'yes' : 'NO').padEnd(6)}  ${r.count}`);
  }
  const saved = e.bisectionSaved === null ? 'no arbitrations' : `${e.arbitrations} arbitrations, bisection spared ${(100 * e.bisectionSaved).toFixed(0)}% of the layers`;
  lines.push(`ledger conserved: ${e.ledgerConserved ? 'yes' : 'NO'}; ${saved}`);
  return lines.join('\n');
}

export async function simulateCommand(f: SimulateFlags): Promise<number> {
  if (f.out !== undefined && f.sweep === undefined) throw new ProtocolParamError(OP, 'out', 'draws the chart of a sweep, so it needs --sweep p=from:to:step; a single run has no chart');
  const { config, pAuto } = configFromFlags(f);
  const range = f.sweep === undefined ? undefined : parseSweep(f.sweep);
  // Checked before the (possibly long) run, not after it.
  const engineRounds = f.engineRounds === undefined ? 0 : integer('engine-rounds', f.engineRounds);
  if (engineRounds < 0) throw new ProtocolParamError(OP, 'engine-rounds', `must be >= 0, got ${engineRounds}`);
  if (engineRounds > 0 && range) throw new ProtocolParamError(OP, 'engine-rounds', 'plays one p, so it cannot go with --sweep');
  const onProgress = progressPrinter();
  const exact = economicsPMin(config);
  if (range) {
    const res = await sweep(config, range, { onProgress });
    if (f.out) {
      const markers = exact === null ? [] : [{ x: exact, label: `Theorem 1 (rⁿ, exact) ${exact.toPrecision(4)}`, color: '#555' }];
      writeFileSync(f.out, sweepSvg(res, markers));
    }
    if (f.json) printJson(tidyNumbers({ ...res, pMin: { ...res.pMin, economics: exact }, svg: f.out ?? null }));
    else {
      console.log(formatSweep(res));
      console.log(f.out ? `wrote ${f.out}` : 'add --out chart.svg to draw it');
    }
    return 0;
  }
  const rep = await simulate(config, { onProgress });
  const engine = engineRounds > 0 ? await engineSample(config, engineRounds, engineProgress(engineRounds)) : undefined;
  if (f.json) printJson(tidyNumbers({ ...rep, pAuto, pMin: { ...rep.pMin, economics: exact }, engine: engine ?? null }));
  else {
    if (pAuto) console.log(`--p auto: p = min(1, ${AUTO_P_FACTOR} × p_min) = ${+config.p.toPrecision(6)}`);
    console.log(formatReport(rep));
    if (engine) console.log(formatEngineSample(engine));
  }
  const engineOk = engine === undefined || (engine.ledgerConserved && engine.rates.every((r) => r.within));
  return rep.comparisons.every((c) => c.within) && engineOk ? 0 : 1;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Monte Carlo of the PoSP/spML economics: measured fraud, slashing and profits beside Theorem 1 and Proposition 1')
    .option('--nodes <N>', 'nodes in the network', '100')
    .option('--rounds <k>', 'rounds to play (per p with --sweep)', '100000')
    .option('--r <fraction>', 'fraction of the nodes in the colluding coalition (Assumption 3)', '0.1')
    .option('--p <prob|auto>', `challenge probability, or auto = min(1, ${AUTO_P_FACTOR} × p_min)`, 'auto')
    .option('--n <count>', 'validators per challenge', '1')
    .option('--strategies <spec>', 'nodes outside the coalition: honest, cheat, cheat-q=<q> with fractions summing to 1, e.g. honest:0.8,cheat:0.1,cheat-q=0.3:0.1', 'honest:1')
    .option('--coalition-cheat <q>', 'probability that a coalition asserter cheats', '1')
    .option('--user-cheat <rate>', 'probability that a challenged user sends B a different input', '0')
    .option('--selection <how>', 'asserter choice: uniform or stake', 'uniform')
    .option('--C <cost>', 'compute cost of one inference (the unit of all amounts)', '1')
    .option('--R <reward>', 'server reward', '1.2')
    .option('--S <stake>', 'server stake slashed on fraud', '150')
    .option('--u <fee>', 'user base fee', '2')
    .option('--d <fraction>', 'fee refunded when A and B agree, in [0, 1)', '0.5')
    .option('--Su <stake>', 'user stake slashed when the user cheats', '150')
    .option('--U <gain>', 'extra gain of an accepted cheat', '0')
    .option('--seed <s>', 'PRNG seed, an integer in [0, 2^53)', '42')
    .option('--sweep <p=a:b:step>', 'sweep p and compare cheating with honesty for the coalition')
    .option('--out <file.svg>', 'with --sweep (only), write the chart here')
    .option('--engine-rounds <k>', 'also play k rounds on the real engine (mnist-mlp, signed messages, bigint ledger) and compare them with theory', '0')
    .option('--json', 'print the result as JSON')
    .action(async (flags: SimulateFlags) => {
      process.exitCode = await simulateCommand(flags);
    });
}
