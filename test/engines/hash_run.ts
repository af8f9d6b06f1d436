/**
 * One determinism case run by whatever JavaScript engine executes this file (Node, Bun, Deno):
 * loads the engine and a backend from the sources, runs the case and prints one JSON line with the
 * engine that ran it and its architecture, the backend's description (what ran the kernels, e.g. which WebGPU and which
 * adapter, so a test can tell a real adapter from a fallback) and the hashes, for
 * test/engines/cross_engine.test.ts and arm64.test.ts to compare across engines.
 *
 *   <runtime> test/engines/hash_run.ts <backend> <model> <prompt> <seed> <temperature> <maxTokens>
 */
import { engineName } from '../../tools/engines/engine_name.js';

const [backend, model, prompt, seed, temperature, maxTokens] = (globalThis as { process?: { argv: string[] } }).process!.argv.slice(2);
await import(`../../kernels/${backend}/index.js`);
const { generate, loadModel } = await import('../../engine/api.js');
const m = await loadModel(model!, { backend: backend! });
const r = await generate(m, prompt!, { maxTokens: Number(maxTokens), temperature: Number(temperature), seed: BigInt(seed!), keepTrace: true });
// The engine with the architecture its binary was built for (hence of the code its JIT emits).
const engine = engineName();
console.log(JSON.stringify({ engine, backend, description: m.backend.description, modelHash: m.hash, outputHash: r.outputHash, traceRoot: r.traceRoot, tokens: r.tokens.length }));
