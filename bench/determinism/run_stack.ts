/**
 * One process stack of the determinism bench: every case (bench/determinism/cases.ts) on one
 * backend, in whatever JavaScript engine runs this file (Node through tsx, Bun, Deno, Bun's
 * aarch64 build under qemu). Progress goes to stderr; the result is one JSON line, last, on
 * stdout: the engine, the backend's description (its adapter or kernel class) and every case.
 *
 *   <engine> bench/determinism/run_stack.ts <backend>
 */
import { familyOf } from '../../kernels/backends.js';
import { getBackend, loadModel, type SpmlModel } from '../../engine/index.js';
import { CASES, modelSource, runCase, type CaseResult } from './cases.js';
import { engineName } from '../../tools/engines/engine_name.js';

const g = globalThis as { process?: { argv: string[]; stderr: { write: (s: string) => unknown } } };
const backend = g.process!.argv.slice(2).find((a) => a !== '--');
const family = backend === undefined ? undefined : familyOf(backend, 'node');
if (!backend || !family) throw new Error(`usage: run_stack.ts <backend>; '${backend ?? ''}' is not a backend`);
const log = (msg: string): void => void g.process!.stderr.write(`${msg}\n`);
const short = (h: string): string => `${h.slice(0, 12)}…`;

await family.load();
const engine = engineName();
const description = (await getBackend(backend)).description;
log(`[${backend} on ${engine}] ${description}`);
const results: CaseResult[] = [];
const models = new Map<string, SpmlModel>();
for (const c of CASES) {
  let model = models.get(c.model);
  if (!model) {
    model = await loadModel(modelSource(c.model), { backend });
    models.set(c.model, model);
  }
  const r = await runCase(c, model);
  results.push(r);
  log(`  ${c.id}: ${r.items} ${c.kind === 'gpt' ? 'tokens' : 'images'}, ${r.ms.toFixed(0)} ms, output ${short(r.outputHash)} trace ${short(r.traceRoot)}`);
}
console.log(JSON.stringify({ engine, backend, description, cases: results }));
// A GPU device can keep the event loop alive; leave once the result is out.
(globalThis as { process?: { exit: (code: number) => never } }).process?.exit(0);
