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

const INSTALL_HINT =
  'on Debian/Ubuntu install the EGL/GLES drivers: apt-get install libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri; ' +
  'in Node the `webgpu` npm package (Dawn) must also be installed';

const BROWSER_HINT =
  'the browser offers none: Chromium on Linux needs the flag --enable-unsafe-webgpu (its adapter is then SwiftShader, or Vulkan on a GPU)';

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function nodeGpu(): Promise<GPU> {
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import('webgpu')) as unknown as typeof mod;
  } catch (e) {
    throw new BackendError('webgpu', `cannot load the 'webgpu' package (${String(e)}); ${INSTALL_HINT}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  // Headless EGL (Mesa) needs no display, and a private runtime directory. The node: modules
  // are imported here so that browser bundles never see them.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  if (process.env.XDG_RUNTIME_DIR === undefined) {
    const [{ mkdirSync }, { tmpdir }, { join }] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
    const dir = join(tmpdir(), `spml-webgpu-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  claimNativeGl('EGL', 'webgpu');
  return mod.create(['backend=opengles']);
}

/** Start a WebGPU device: navigator.gpu in a browser, Dawn (OpenGL ES) in Node. */
export async function createWebGpuDevice(): Promise<WebGpuDevice> {
  let gpu: GPU;
  if (isNode()) {
    gpu = await nodeGpu();
  } else {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    if (!nav?.gpu) throw new BackendError('webgpu', 'navigator.gpu is missing: this browser does not expose WebGPU');
    gpu = nav.gpu;
  }
  // Dawn's OpenGL ES backend only offers compatibility-mode adapters.
  const adapter =
    (await gpu.requestAdapter({ featureLevel: 'compatibility' } as GPURequestAdapterOptions)) ?? (await gpu.requestAdapter());
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
