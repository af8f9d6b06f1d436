/**
 * The simulated network: N nodes, the first round(r·N) of which form the colluding coalition
 * (Assumption 3), the rest shared out among the strategies of the spec, each node with a stake.
 *
 * Putting the coalition at indices [0, K) lets "only coalition asserters" be the prefix of the
 * node list. Stakes only weigh the asserter's selection (--selection stake); validators are drawn
 * uniformly, so a coalition holding a fraction r of the nodes supplies each validator with
 * probability close to r, the r of Theorem 1.
 */
import { AliasTable } from './alias.js';
import { coalitionSize, type SimConfig } from './config.js';
import { Xoshiro128 } from './prng.js';

export interface NodeGroup {
  name: string;
  coalition: boolean;
  cheatProb: number;
  count: number;
  /** Share of the asserter selection weight (uniform: count / eligible count). */
  selectionShare: number;
}

export interface Population {
  nodes: number;
  /** Coalition size K. */
  coalition: number;
  isCoalition: Uint8Array;
  cheatProb: Float64Array;
  stake: Float64Array;
  groups: NodeGroup[];
  /** Asserters are drawn from nodes [0, eligible). */
  eligible: number;
  /** Present when the asserter is drawn by stake. */
  alias?: AliasTable;
}

/** Stakes for --selection stake: log-uniform over [S, 100·S], from a stream of their own. */
const STAKE_STREAM = 0x5157a4e;

/** Largest-remainder shares of `total` by `fractions`, so the counts add up exactly. */
function apportion(total: number, fractions: readonly number[]): number[] {
  const raw = fractions.map((f) => f * total);
  const counts = raw.map(Math.floor);
  const order = raw.map((x, i) => ({ i, rem: x - Math.floor(x) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0, left = total - counts.reduce((a, b) => a + b, 0); k < left; k++) counts[order[k]!.i]! += 1;
  return counts;
}

export function buildPopulation(c: SimConfig): Population {
  const N = c.nodes;
  const K = coalitionSize(c);
  const isCoalition = new Uint8Array(N);
  const cheatProb = new Float64Array(N);
  const stake = new Float64Array(N).fill(c.econ.S);
  isCoalition.fill(1, 0, K);
  cheatProb.fill(c.coalitionCheat, 0, K);
  const counts = apportion(N - K, c.strategies.map((g) => g.fraction));
  const groups: NodeGroup[] = K > 0 ? [{ name: 'coalition', coalition: true, cheatProb: c.coalitionCheat, count: K, selectionShare: 0 }] : [];
  let at = K;
  c.strategies.forEach((g, gi) => {
    const count = counts[gi]!;
    cheatProb.fill(g.cheatProb, at, at + count);
    at += count;
    if (count > 0) groups.push({ name: g.name, coalition: false, cheatProb: g.cheatProb, count, selectionShare: 0 });
  });
  const eligible = c.asserters === 'coalition' ? K : N;
  let alias: AliasTable | undefined;
  if (c.selection === 'stake') {
    const rng = new Xoshiro128((c.seed ^ STAKE_STREAM) >>> 0);
    for (let i = 0; i < N; i++) stake[i] = c.econ.S * 100 ** rng.next();
    alias = new AliasTable(stake.subarray(0, eligible));
  }
  // Selection shares per group, from the same weights the draw uses.
  let total = 0;
  let start = 0;
  const weights = groups.map((g) => {
    let w = 0;
    for (let i = start; i < Math.min(start + g.count, eligible); i++) w += c.selection === 'stake' ? stake[i]! : 1;
    start += g.count;
    total += w;
    return w;
  });
  groups.forEach((g, i) => (g.selectionShare = weights[i]! / total));
  return { nodes: N, coalition: K, isCoalition, cheatProb, stake, groups, eligible, ...(alias ? { alias } : {}) };
}
