/**
 * The same bytes on ARM64: Bun's linux-aarch64 build (tools/engines/bun_arm64.ts: under
 * qemu-aarch64-static on x64, natively on arm64) runs the cpu and wasm backends on the shipped GPT
 * and Llama and must report an arm64 process and give Node's model hash, output hash and trace
 * root. .ci/setup provides QEMU, the aarch64 glibc and the binary; when any is missing every case
 * fails with the reason, never skips.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { arm64Bun } from '../../tools/engines/bun_arm64.js';
import { root } from '../cli/run_cli.js';

// The cases of cross_engine.test.ts, all 12 tokens: about 4 s (GPT) and 10 s (Llama) each under QEMU on an idle 2-core machine.
const CASES = [
  ['moby-gpt', 'Call me Ishmael. ', '42', '0.8', '12'],
  ['stories260k', 'Once upon a time', '7', '0.8', '12'],
] as const;

interface Hashes {
  engine: string;
  modelHash: string;
  outputHash: string;
  traceRoot: string;
  tokens: number;
}

/** Runs test/engines/hash_run.ts and parses the JSON line it prints last. */
function hashes(command: string, args: string[], backend: string, c: readonly string[]): Hashes {
  const out = execFileSync(command, [...args, 'test/engines/hash_run.ts', backend, ...c], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Hashes;
}

const same = (h: Hashes) => ({ modelHash: h.modelHash, outputHash: h.outputHash, traceRoot: h.traceRoot, tokens: h.tokens });

describe.each(['cpu', 'wasm'])('%s backend on Bun for ARM64', (backend) => {
  it.each(CASES)('%s: an arm64 process with the same model hash, output hash and trace root as Node', (...c) => {
    const bun = arm64Bun();
    if ('unavailable' in bun) throw new Error(`the ARM64 stack cannot run here: ${bun.unavailable}`);
    const node = hashes(process.execPath, ['--import', 'tsx'], backend, c);
    expect(node.tokens).toBe(Number(c[4]));
    const arm = hashes(bun.command, bun.args, backend, c);
    // process.arch: the architecture Bun's binary was built for, so its JIT emitted aarch64 code.
    expect(arm.engine, bun.describe).toMatch(/^bun .*\(JavaScriptCore, arm64\)$/);
    expect(same(arm), `${bun.describe}, ${backend}`).toEqual(same(node));
  }, 180_000);
});
