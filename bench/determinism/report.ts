/**
 * The determinism bench's verdicts and report: each stack against Node cpu (the reference), as a
 * Markdown table (stdout), bench/results/determinism.json (every case) and
 * bench/results/determinism.svg (each stack's speed per model beside Node cpu's, with how many
 * of its cases agree).
 */
import { sha256Hex } from '../../engine/sha256.js';
import { barChartSvg } from '../../tools/report/svg_chart.js';
import { RANDOM_GPTS, RANDOM_MLP } from '../determinism_models.js';
import { RANDOM_LLAMAS } from '../../tools/data/random_llama_models.js';
import { CASES, type Case } from './cases.js';
import { short, type StackResult } from './result.js';
import { stackId } from './stacks.js';

export interface Verdict {
  readonly agrees: boolean;
  readonly differing: string[];
  readonly missing: string[];
}

/** A stack agrees when it ran every case and each has the reference's model hash, output hash and trace root. */
export function compare(stack: StackResult, reference: StackResult): Verdict {
  if (reference.error !== undefined) return { agrees: false, differing: [], missing: CASES.map((c) => c.id) };
  const ref = new Map(reference.cases.map((c) => [c.id, c]));
  const ran = new Set(stack.cases.map((c) => c.id));
  const missing = CASES.map((c) => c.id).filter((id) => !ran.has(id));
  const differing = stack.cases
    .filter((c) => {
      const r = ref.get(c.id);
      return !r || r.outputHash !== c.outputHash || r.traceRoot !== c.traceRoot || r.modelHash !== c.modelHash;
    })
    .map((c) => c.id);
  return { agrees: stack.error === undefined && missing.length === 0 && differing.length === 0, differing, missing };
}

const sha256 = (s: string): string => sha256Hex(new TextEncoder().encode(s));
/** SHA-256 of the per-case hex digests concatenated in case order. */
export const combined = (hashes: readonly string[]): string => sha256(hashes.join(''));

function verdictText(s: StackResult, v: Verdict): string {
  if (s.error) return `NO: did not run (${s.error})`;
  if (v.agrees) return 'yes';
  const parts = [...(v.differing.length ? [`differs on ${v.differing.join(', ')}`] : []), ...(v.missing.length ? [`missing ${v.missing.join(', ')}`] : [])];
  return `NO: ${parts.join('; ')}`;
}

/** The Markdown table: one row per stack, then the NVIDIA row. */
export function markdownTable(stacks: readonly StackResult[], verdicts: readonly Verdict[], heading: string, nvidia: string): string[] {
  const lines = [
    '',
    heading,
    '',
    `Reference: Node cpu. Every stack runs every case; it agrees when each case's model hash, output hash and trace root equal Node cpu's. Output hash and trace root: SHA-256 over the per-case hashes concatenated in case order ("all"), and the first case's (${CASES[0]!.id}). tokens/s: moby-gpt cases, generated tokens / generate() time.`,
    '',
    '| stack | engine | GPU implementation | device (as the backend reports it) | cases | output hash (all · first) | trace root (all · first) | tokens/s | agrees with cpu |',
    '|---|---|---|---|---:|---|---|---:|---|',
  ];
  stacks.forEach((s, i) => {
    const first = s.cases[0];
    const out = s.cases.length ? `\`${short(combined(s.cases.map((c) => c.outputHash)))}\` · \`${short(first!.outputHash)}\`` : '—';
    const trace = s.cases.length ? `\`${short(combined(s.cases.map((c) => c.traceRoot)))}\` · \`${short(first!.traceRoot)}\`` : '—';
    const rate = s.cases.length ? s.tokensPerSecond.toFixed(1) : '—';
    lines.push(`| ${stackId(s.spec)} | ${s.engine} | ${s.gpu} | ${s.description} | ${s.cases.length} | ${out} | ${trace} | ${rate} | ${verdictText(s, verdicts[i]!)} |`);
  });
  lines.push(`| NVIDIA GPU | — | Dawn on Vulkan | ${nvidia} | 0 | — | — | — | not run here: bash bench/nvidia.sh on a machine with one |`);
  return lines;
}

