/**
 * What a devnet run did, from its round reports, its ledger and its fault log: the figures `spml devnet`
 * prints (rounds, challenges, disputes, slashes, faults, rounds/s, latency percentiles) and the checks a
 * fault run must pass — a verdict in every round, conservation, and no honest server slashed.
 */
import type { JournalEntry } from '../../protocol/ledger.js';
import type { LiveOutcome, LiveRoundReport } from '../../protocol/live/types.js';
import { FAULT_KINDS, type Fault, type FaultKind } from './fault_plan.js';

export interface DevnetReport {
  readonly servers: number;
  readonly rounds: number;
  /** Rounds that threw instead of settling (always 0 unless something is broken). */
  readonly failedRounds: number;
  readonly outcomes: Readonly<Record<LiveOutcome, number>>;
  readonly challenges: number;
  /** Rounds whose hashes differed and went to a dispute (arbitrated, or no verdict after a dispute). */
  readonly disputes: number;
  /** Disputed servers judged dishonest by default for not attesting or opening their trace. */
  readonly defaulted: number;
  readonly slashes: { readonly count: number; readonly amount: bigint; readonly honestSlashed: readonly string[] };
  readonly penalties: { readonly count: number; readonly amount: bigint };
  readonly replacedValidators: number;
  readonly faults: Readonly<Record<FaultKind, number>> & { readonly total: number };
  /** Rounds that met a fault: a failed try (retried or not) or a silence. */
  readonly faultedRounds: number;
  readonly conservation: boolean;
  readonly seconds: number;
  readonly roundsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  /** On a chain: the mean gas of a round's transactions, by outcome. */
  readonly gas?: Readonly<Partial<Record<LiveOutcome, number>>>;
}

/** Mean gas per round of each outcome, from the chain board's transactions (release included). */
export function gasByOutcome(reports: readonly LiveRoundReport[], txs: readonly { readonly round: number; readonly gasUsed: bigint }[]): Partial<Record<LiveOutcome, number>> {
  const perRound = new Map<number, bigint>();
  for (const t of txs) perRound.set(t.round, (perRound.get(t.round) ?? 0n) + t.gasUsed);
  const sums = new Map<LiveOutcome, { gas: bigint; n: number }>();
  for (const r of reports) {
    const s = sums.get(r.outcome) ?? { gas: 0n, n: 0 };
    s.gas += perRound.get(r.round) ?? 0n;
    s.n++;
    sums.set(r.outcome, s);
  }
  return Object.fromEntries([...sums].map(([k, { gas, n }]) => [k, Math.round(Number(gas) / n)]));
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function summarize(args: {
  servers: number;
  reports: readonly LiveRoundReport[];
  failedRounds: number;
  journal: readonly JournalEntry[];
  dishonest: ReadonlySet<string>;
  faults: readonly Fault[];
  conservation: boolean;
  seconds: number;
}): DevnetReport {
  const { reports, journal } = args;
  const outcomes = { unchallenged: 0, match: 0, arbitrated: 0, 'no-verdict': 0, 'asserter-silent': 0, 'withheld-reveal': 0, 'dispute-withheld': 0 } as Record<LiveOutcome, number>;
  for (const r of reports) outcomes[r.outcome]++;
  const slashEntries = journal.filter((e) => e.kind === 'slash' || e.kind === 'slash-burn');
  // A slash is one server losing its stake in one round: counted from each round's own settlement
  // (a journal entry's round is the clock's when it was written, which concurrent rounds share).
  const slashesPerRound = reports.map((r) => new Set(r.settlement.entries.filter((e) => e.kind === 'slash' || e.kind === 'slash-burn').map((e) => e.account)).size);
  const slashed = new Set(slashEntries.map((e) => e.account));
  const penaltyEntries = journal.filter((e) => e.kind === 'penalty');
  const latencies = reports.map((r) => r.latencyMs).sort((a, b) => a - b);
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, args.faults.filter((f) => f.kind === k).length])) as Record<FaultKind, number>;
  return {
    servers: args.servers,
    rounds: reports.length,
    failedRounds: args.failedRounds,
    outcomes,
    challenges: reports.filter((r) => r.challenged).length,
    disputes: reports.filter((r) => r.votes !== undefined || r.defaulted.length > 0).length,
    defaulted: reports.reduce((n, r) => n + r.defaulted.length, 0),
    // Slashes are per round and server; the user is never a server, so it is not "honest slashed" here.
    slashes: {
      count: slashesPerRound.reduce((a, b) => a + b, 0),
      amount: slashEntries.reduce((s, e) => s + e.amount, 0n),
      honestSlashed: [...slashed].filter((id) => id.startsWith('node-') && !args.dishonest.has(id)),
    },
    penalties: { count: penaltyEntries.length, amount: penaltyEntries.reduce((s, e) => s + e.amount, 0n) },
    replacedValidators: reports.reduce((n, r) => n + r.replaced.length, 0),
    faults: { ...faults, total: args.faults.length },
    faultedRounds: reports.filter((r) => r.failedTries > 0 || r.silences.length > 0).length,
    conservation: args.conservation,
    seconds: args.seconds,
    roundsPerSecond: reports.length / args.seconds,
    latencyMs: { p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? 0 },
  };
}

/** The report as the table `spml devnet` prints. */
export function reportText(r: DevnetReport): string {
  const pct = (n: number) => `${((100 * n) / Math.max(1, r.rounds)).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['servers', String(r.servers)],
    ['rounds', `${r.rounds} (${r.failedRounds} failed to settle)`],
    ['outcomes', Object.entries(r.outcomes).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')],
    ['challenges', `${r.challenges} (${pct(r.challenges)})`],
    ['disputes', `${r.disputes} (${r.defaulted} party judged by default for silence)`],
    ['slashes', `${r.slashes.count} (${r.slashes.amount} base units; honest servers slashed: ${r.slashes.honestSlashed.length === 0 ? 'none' : r.slashes.honestSlashed.join(', ')})`],
    ['silence penalties', `${r.penalties.count} (${r.penalties.amount} base units; ${r.replacedValidators} validators replaced)`],
    ['faults injected', `${r.faults.total}: ${FAULT_KINDS.map((k) => `${k} ${r.faults[k]}`).join(', ')}`],
    ['rounds that met a fault', `${r.faultedRounds} (${pct(r.faultedRounds)})`],
    ['conservation', r.conservation ? 'holds' : 'BROKEN'],
    ['throughput', `${r.roundsPerSecond.toFixed(2)} rounds/s (${r.seconds.toFixed(1)} s)`],
    ['latency', `p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`],
    ...(r.gas ? ([['gas per round', Object.entries(r.gas).map(([k, g]) => `${k} ${g}`).join(', ')]] as [string, string][]) : []),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}
