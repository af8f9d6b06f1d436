/**
 * Sweeps of the challenge probability p (paper §2.2 Theorem 1): for each p, the coalition's
 * expected profit per round when it cheats and when it is honest, simulated and theoretical, and
 * where the simulated curves cross next to the theoretical p_min.
 *
 * Each point plays only rounds whose asserter is in the coalition (the other rounds do not depend
 * on its choice, and rounds are independent, so this conditions without bias) and lets the
 * coalition cheat in half of them at random, so one run measures both sides of Theorem 1. With
 * r = 0 the coalition is a single node: a lone cheater. Point k uses seed + k.
 *
 * This returns numbers only; `spml simulate --sweep --out` draws them (apps/cli/simulate.ts, with
 * tools/report/svg_chart.ts), since protocol/ imports nothing above engine/.
 */
import { ProtocolParamError } from '../errors.js';
import { coalitionSize, type SimConfig } from './config.js';
import { progressAt, simulate, type SimulateOptions } from './simulate.js';
import { atP, coalitionLines, networkColluders, networkPMin, theorem1PMin } from './theory.js';

export interface SweepRange {
  from: number;
  to: number;
  step: number;
}

export interface SweepSide {
  simulated: number;
  theory: number;
  /** 4σ of the simulated value. */
  bound: number;
}

export interface SweepPoint {
  p: number;
  honest: SweepSide;
  cheat: SweepSide;
}

export interface SweepResult {
  range: SweepRange;
  /** The config each point ran (p, asserters, coalitionCheat and seed set per point). */
  config: SimConfig;
  points: SweepPoint[];
  pMin: { network: number | null; theorem1: number | null };
  /** Where simulated honesty first overtakes simulated cheating, interpolated; null if it never does in range. */
  simulatedCrossing: number | null;
  roundsPerSec: number;
}

const MAX_POINTS = 10_000;

/** Parses `p=from:to:step` (the `p=` is optional). */
export function parseSweep(spec: string): SweepRange {
  const m = /^(?:p=)?([^:]+):([^:]+):([^:]+)$/.exec(spec.trim());
  const bad = (why: string) => new ProtocolParamError('parseSweep', 'sweep', `${why}, got "${spec}" (expected p=from:to:step, e.g. p=0.001:0.02:0.001)`);
  if (!m) throw bad('malformed');
  const [from, to, step] = [m[1], m[2], m[3]].map((t) => (/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(t!) ? Number(t) : NaN)) as [number, number, number];
  if (![from, to, step].every(Number.isFinite)) throw bad('from, to and step must be numbers');
  if (!(from >= 0 && from <= to && to <= 1)) throw bad('needs 0 <= from <= to <= 1');
  if (!(step > 0)) throw bad('step must be > 0');
  if ((to - from) / step + 1 > MAX_POINTS) throw bad(`more than ${MAX_POINTS} points`);
  return { from, to, step };
}

export function sweepValues(r: SweepRange): number[] {
  const count = Math.floor((r.to - r.from) / r.step + 1e-9) + 1;
  return Array.from({ length: count }, (_, k) => +(r.from + k * r.step).toPrecision(12));
}

export async function sweep(base: SimConfig, range: SweepRange, opts: Pick<SimulateOptions, 'onProgress' | 'progressIntervalMs'> = {}): Promise<SweepResult> {
  const ps = sweepValues(range);
  const r = coalitionSize(base) >= 1 ? base.r : 1 / base.nodes;
  const config: SimConfig = { ...base, r, asserters: 'coalition', coalitionCheat: 0.5 };
  const lines = coalitionLines(config.econ, config.n, config.userCheat, networkColluders(config));
  const total = ps.length * config.rounds;
  const start = performance.now();
  let lastReport = start;
  const points: SweepPoint[] = [];
  const report = (done: number) => {
    const now = performance.now();
    if (!opts.onProgress || (now - lastReport < (opts.progressIntervalMs ?? 250) && done !== total)) return;
    lastReport = now;
    opts.onProgress(progressAt(done, total, now - start));
  };
  for (const [k, p] of ps.entries()) {
    const rep = await simulate({ ...config, p, seed: config.seed + k }, { onProgress: (pr) => report(k * config.rounds + pr.done), progressIntervalMs: 0 });
    const side = (metric: 'coalitionHonestProfit' | 'coalitionCheatProfit', line: [number, number]): SweepSide => {
      const c = rep.comparisons.find((x) => x.metric === metric)!;
      return { simulated: c.realized, theory: atP(line, p), bound: c.bound };
    };
    points.push({ p, honest: side('coalitionHonestProfit', lines.honest), cheat: side('coalitionCheatProfit', lines.cheat) });
  }
  return {
    range,
    config,
    points,
    pMin: { network: networkPMin(config), theorem1: theorem1PMin(base) },
    simulatedCrossing: crossing(points),
    roundsPerSec: (total / Math.max(performance.now() - start, 1e-3)) * 1e3,
  };
}

/** First p where simulated honest − cheat turns positive, linearly interpolated between grid points. */
export function crossing(points: readonly SweepPoint[]): number | null {
  const gap = (q: SweepPoint) => q.honest.simulated - q.cheat.simulated;
  for (let k = 0; k < points.length; k++) {
    const g = gap(points[k]!);
    if (!(g > 0)) continue;
    if (k === 0) return points[0]!.p;
    const prev = points[k - 1]!;
    const g0 = gap(prev);
    return prev.p + ((points[k]!.p - prev.p) * -g0) / (g - g0);
  }
  return null;
}
