/**
 * Determinism bench: the engine's promise (engine/NUMERICS.md §0) checked end to end, on every
 * JavaScript engine and GPU implementation this machine has. The same cases
 * (bench/determinism/cases.ts: the shipped models, stories260K among them, and seeded random
 * GPTs, llamas and an MLP) run on every stack (bench/determinism/stacks.ts): Node (cpu, wasm,
 * webgpu on Dawn, gpujs-headlessgl, gpujs-webasm), Bun (JavaScriptCore), Deno (V8, with its own
 * WebGPU, wgpu), Bun's aarch64 build under qemu, and Chromium and Firefox ESR with every backend
 * a browser offers. Every case's model hash, output hash and trace root must equal Node cpu's.
 * A stack that cannot start is a row that says why, and fails the bench like a mismatch.
 *
 * Run: npm run bench:determinism [-- --stacks deno,firefox/webgpu] [--out dir] (under
 * test/with-display.sh: WebGL and Firefox's GPU paths need an X display). Progress goes to
 * stderr, the Markdown table to stdout; determinism.json in bench/results/ (or --out) holds every
 * case, determinism.svg draws each stack's speed per model beside Node cpu's. Exits non-zero
 * unless every stack agrees.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES } from './determinism/cases.js';
import { runBrowserStack } from './determinism/browser_stacks.js';
import { runProcessStack } from './determinism/process_stacks.js';
import { compare, determinismSvg, jsonReport, markdownTable } from './determinism/report.js';
import { log, type StackResult } from './determinism/result.js';
import { selectStacks, stackId, type StackSpec } from './determinism/stacks.js';
import { machineInfo, spmlVersion } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { stacks: { type: 'string' }, out: { type: 'string' } }, allowPositionals: false });
const stacks = selectStacks(values.stacks);

/** An NVIDIA GPU, if nvidia-smi lists one. */
function nvidiaGpus(): string[] {
  const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').filter((l) => l.startsWith('GPU '));
}

const isBrowser = (s: StackSpec): s is StackSpec & { runtime: 'chromium' | 'firefox' } => s.runtime === 'chromium' || s.runtime === 'firefox';

const started = performance.now();
const machine = machineInfo();
log(`determinism bench: ${CASES.length} cases on ${stacks.length} stacks, ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
const results: StackResult[] = [];
for (const [i, spec] of stacks.entries()) {
  const elapsed = (performance.now() - started) / 1e3;
  const eta = i > 0 ? `, about ${Math.round((elapsed / i) * (stacks.length - i))} s left` : '';
  log(`— stack ${i + 1}/${stacks.length}: ${stackId(spec)} (${elapsed.toFixed(0)} s so far${eta})`);
  results.push(isBrowser(spec) ? await runBrowserStack(spec) : await runProcessStack(spec));
}

const reference = results[0]!;
const verdicts = results.map((s) => compare(s, reference));
const gpus = nvidiaGpus();
const nvidia = gpus.length ? `detected (${gpus.join('; ')}); run bash bench/nvidia.sh for its stack` : 'not available (nvidia-smi lists no GPU on this machine)';
const agreeing = verdicts.filter((v) => v.agrees).length;
const heading = `## Determinism: ${CASES.length} cases on ${results.length} stacks, ${agreeing} agree — ${machine.cpu}, ${machine.cores} cores, ${machine.platform}`;
const lines = markdownTable(results, verdicts, heading, nvidia);

const wallSeconds = (performance.now() - started) / 1e3;
const resultsDir = values.out ?? path.join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const jsonPath = path.join(resultsDir, 'determinism.json');
const json = jsonReport(results, verdicts, {
  machine,
  versions: { spml: spmlVersion() },
  nvidia: gpus.length ? { available: true, gpus } : { available: false },
  wallSeconds: +wallSeconds.toFixed(1),
});
writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
const svgPath = path.join(resultsDir, 'determinism.svg');
writeFileSync(svgPath, determinismSvg(results, verdicts, `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.date.slice(0, 10)} — each stack's items/s ÷ Node cpu's on the same cases`));
lines.push('', `wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), svgPath)}; ${wallSeconds.toFixed(0)} s in all`);
const bad = results.filter((_, i) => !verdicts[i]!.agrees);
if (bad.length) lines.push(`FAILED: ${bad.map((s) => stackId(s.spec)).join(', ')}`);
process.stdout.write(`${lines.join('\n')}\n`);
// A browser's or a GPU's handles can keep the event loop alive; leave once done.
process.exit(bad.length ? 1 : 0);
