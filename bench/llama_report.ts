/**
 * bench:llama's report: the Markdown table (stdout), bench/results/llama.json and the bar chart
 * bench/results/llama.svg. Every ratio is an engine's tokens/s ÷ llama.cpp Q8_0's at the same
 * thread count on the same model (>1: faster than llama.cpp), both measured in the same run.
 */
import type { MachineInfo } from './machine.js';
import { barChartSvg, type BarGroup } from '../tools/report/svg_chart.js';
import type { EngineSpec, JobResult } from './llama_job.js';
import type { BuiltModel } from './llama_models.js';

export interface Row {
  readonly model: string;
  readonly engine: EngineSpec;
  readonly label: string;
  /** The measurement, or why there is none (the engine failed to start, ran past its limit, or was not run). */
  readonly result?: JobResult;
  readonly error?: string;
}

type Phase = 'prefill' | 'decode';
const MiB = (bytes: number) => bytes / 2 ** 20;

/** The llama.cpp Q8_0 row at `threads` of `model`, the reference of every ratio. */
function reference(rows: readonly Row[], model: string, threads: number): JobResult | undefined {
  return rows.find((r) => r.model === model && r.engine.kind === 'llama.cpp' && r.engine.type === 'Q8_0' && r.engine.threads === threads)?.result;
}

export function ratio(rows: readonly Row[], row: Row, phase: Phase): number | undefined {
  const ref = row.result && reference(rows, row.model, row.result.threads);
  return row.result && ref ? row.result[phase].medianTokensPerSecond / ref[phase].medianTokensPerSecond : undefined;
}

/** How many leading greedy tokens equal llama.cpp F32's (1 thread), out of how many. */
export function agreement(rows: readonly Row[], row: Row): string {
  const ref = rows.find((r) => r.model === row.model && r.engine.kind === 'llama.cpp' && r.engine.type === 'F32' && r.engine.threads === 1)?.result;
  if (!row.result || !ref || row.result.lengths.decodePrompt !== ref.lengths.decodePrompt) return '—';
  const a = row.result.decode.generated;
  const b = ref.decode.generated;
  const first = a.findIndex((t, i) => t !== b[i]);
  return `${first < 0 ? a.length : first}/${a.length}`;
}

export function markdownTable(rows: readonly Row[], models: readonly BuiltModel[]): string[] {
  const lines: string[] = [];
  for (const m of models) {
    const c = m.config;
    lines.push(
      '',
      `### ${m.name} (dim ${c.width}, ${c.layers} layers, ${c.heads} heads, hidden ${c.hiddenWidth}, vocab ${c.vocabSize}): .spml ${MiB(m.sizes.spml).toFixed(1)} MiB, GGUF Q8_0 ${MiB(m.sizes.ggufQ8).toFixed(1)} MiB, F32 ${MiB(m.sizes.ggufF32).toFixed(1)} MiB`,
      '',
      `Prefill: one pass over the prompt (tokens in brackets). Decode: a short prompt, then greedy tokens one pass each (tokens in brackets).${m.q8KeptF32.length ? ` Q8_0 file: ${m.q8KeptF32.length} matrices stay F32 (rows not a multiple of 32: ${m.q8KeptF32.join(', ')}).` : ''}`,
      '',
      '| engine | prefill tokens/s (tokens) | ÷ llama.cpp Q8_0 | decode tokens/s (tokens) | ÷ llama.cpp Q8_0 | runs | RSS after load (before) MiB | file MiB | greedy = llama.cpp F32 |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const r of rows.filter((x) => x.model === m.name)) {
      const x = r.result;
      if (!x) {
        lines.push(`| ${r.label} | — | — | — | — | — | — | — | not measured: ${r.error} |`);
        continue;
      }
      const rt = (p: Phase) => ratio(rows, r, p)?.toFixed(3) ?? '—';
      lines.push(
        `| ${r.label} | ${x.prefill.medianTokensPerSecond.toFixed(1)} (${x.prefill.tokens}) | ${rt('prefill')} | ${x.decode.medianTokensPerSecond.toFixed(1)} (${x.decode.tokens}) | ${rt('decode')} | ${x.prefill.runsMs.length} | ${x.rssAfterLoadMiB.toFixed(0)} (${x.rssBeforeLoadMiB.toFixed(0)}) | ${MiB(x.fileBytes).toFixed(1)} | ${agreement(rows, r)} |`,
      );
    }
  }
  return lines;
}

export function chartSvg(rows: readonly Row[], models: readonly BuiltModel[], machine: MachineInfo): string {
  const groups: BarGroup[] = [];
  for (const m of models) {
    for (const phase of ['prefill', 'decode'] as const) {
      const bars = rows
        .filter((r) => r.model === m.name && r.result)
        .map((r) => ({ label: r.label, value: ratio(rows, r, phase) ?? NaN, note: `(${r.result![phase].medianTokensPerSecond.toFixed(1)} tokens/s)` }))
        .filter((b) => Number.isFinite(b.value));
      if (bars.length) groups.push({ label: `${m.name} ${phase}`, bars });
    }
  }
  return barChartSvg({
    title: 'Llama inference: tokens/s relative to llama.cpp Q8_0 at the same thread count',
    subtitle: `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.date.slice(0, 10)} — the baseline for a WebAssembly backend`,
    unit: '×',
    digits: 3,
    groups,
  });
}
