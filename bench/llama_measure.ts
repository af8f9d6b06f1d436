/**
 * How bench:llama times an engine, the same way for every one of them (spml backends, llama.cpp,
 * tfjs-wasm): one warm-up of each measurement, then up to `runs` timed runs while the model's
 * time budget lasts (at least one), median tokens/s. Prefill: one pass over the whole prompt from a
 * fresh state, its result read back. Decode: a fresh state, the short prompt (not timed), then
 * `decode` greedy tokens one pass each (timed), every chosen token read back to the host.
 */
import { median } from './inputs.js';
import type { RunLengths } from './llama_models.js';

/** One engine holding one model. Every call starts from a fresh state (an empty KV cache). */
export interface LlamaRunner {
  /** One pass over `ids`; resolves once its output is on the host. */
  prefill(ids: readonly number[]): Promise<void>;
  /** `prompt` untimed, then `count` greedy tokens; the tokens and the milliseconds they took. */
  decode(prompt: readonly number[], count: number): Promise<{ tokens: number[]; ms: number }>;
}

export interface Throughput {
  readonly tokens: number;
  readonly runsMs: number[];
  readonly medianTokensPerSecond: number;
}

export interface EngineMeasurement {
  readonly prefill: Throughput;
  readonly decode: Throughput & { readonly generated: number[] };
}

const throughput = (tokens: number, runsMs: number[]): Throughput => ({ tokens, runsMs, medianTokensPerSecond: median(runsMs.map((ms) => (tokens / ms) * 1e3)) });

export async function measureRunner(runner: LlamaRunner, prefillIds: readonly number[], decodePrompt: readonly number[], lengths: RunLengths, log: (msg: string) => void): Promise<EngineMeasurement> {
  const started = performance.now();
  const left = () => lengths.budgetMs - (performance.now() - started);
  await runner.prefill(prefillIds);
  const warm = await runner.decode(decodePrompt, lengths.decode);
  log(`    warm-up done in ${((performance.now() - started) / 1e3).toFixed(1)} s`);
  const prefillMs: number[] = [];
  const decodeMs: number[] = [];
  let generated = warm.tokens;
  for (let run = 0; run < lengths.runs && (run === 0 || left() > 0); run++) {
    const t0 = performance.now();
    await runner.prefill(prefillIds);
    prefillMs.push(performance.now() - t0);
    const d = await runner.decode(decodePrompt, lengths.decode);
    if (d.tokens.join() !== generated.join()) throw new Error('runs of the same greedy decode disagree');
    generated = d.tokens;
    decodeMs.push(d.ms);
    log(`    run ${run + 1}: prefill ${prefillIds.length} tokens ${prefillMs.at(-1)!.toFixed(0)} ms, decode ${lengths.decode} tokens ${d.ms.toFixed(0)} ms; ${(Math.max(0, left()) / 1e3).toFixed(0)} s of budget left`);
  }
  return { prefill: throughput(prefillIds.length, prefillMs), decode: { ...throughput(lengths.decode, decodeMs), generated } };
}

/** Index of the largest of the last `width` values (the greedy token of the last row); first on ties. */
export function argmaxLastRow(values: ArrayLike<number>, width: number): number {
  let best = values.length - width;
  for (let i = best + 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best - (values.length - width);
}
