/// <reference types="@webgpu/types" />
/**
 * WebGPU device creation for the webgpu backend (engine/NUMERICS.md §0, §16).
 *
 * Where the runtime has its own WebGPU, `navigator.gpu`, the device comes from it: browsers, and
 * Deno (wgpu, with `--unstable-webgpu`; on a machine without a GPU wgpu runs on Mesa's lavapipe
 * Vulkan driver). Deno also defines process.versions.node, so the global is tested, never the
 * runtime. Only a runtime without it (Node) loads the `webgpu` package (Dawn), with a dynamic
 * import so browser bundles never need it; on a headless Linux machine Dawn runs on OpenGL ES
 * through Mesa's EGL (llvmpipe without a GPU), or on Vulkan where SPML_DAWN_BACKEND says so (a
 * real GPU, e.g. NVIDIA's driver). The device records which of the two it came from and the
 * backend's description names it, so a test can tell wgpu from a silent switch to Dawn. If no
 * adapter can be had, this throws a BackendError that says what is missing; it never falls back
 * to another backend or to the other WebGPU.
 */
import { BackendError } from '../../engine/errors.js';
import { claimNativeGl } from '../shared/native_gl.js';
import { isMissingPackage, notInstalled } from '../shared/optional_package.js';

/** Which WebGPU gave the device: Dawn from the `webgpu` npm package, or the runtime's own navigator.gpu. */
export type WebGpuImplementation = 'dawn' | 'navigator.gpu';

export interface WebGpuDevice {
  readonly device: GPUDevice;
  /**
   * The GPU object and adapter the device came from. They must stay referenced as long as the
   * device lives: in Node, garbage-collecting Dawn's instance under a live device aborts the
   * process.
   */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  /** Dawn, or the runtime's own navigator.gpu (wgpu in Deno). */
  readonly implementation: WebGpuImplementation;
  /** The JavaScript runtime that asked for it: 'Node 20.20.2', 'Deno 2.9.6', 'Bun 1.4.5' or 'browser'. */
  readonly runtime: string;
  /** Dawn's backend flag (SPML_DAWN_BACKEND); absent for navigator.gpu. */
  readonly dawnBackend?: DawnBackend;
  /** The adapter alone, e.g. 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6' or 'llvmpipe (LLVM 15.0.6, 256 bits)'. */
  readonly adapterDescription: string;
  /**
   * The WebGPU implementation, the runtime and the adapter, as users see it (check-backends,
   * bench rows): 'Dawn (webgpu npm, opengles; Node 20.20.2): OpenGL version OpenGL ES 3.2 Mesa
   * 22.3.6', 'wgpu (Deno 2.9.6): llvmpipe (LLVM 15.0.6, 256 bits)'.
   */
  readonly description: string;
}

/** The `webgpu` npm package (Dawn for Node) at the version spml is tested with: an optional peer dependency. */
export const WEBGPU_NPM_PACKAGE = 'webgpu@0.6.2';

/**
 * Dawn's backends that SPML_DAWN_BACKEND may name. 'opengles' (the default) is the one that runs
 * on a machine without a GPU: Dawn rejects Debian's lavapipe Vulkan, but takes Mesa's GLES. On a
 * machine with a GPU whose Vulkan driver Dawn accepts (NVIDIA's), 'vulkan' runs on the GPU itself.
 */
export const DAWN_BACKENDS = ['opengles', 'vulkan'] as const;
export type DawnBackend = (typeof DAWN_BACKENDS)[number];

/** Dawn's backend from SPML_DAWN_BACKEND (unset or empty: 'opengles'); any other value is a BackendError. */
export function dawnBackend(env: Readonly<Record<string, string | undefined>>): DawnBackend {
  const value = env.SPML_DAWN_BACKEND;
  if (value === undefined || value === '') return 'opengles';
  if ((DAWN_BACKENDS as readonly string[]).includes(value)) return value as DawnBackend;
  throw new BackendError('webgpu', `SPML_DAWN_BACKEND='${value}' is not one of Dawn's backends spml runs on: ${DAWN_BACKENDS.join(', ')}`);
}

const INSTALL_HINTS: Readonly<Record<DawnBackend, string>> = {
  opengles: 'on Debian/Ubuntu install the EGL/GLES drivers: apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri',
  vulkan:
    "Dawn's Vulkan backend needs the Vulkan loader (apt-get install libvulkan1) and the GPU's own Vulkan driver; " +
    "it rejects Mesa's lavapipe (without a GPU, leave SPML_DAWN_BACKEND unset for OpenGL ES)",
};

function installHint(backend: DawnBackend): string {
  return `${INSTALL_HINTS[backend]}; in Node the \`webgpu\` npm package (Dawn) must also be installed: npm install ${WEBGPU_NPM_PACKAGE}`;
}

