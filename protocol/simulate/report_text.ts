/**
 * Plain-text rendering of a simulation report and of a sweep: each measured value beside its
 * theoretical value (paper §2.2, §3.2) and its 4σ bound, and whether it falls inside.
 */
import type { MetricName } from './metrics.js';
import type { SimReport } from './simulate.js';
import type { SweepResult } from './sweep.js';

const LABELS: Record<MetricName, string> = {
  challengeRate: 'challenge rate',
  undetectedFraud: 'undetected fraud / cheats',
  undetectedFraudLone: '  by lone cheaters',
  undetectedFraudCoalition: '  by the coalition',
  honestSlashRate: 'honest servers slashed',
  honestAsserterProfit: 'honest asserter profit/round',
  cheatingAsserterProfit: 'cheating asserter profit/round',
  validatorProfit: 'validator profit/validation',
  userProfit: 'user profit/round',
  coalitionCheatProfit: 'coalition profit/round, cheating',
  coalitionHonestProfit: 'coalition profit/round, honest',
};

const num = (v: number | null, digits = 6) => (v === null ? 'none' : Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function formatReport(rep: SimReport): string {
  const c = rep.config;
  const e = c.econ;
  const lines = [
    `spml simulate (${rep.executor}): ${c.nodes} nodes, ${c.rounds} rounds, seed ${c.seed}`,
    `  coalition ${rep.coalitionSize} nodes (r=${c.r}, cheats with probability ${c.coalitionCheat}); others: ${rep.groups.filter((g) => !g.coalition).map((g) => `${g.name} ${g.count}`).join(', ')}`,
    `  p=${+c.p.toPrecision(6)}, n=${c.n}, asserter chosen ${c.selection === 'stake' ? 'by stake' : 'uniformly'}, dishonest users ${c.userCheat}`,
    `  amounts in units of C: C=${e.C} R=${e.R} S=${e.S} u=${e.u} d=${e.d} Su=${e.Su} U=${e.U}`,
    `  p_min: ${num(rep.pMin.network)} for this network's coalition, ${num(rep.pMin.theorem1)} by Theorem 1 with rⁿ`,
    `  Theorem 1 at this p: a coalition round earns ${num(rep.coalitionAtP.honest)} honest vs ${num(rep.coalitionAtP.cheat)} cheating, so honesty is ${rep.coalitionAtP.honest > rep.coalitionAtP.cheat ? 'dominant' : 'NOT dominant'}`,
    '',
    `${'metric'.padEnd(34)}${'realized'.padStart(13)}${'theory'.padStart(13)}${`±${rep.sigmas}σ`.padStart(11)}  within  count`,
  ];
  for (const x of rep.comparisons) {
    lines.push(`${LABELS[x.metric].padEnd(34)}${num(x.realized).padStart(13)}${num(x.theory).padStart(13)}${num(x.bound).padStart(11)}  ${(x.within ? 'yes' : 'NO').padEnd(6)}  ${x.count}`);
  }
  lines.push('', `${(rep.roundsPerSec / 1e6).toFixed(2)} M rounds/s (${(rep.elapsedMs / 1e3).toFixed(2)} s)`);
  return lines.join('\n');
}

export function formatSweep(res: SweepResult): string {
  const c = res.config;
  const lines = [
    `spml simulate --sweep: coalition rounds only, ${c.rounds} per p, N=${c.nodes}, r=${+c.r.toPrecision(4)}, n=${c.n}, seed ${c.seed}+k`,
    `p_min: ${num(res.pMin.network)} (this network), ${num(res.pMin.theorem1)} (Theorem 1 with rⁿ); simulated crossing ${num(res.simulatedCrossing)}`,
    '',
    `${'p'.padEnd(10)}${'honest sim'.padStart(12)}${'theory'.padStart(11)}${'cheat sim'.padStart(12)}${'theory'.padStart(11)}${'±4σ'.padStart(9)}  honesty wins (sim / theory)`,
  ];
  for (const q of res.points) {
    const bound = Math.hypot(q.honest.bound, q.cheat.bound);
    lines.push(
      `${String(q.p).padEnd(10)}${num(q.honest.simulated, 4).padStart(12)}${num(q.honest.theory, 4).padStart(11)}${num(q.cheat.simulated, 4).padStart(12)}${num(q.cheat.theory, 4).padStart(11)}${num(bound, 4).padStart(9)}  ${q.honest.simulated > q.cheat.simulated ? 'yes' : 'no '} / ${q.honest.theory > q.cheat.theory ? 'yes' : 'no'}`,
    );
  }
  lines.push('', `${(res.roundsPerSec / 1e6).toFixed(2)} M rounds/s; within ±4σ: ${pct(res.points.filter((q) => Math.abs(q.honest.simulated - q.honest.theory) <= q.honest.bound && Math.abs(q.cheat.simulated - q.cheat.theory) <= q.cheat.bound).length / res.points.length)} of points`);
  return lines.join('\n');
}
