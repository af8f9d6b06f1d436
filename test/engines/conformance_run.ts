/**
 * The conformance suite's cases (test/conformance/cases.ts, NUMERICS.md §18) run by whatever
 * JavaScript engine executes this file, on one backend: prints one JSON line with the backend's
 * description and each case's output hash (or the error it threw), for
 * test/engines/cross_engine.test.ts to compare with Node cpu's. It lets an engine whose test
 * runner is not vitest (Deno) run the whole suite.
 *
 *   <runtime> test/engines/conformance_run.ts <backend>
 */
const [backend] = (globalThis as { process?: { argv: string[] } }).process!.argv.slice(2);
await import(`../../kernels/${backend}/index.js`);
const { getBackend } = await import('../../lib/index.js');
const { CASES, runCase } = await import('../conformance/cases.js');
const { outputHash } = await import('../conformance/compare.js');
const b = await getBackend(backend!);
const hashes: Record<string, string> = {};
for (const c of CASES) {
  try {
    hashes[c.name] = outputHash(await runCase(c, b));
  } catch (e) {
    hashes[c.name] = `error: ${String(e)}`;
  }
}
console.log(JSON.stringify({ backend, description: b.description, hashes }));
