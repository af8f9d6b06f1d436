/**
 * Which JavaScript engine runs this code, in words, for the determinism rows and the cross-engine
 * tests: Bun (JavaScriptCore), Deno (V8) or Node (V8), with the version and the CPU architecture.
 * Runs in all three, so it reads only globals.
 */
interface EngineGlobals {
  Bun?: { version: string };
  Deno?: { version: { deno: string; v8: string }; build: { arch: string } };
  process?: { arch?: string; versions: { node?: string; v8?: string } };
}

export function engineName(): string {
  const g = globalThis as EngineGlobals;
  const arch = g.Deno?.build.arch ?? g.process?.arch ?? 'unknown';
  if (g.Bun) return `bun ${g.Bun.version} (JavaScriptCore, ${arch})`;
  if (g.Deno) return `deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8}, ${arch})`;
  return `node ${g.process?.versions.node} (V8 ${g.process?.versions.v8}, ${arch})`;
}
