/**
 * hash_run.ts with the architecture it ran on: prints one JSON line with the engine's
 * process.arch (the architecture its binary was built for, hence of the code its JIT emits), then
 * runs hash_run.ts with the same arguments, whose JSON line comes last. test/engines/arm64.test.ts
 * uses it to show that the hashes it compares really came from aarch64 code.
 *
 *   <runtime> test/engines/arch_run.ts <backend> <model> <prompt> <seed> <temperature> <maxTokens>
 */
console.log(JSON.stringify({ arch: process.arch }));
await import('./hash_run.js');
