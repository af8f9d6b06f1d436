/** What one stack of the determinism bench gave: its cases, or why it could not run. */
import type { CaseResult } from './cases.js';
import { gpuImplementation, type StackSpec } from './stacks.js';

export interface StackResult {
  readonly spec: StackSpec;
  /** The JavaScript engine, in words ('deno 2.9.6 (V8 14.1, x86_64)', 'Mozilla Firefox 153.8.0esr'). */
  readonly engine: string;
  /** Whose WebGPU or WebGL ran the kernels (stacks.ts). */
  readonly gpu: string;
  /** The backend's own description: its adapter or kernel class. */
  readonly description: string;
  readonly cases: readonly CaseResult[];
  /** Generated tokens / generate() wall time over the moby-gpt cases. */
  readonly tokensPerSecond: number;
  /** Why the stack could not run (then `cases` is empty or partial). */
  readonly error?: string;
}

export const failedStack = (spec: StackSpec, engine: string, error: string): StackResult => ({
  spec,
  engine,
  gpu: gpuImplementation(spec),
  description: '—',
  cases: [],
  tokensPerSecond: 0,
  error,
});

export const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
export const short = (h: string, n = 12): string => `${h.slice(0, n)}…`;
export const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
