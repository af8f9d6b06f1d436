/**
 * The determinism bench's process stacks: each runs bench/determinism/run_stack.ts in an engine
 * of its own (Node through tsx, Bun, Deno, Bun's aarch64 build under qemu), one process per
 * stack, so that a backend holding native GL (kernels/shared/native_gl.ts) or an engine that
 * crashes takes nothing else with it. An engine that cannot start is a row that says why.
 */
import { runJsonProcess } from '../child.js';
import { arm64Bun } from '../../tools/engines/bun_arm64.js';
import type { CaseResult } from './cases.js';
import { mobyTokensPerSecond } from './cases.js';
import { engineCommand, type EngineCommand } from '../../tools/engines/command.js';
import { failedStack, log, type StackResult } from './result.js';
import { gpuImplementation, stackId, type StackSpec } from './stacks.js';

const RUN_STACK = 'bench/determinism/run_stack.ts';
/** Per stack; qemu's emulation of arm64 is the slow one. */
const PROCESS_TIMEOUT_MS = 600_000;

interface StackReply {
  readonly engine: string;
  readonly backend: string;
  readonly description: string;
  readonly cases: readonly CaseResult[];
}

/** The command that runs the stack's script, or why it cannot start here. */
function commandFor(spec: StackSpec): EngineCommand | { unavailable: string } {
  if (spec.runtime === 'bun-arm64') {
    const bun = arm64Bun();
    return 'unavailable' in bun ? bun : { command: bun.command, args: [...bun.args, RUN_STACK, spec.backend], env: { ...process.env } };
  }
  if (spec.runtime === 'chromium' || spec.runtime === 'firefox') throw new Error(`${stackId(spec)} is a browser stack`);
  return engineCommand(spec.runtime, RUN_STACK, [spec.backend], { webgpu: spec.backend === 'webgpu' });
}

export async function runProcessStack(spec: StackSpec): Promise<StackResult> {
  const command = commandFor(spec);
  if ('unavailable' in command) {
    log(`[${stackId(spec)}] cannot start: ${command.unavailable}`);
    return failedStack(spec, spec.runtime, `cannot start: ${command.unavailable}`);
  }
  log(`[${stackId(spec)}] ${command.command} ${command.args.join(' ')}`);
  const r = runJsonProcess<StackReply>(command.command, command.args, { env: command.env, timeoutMs: PROCESS_TIMEOUT_MS });
  if ('error' in r) return failedStack(spec, spec.runtime, `its process failed (${r.error})`);
  const { engine, description, cases } = r.value;
  return { spec, engine, gpu: gpuImplementation(spec), description, cases, tokensPerSecond: mobyTokensPerSecond(cases) };
}
