/// <reference types="@webgpu/types" />
/**
 * WebGPU device creation for the webgpu backend (engine/NUMERICS.md §0, §16).
 *
 * In a browser the device comes from navigator.gpu. In Node it comes from the `webgpu` package
 * (Dawn), loaded with a dynamic import so browser bundles never need it; on a headless Linux
 * machine Dawn runs on OpenGL ES through Mesa's EGL (llvmpipe without a GPU). If no adapter can
 * be had, this throws a BackendError that says what is missing; it never falls back to another
 * backend.
 */
import { BackendError } from '../../engine/errors.js';
import { claimNativeGl } from '../shared/native_gl.js';
import { isMissingPackage, notInstalled } from '../shared/optional_package.js';

export interface WebGpuDevice {
  readonly device: GPUDevice;
  /**
   * The GPU object and adapter the device came from. They must stay referenced as long as the
   * device lives: in Node, garbage-collecting Dawn's instance under a live device aborts the
   * process.
   */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  /** What runs the kernels, e.g. 'OpenGL version OpenGL ES 3.2 Mesa 22.3.6'. */
  readonly description: string;
}

/** The `webgpu` npm package (Dawn for Node) at the version spml is tested with: an optional peer dependency. */
export const WEBGPU_NPM_PACKAGE = 'webgpu@0.6.2';

const INSTALL_HINT =
  'on Debian/Ubuntu install the EGL/GLES drivers: apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri; ' +
  `in Node the \`webgpu\` npm package (Dawn) must also be installed: npm install ${WEBGPU_NPM_PACKAGE}`;

const BROWSER_HINT =
  'the browser offers none: Chromium on Linux needs the flag --enable-unsafe-webgpu (its adapter is then SwiftShader, or Vulkan on a GPU)';

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

type NodeFs = typeof import('node:fs');

/** Dawn in Node: the GPU object, and a way to call into it without its adapter-limit notices. */
interface NodeGpu {
  readonly gpu: GPU;
  readonly quiet: <T>(call: () => T) => T;
}

async function nodeGpu(): Promise<NodeGpu> {
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    if (isMissingPackage(e, 'webgpu')) throw new BackendError('webgpu', notInstalled('webgpu', WEBGPU_NPM_PACKAGE, 'Dawn'));
    throw new BackendError('webgpu', `cannot load the 'webgpu' package (${String(e)}); ${INSTALL_HINT}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Headless EGL (Mesa) needs no display, and a private runtime directory. The node: modules
  // are imported here so that browser bundles never see them.
  const [fs, { tmpdir }, { join }] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (process.env.XDG_RUNTIME_DIR === undefined) {
    const dir = join(tmpdir(), `spml-webgpu-xdg-${process.getuid?.() ?? 0}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  claimNativeGl('EGL', 'webgpu');
  const scratchDir = () => fs.mkdtempSync(join(tmpdir(), 'spml-dawn-'));
  return { gpu: mod.create(['backend=opengles']), quiet: (call) => withoutDawnLimitNotices(fs, scratchDir, call) };
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

/** Start a WebGPU device: navigator.gpu in a browser, Dawn (OpenGL ES) in Node. */
export async function createWebGpuDevice(): Promise<WebGpuDevice> {
  let gpu: GPU;
  let quiet = <T>(call: () => T): T => call();
  if (isNode()) {
    ({ gpu, quiet } = await nodeGpu());
  } else {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    if (!nav?.gpu) throw new BackendError('webgpu', 'navigator.gpu is missing: this browser does not expose WebGPU');
    gpu = nav.gpu;
  }
  // Dawn's OpenGL ES backend only offers compatibility-mode adapters.
  const adapter =
    (await quiet(() => gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions))) ?? (await quiet(() => gpu.requestAdapter()));
  if (!adapter) throw new BackendError('webgpu', `no WebGPU adapter is available; ${isNode() ? INSTALL_HINT : BROWSER_HINT}`);
  const want = {
    maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
  };
  const device = await adapter.requestDevice({ requiredLimits: want });
  const info = adapter.info;
  // Browsers leave info.description empty unless asked for developer features; vendor and
  // architecture ('google swiftshader') still say what runs.
  const description = info.description || [info.vendor, info.architecture, info.device].filter((s) => s).join(' ') || 'WebGPU adapter';
  return { device, gpu, adapter, description };
}