const DENO_HINT =
  "Deno's WebGPU (wgpu) reaches the GPU through Vulkan: without a GPU, install Mesa's lavapipe (apt-get install mesa-vulkan-drivers)";

const BROWSER_HINT =
  'the browser offers none: Chromium on Linux needs the flag --enable-unsafe-webgpu (its adapter is then SwiftShader, or Vulkan on a GPU)';

type Globals = {
  process?: { versions?: { node?: string } };
  Deno?: { version: { deno: string } };
  Bun?: { version: string };
  navigator?: { gpu?: GPU };
};

function isNode(): boolean {
  return typeof (globalThis as Globals).process?.versions?.node === 'string';
}

/** The runtime by name and version; Deno and Bun are asked first, since both also define process.versions.node. */
function runtimeName(): string {
  const g = globalThis as Globals;
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (isNode()) return `Node ${g.process!.versions!.node!}`;
  return 'browser';
}

type NodeFs = typeof import('node:fs');

/** Dawn in Node: the GPU object, its backend, and a way to call into it without its adapter-limit notices. */
interface NodeGpu {
  readonly gpu: GPU;
  readonly backend: DawnBackend;
  readonly quiet: <T>(call: () => T) => T;
}

async function nodeGpu(): Promise<NodeGpu> {
  // Checked first, so that a mistyped value fails before anything native loads.
  const backend = dawnBackend(process.env);
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    if (isMissingPackage(e, 'webgpu')) throw new BackendError('webgpu', notInstalled('webgpu', WEBGPU_NPM_PACKAGE, 'Dawn'));
    throw new BackendError('webgpu', `cannot load the 'webgpu' package (${String(e)}); ${installHint(backend)}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Mesa's drivers want a private runtime directory, and headless EGL needs no display. The
  // node: modules are imported here so that browser bundles never see them.
  const [fs, { tmpdir }, { join }] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
  if (process.env.XDG_RUNTIME_DIR === undefined) {
    const dir = join(tmpdir(), `spml-webgpu-xdg-${process.getuid?.() ?? 0}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  // Only the OpenGL ES backend goes through EGL; Vulkan holds no GL context (native_gl.ts).
  if (backend === 'opengles') {
    process.env.EGL_PLATFORM ??= 'surfaceless';
    claimNativeGl('EGL', 'webgpu');
  }
  const scratchDir = () => fs.mkdtempSync(join(tmpdir(), 'spml-dawn-'));
  return { gpu: mod.create([`backend=${backend}`]), backend, quiet: (call) => withoutDawnLimitNotices(fs, scratchDir, call) };
}

/** The two lines Dawn writes to stderr when it first enumerates adapters (see below). */
export const DAWN_LIMIT_NOTICE =
  /^Warning: maxDynamic(?:Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/;

/**
 * Runs `call`, a synchronous call into Dawn, with file descriptor 2 pointed at a scratch file;
 * then puts stderr back and writes to it every line that Dawn wrote meanwhile, except its two
 * adapter-limit notices.
 *
 * Why: the first requestAdapter enumerates the adapters, synchronously, and Dawn's
 * NormalizeLimits clamps each adapter's maxDynamicUniformBuffersPerPipelineLayout and
 * maxDynamicStorageBuffersPerPipelineLayout to its internal maximum (16), logging each clamp with
 * dawn::WarningLog, an fprintf to stderr. Its OpenGL ES backend reads those limits from
 * GL_MAX_UNIFORM_BUFFER_BINDINGS and GL_MAX_SHADER_STORAGE_BUFFER_BINDINGS (90 and 80 on Mesa
 * llvmpipe, above 16 on most drivers), so every webgpu run printed both lines. spml uses no
 * dynamic offsets and loses nothing. Dawn has no toggle, instance option or log level that
 * silences them, and requesting smaller limits cannot help: the clamp happens when the adapter is
 * enumerated, before any device is requested. Native code writes to the descriptor, so
 * process.stderr cannot filter them either.
 *
 * How narrow: Node only, one synchronous call (no JavaScript runs while fd 2 is swapped), and
 * only when stderr is a terminal or a pipe, which /proc/self/fd can reopen (Node has no dup()).
 * A socket (a Node parent's 'pipe'), a regular file (whose offset a reopened file would not
 * share), a system without /proc, or any failure before the swap leaves stderr untouched and the
 * notices in it. The one hazard left is another thread opening a file in the instant between
 * closing fd 2 and reopening it; then that file is not at fd 2, and stderr stays where it is.
 */
export function withoutDawnLimitNotices<T>(fs: NodeFs, scratchDir: () => string, call: () => T): T {
  const { O_WRONLY, O_NOCTTY } = fs.constants;
  let saved: number;
  let dir: string;
  try {
    const kind = fs.fstatSync(2);
    if (!kind.isCharacterDevice() && !kind.isFIFO()) return call();
    // With 0 or 1 closed, the reopened files would not land on 2.
    fs.fstatSync(0);
    fs.fstatSync(1);
    saved = fs.openSync('/proc/self/fd/2', O_WRONLY | O_NOCTTY);
    try {
      dir = scratchDir();
    } catch {
      fs.closeSync(saved);
      return call();
    }
  } catch {
    return call();
  }
  const scratch = `${dir}/stderr`;
  fs.closeSync(2);
  let swapped = false;
  try {
    const fd = fs.openSync(scratch, 'w'); // the lowest free descriptor: 2
    swapped = fd === 2;
    if (!swapped) fs.closeSync(fd);
    return call();
  } finally {
    restoreStderr(fs, saved, swapped, scratch, dir);
  }
}

/** Puts the saved stderr back on fd 2 and writes to it what the scratch file caught, less Dawn's notices. */
function restoreStderr(fs: NodeFs, saved: number, swapped: boolean, scratch: string, dir: string): void {
  const { O_WRONLY, O_NOCTTY } = fs.constants;
  try {
    // Not swapped: another thread's file took fd 2, and it is not ours to close.
    if (swapped) fs.closeSync(2);
    const back = fs.openSync(`/proc/self/fd/${saved}`, O_WRONLY | O_NOCTTY); // 2 again
    if (back !== 2) fs.closeSync(back);
  } catch {
    // Nothing better to do: stderr stays where it is.
  } finally {
    fs.closeSync(saved);
  }
  let caught = '';
  try {
    caught = fs.readFileSync(scratch, 'utf8');
  } catch {
    // Nothing was caught.
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rest = caught.split('\n').filter((line) => line !== '' && !DAWN_LIMIT_NOTICE.test(line));
  if (rest.length > 0) fs.writeSync(2, `${rest.join('\n')}\n`);
}

/**
 * Start a WebGPU device: the runtime's navigator.gpu where there is one (browsers, Deno's wgpu),
 * else Dawn in Node (OpenGL ES, or SPML_DAWN_BACKEND).
 */
export async function createWebGpuDevice(): Promise<WebGpuDevice> {
  const runtime = runtimeName();
  const nav = (globalThis as Globals).navigator;
  let gpu: GPU;
  let quiet = <T>(call: () => T): T => call();
  let dawn: DawnBackend | undefined;
  if (nav?.gpu) {
    gpu = nav.gpu;
  } else if (isNode()) {
    let backend: DawnBackend;
    ({ gpu, backend, quiet } = await nodeGpu());
    dawn = backend;
  } else {
    throw new BackendError('webgpu', 'navigator.gpu is missing: this browser does not expose WebGPU');
  }
  // Dawn's OpenGL ES backend only offers compatibility-mode adapters. wgpu (Deno) and browsers
  // take the option too, but an implementation that ignores it or offers no such adapter gets
  // the plain request.
  const adapter =
    (await quiet(() => gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions))) ?? (await quiet(() => gpu.requestAdapter()));
  if (!adapter) {
    const hint = dawn !== undefined ? installHint(dawn) : runtime.startsWith('Deno ') ? DENO_HINT : BROWSER_HINT;
    throw new BackendError('webgpu', `no WebGPU adapter is available (${runtime}); ${hint}`);
  }
  // The adapter's own limits rather than the defaults (lower still in compatibility mode), so
  // that kernels with many storage bindings and big tensors fit. The limits differ between Dawn
  // and wgpu; the kernels are integer WGSL, so they decide only what fits, never a result
  // (backend.ts checks each tensor against the binding size).
  const want = {
    maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    // Wider workgroups where the adapter has them: backend.ts picks the size it dispatches.
    maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
  };
  const device = await adapter.requestDevice({ requiredLimits: want });
  const info = adapter.info;
  // Browsers leave info.description empty unless asked for developer features; vendor and
  // architecture ('google swiftshader') still say what runs.
  const adapterDescription = info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' ') || 'WebGPU adapter';
  const base = { device, gpu, adapter, runtime, adapterDescription };
  if (dawn !== undefined) {
    return { ...base, implementation: 'dawn', dawnBackend: dawn, description: `Dawn (webgpu npm, ${dawn}; ${runtime}): ${adapterDescription}` };
  }
  // Deno's navigator.gpu is wgpu; a browser's is the browser's own (Dawn in Chromium, wgpu in Firefox).
  const label = runtime.startsWith('Deno ') ? `wgpu (${runtime})` : `navigator.gpu (${runtime})`;
  return { ...base, implementation: 'navigator.gpu', description: `${label}: ${adapterDescription}` };
}