/** The JSON record of the run: every case of every stack. */
export function jsonReport(stacks: readonly StackResult[], verdicts: readonly Verdict[], extra: Record<string, unknown>): unknown {
  return {
    benchmark: 'determinism',
    description:
      'Each case on every stack; a stack agrees when it ran every case and each has the model hash, output hash and trace root of Node cpu. Process stacks (Node, Bun, Deno, Bun arm64 under qemu) each ran in a process of their own; browser stacks through apps/web/chromium.ts and apps/web/firefox.ts. combined* = SHA-256 of the per-case hex digests concatenated in case order.',
    ...extra,
    cases: CASES.map((c) => ({ ...c, ...(c.kind === 'gpt' ? { seed: String(c.seed) } : {}) })),
    stacks: stacks.map((s, i) => ({
      stack: stackId(s.spec),
      runtime: s.spec.runtime,
      backend: s.spec.backend,
      engine: s.engine,
      gpu: s.gpu,
      description: s.description,
      ...(s.error ? { error: s.error } : {}),
      casesRun: s.cases.length,
      combinedOutputHash: s.cases.length ? combined(s.cases.map((c) => c.outputHash)) : null,
      combinedTraceRoot: s.cases.length ? combined(s.cases.map((c) => c.traceRoot)) : null,
      tokensPerSecond: s.tokensPerSecond,
      agreesWithCpu: verdicts[i]!.agrees,
      differing: verdicts[i]!.differing,
      missing: verdicts[i]!.missing,
      cases: s.cases,
    })),
    allAgree: verdicts.every((v) => v.agrees),
  };
}

/** The chart's groups: each shipped model alone, the seeded random models by architecture. */
function chartGroup(c: Case): string {
  if (RANDOM_GPTS.some((s) => s.name === c.model)) return `seeded random GPTs (${RANDOM_GPTS.length})`;
  if (RANDOM_LLAMAS.some((s) => s.name === c.model)) return `seeded random llamas (${RANDOM_LLAMAS.length}: odd heads, grouped-query)`;
  if (c.model === RANDOM_MLP.name) return 'seeded random MLP';
  return c.model;
}

/**
 * Per group of cases, one bar per stack: its items per second (tokens or images) over the group
 * divided by Node cpu's, with its own rate and how many of its cases agree with cpu.
 */
export function determinismSvg(stacks: readonly StackResult[], verdicts: readonly Verdict[], subtitle: string): string {
  const reference = stacks[0]!;
  const rate = (s: StackResult, ids: ReadonlySet<string>): number => {
    const rows = s.cases.filter((c) => ids.has(c.id));
    const ms = rows.reduce((a, c) => a + c.ms, 0);
    return rows.length === ids.size && ms > 0 ? (rows.reduce((a, c) => a + c.items, 0) / ms) * 1e3 : NaN;
  };
  const groups = [...new Set(CASES.map(chartGroup))].map((label) => {
    const cases = CASES.filter((c) => chartGroup(c) === label);
    const ids = new Set(cases.map((c) => c.id));
    const unit = cases[0]!.kind === 'gpt' ? 'tokens/s' : 'images/s';
    const cpuRate = rate(reference, ids);
    const bars = stacks.map((s, i) => {
      const r = rate(s, ids);
      const agree = s.cases.filter((c) => ids.has(c.id) && !verdicts[i]!.differing.includes(c.id)).length;
      const note = Number.isFinite(r) ? `(${r.toFixed(1)} ${unit}, ${agree}/${ids.size} agree)` : `(did not run: ${agree}/${ids.size} agree)`;
      return { label: stackId(s.spec), value: r / cpuRate, note };
    });
    return { label: `${label} — ${cases.length} cases`, bars };
  });
  return barChartSvg({ title: 'Same hashes on every stack: speed relative to Node cpu, per model', subtitle, unit: '× cpu', groups, width: 900 });
}
