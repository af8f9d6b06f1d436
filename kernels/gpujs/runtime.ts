/**
 * Starting gpu.js in one exact mode (engine/NUMERICS.md §0.2, §16 "GPU.js").
 *
 * gpu.js picks a mode by falling back silently: with no X display, `headlessgl` quietly becomes
 * WebAssembly or plain JavaScript. spml refuses that. A backend names the one mode it wants,
 * a probe kernel must run on that mode's kernel class and give exact float32 integers, and
 * anything else is a BackendError that says what is missing and how to install it.
 */
import { BackendError } from '../../engine/errors.js';
import { claimNativeGl } from '../shared/native_gl.js';
import { isMissingPackage, notInstalled } from '../shared/optional_package.js';

/** The gpu.js modes spml runs: WebGL1 via headless-gl (Node), WebGL2 (browsers), WebAssembly. */
export type GpujsMode = 'headlessgl' | 'webgl2' | 'webasm';

/** The gpu.js kernel class each mode must actually run on. */
export const KERNEL_CLASS: Readonly<Record<GpujsMode, string>> = {
  headlessgl: 'HeadlessGLKernel',
  webgl2: 'WebGL2Kernel',
  webasm: 'WebAssemblyKernel',
};

/** The slice of gpu.js's API that spml uses (its own typings predate the webasm mode). */
export interface GpujsKernel {
  (...args: unknown[]): unknown;
  setOutput(output: number[]): GpujsKernel;
  /** The kernel object that really ran: its class tells the mode, whatever gpu.js reports. */
  kernel?: { constructor: { name: string }; fallbackReason?: string | null };
  destroy?(removeCanvasReferences?: boolean): void;
}
export interface GpujsInstance {
  readonly mode: string;
  readonly Kernel?: { name: string };
  createKernel(source: string, settings: Record<string, unknown>): GpujsKernel;
  destroy(): Promise<void> | void;
}
type GpuConstructor = new (settings: { mode: string }) => GpujsInstance;

/** The `gpu.js` npm package at the version spml is tested with: an optional peer dependency. */
export const GPUJS_NPM_PACKAGE = 'gpu.js@2.24.1';

export const GL_INSTALL_HINT =
  'headless-gl needs its native module and an X display: apt-get install libxi-dev libglu1-mesa-dev libglew-dev ' +
  'pkg-config libgl1-mesa-dri xvfb libxext-dev libx11-dev xauth, then `npm rebuild gl`, and run under `xvfb-run -a`';

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function loadGpuConstructor(): Promise<GpuConstructor> {
  try {
    const mod = (await import('gpu.js')) as unknown as { GPU?: GpuConstructor; default?: { GPU?: GpuConstructor } };
    const GPU = mod.GPU ?? mod.default?.GPU;
    if (!GPU) throw new Error('the module has no GPU export');
    return GPU;
  } catch (e) {
    if (isMissingPackage(e, 'gpu.js')) throw new BackendError('gpujs', notInstalled('gpu.js', GPUJS_NPM_PACKAGE));
    throw new BackendError('gpujs', `cannot load the 'gpu.js' package (${String(e)}); install it with npm install ${GPUJS_NPM_PACKAGE}`);
  }
}

/** Why `mode` cannot start here, before gpu.js gets a chance to fall back; undefined if it may. */
async function missingFor(mode: GpujsMode): Promise<string | undefined> {
  if (mode === 'headlessgl') {
    if (!isNode()) return "mode 'headlessgl' exists only in Node; in a browser use 'webgl2'";
    try {
      const nativeGl = 'gl'; // a variable, so that bundlers and tsc leave this Node-only module alone
      await import(nativeGl);
    } catch (e) {
      return `the native module 'gl' does not load (${String(e).split('\n')[0]}); ${GL_INSTALL_HINT}`;
    }
    if (!process.env.DISPLAY) return `no X display (DISPLAY is unset); ${GL_INSTALL_HINT}`;
  }
  if (mode === 'webgl2' && isNode()) return "mode 'webgl2' needs a browser; in Node use 'headlessgl'";
  if (mode === 'webasm' && typeof WebAssembly === 'undefined') return 'this runtime has no WebAssembly';
  return undefined;
}

/** A probe whose every intermediate is an integer within ±2^24: exact in any float32 mode. */
const PROBE = `function (a) {
  const x = a[this.thread.x];
  return x * 4095 - x + 1;
}`;
const PROBE_INPUT = [1, 2, 3, 4096];

/**
 * A gpu.js instance that runs `mode` and nothing else. Throws a BackendError naming what is
 * missing when the mode cannot start, or when gpu.js ran the probe on any other kernel class.
 */
export async function startGpujs(mode: GpujsMode): Promise<GpujsInstance> {
  // The package first: without gpu.js, its optional native 'gl' is missing too, and gpu.js is what to install.
  const GPU = await loadGpuConstructor();
  const missing = await missingFor(mode);
  if (missing) throw new BackendError(`gpujs-${mode}`, missing);
  if (mode === 'headlessgl') claimNativeGl('GLX', `gpujs-${mode}`);
  let gpu: GpujsInstance;
  try {
    gpu = new GPU({ mode });
  } catch (e) {
    throw new BackendError(`gpujs-${mode}`, `gpu.js cannot start mode '${mode}' (${String(e)}); ${GL_INSTALL_HINT}`);
  }
  const probe = gpu.createKernel(PROBE, { output: [4], precision: 'single', tactic: 'precision' });
  let out: unknown;
  try {
    out = probe(new Float32Array(PROBE_INPUT));
  } catch (e) {
    throw new BackendError(`gpujs-${mode}`, `the probe kernel failed in mode '${mode}' (${String(e)}); ${GL_INSTALL_HINT}`);
  }
  const ran = probe.kernel?.constructor.name;
  if (ran !== KERNEL_CLASS[mode]) {
    throw new BackendError(`gpujs-${mode}`, `gpu.js fell back from mode '${mode}' to ${String(ran)} (${probe.kernel?.fallbackReason ?? 'no reason given'}); ${GL_INSTALL_HINT}`);
  }
  const want = PROBE_INPUT.map((x) => x * 4094 + 1);
  if (!(out instanceof Float32Array) || want.some((w, i) => out[i] !== w)) {
    throw new BackendError(`gpujs-${mode}`, `mode '${mode}' is not exact for float32 integers below 2^24 (got ${String(out)}); it needs highp float32 (§16 G7)`);
  }
  probe.destroy?.();
  return gpu;
}
