/**
 * The stacks of the determinism bench: every JavaScript engine and GPU implementation spml runs
 * on, each with every backend it offers. A stack is an engine (Node, Bun, Deno, Bun's aarch64
 * build under qemu, Chromium, Firefox) and a backend; what it names as its GPU implementation
 * says whose WebGPU or WebGL ran the kernels, so that agreement across stacks covers more than
 * one engine agreeing with itself.
 */
import { backendNames } from '../../kernels/backends.js';

export type StackRuntime = 'node' | 'bun' | 'deno' | 'bun-arm64' | 'chromium' | 'firefox';

export interface StackSpec {
  readonly runtime: StackRuntime;
  readonly backend: string;
}

/** The stack's name on the command line and in the report: `runtime/backend`. */
export const stackId = (s: StackSpec): string => `${s.runtime}/${s.backend}`;

/** Bun and Bun on arm64 run the backends that need no GPU; Deno adds its own WebGPU (wgpu). */
const ENGINE_BACKENDS: Record<StackRuntime, readonly string[]> = {
  node: backendNames('node'),
  bun: ['cpu', 'wasm'],
  deno: ['cpu', 'wasm', 'webgpu'],
  'bun-arm64': ['cpu', 'wasm'],
  chromium: backendNames('browser'),
  firefox: backendNames('browser'),
};

/** Every stack, Node cpu (the reference) first. */
export const ALL_STACKS: readonly StackSpec[] = (Object.keys(ENGINE_BACKENDS) as StackRuntime[]).flatMap((runtime) =>
  ENGINE_BACKENDS[runtime].map((backend) => ({ runtime, backend })),
);

/** Whose GPU code ran the kernels: the WebGPU or WebGL implementation, or none (the CPU). */
export function gpuImplementation(s: StackSpec): string {
  if (s.backend === 'webgpu') {
    return { node: 'Dawn (webgpu npm) on OpenGL ES', deno: 'wgpu (Deno) on Vulkan', chromium: 'Dawn (Chromium) on Vulkan', firefox: 'wgpu (Firefox) on Vulkan' }[s.runtime as string] ?? 'WebGPU';
  }
  if (s.backend === 'gpujs-headlessgl') return 'WebGL 1 (headless-gl) on Mesa GL';
  if (s.backend === 'gpujs-webgl2') return s.runtime === 'chromium' ? 'WebGL 2 (Chromium, ANGLE)' : 'WebGL 2 (Firefox) on Mesa GL';
  return '— (CPU)';
}

/**
 * The stacks `--stacks a,b` selects: a runtime (`deno`) or a stack (`firefox/webgpu`) each; Node
 * cpu, the reference, always runs first. An unknown name is an error listing the known ones.
 */
export function selectStacks(selection: string | undefined): StackSpec[] {
  if (selection === undefined || selection === '') return [...ALL_STACKS];
  const wanted = selection.split(',').map((w) => w.trim()).filter((w) => w !== '');
  const unknown = wanted.filter((w) => !ALL_STACKS.some((s) => s.runtime === w || stackId(s) === w));
  if (unknown.length) throw new Error(`unknown stack(s) ${unknown.join(', ')} (known: ${ALL_STACKS.map(stackId).join(', ')}, or a runtime name)`);
  const reference = ALL_STACKS[0]!;
  return [reference, ...ALL_STACKS.filter((s) => s !== reference && wanted.some((w) => s.runtime === w || stackId(s) === w))];
}
