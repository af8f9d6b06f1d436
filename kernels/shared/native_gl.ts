/**
 * One native GL API per Node process (engine/NUMERICS.md §16.4, "Two GL stacks in one process").
 *
 * In Node, two backends reach the GPU through Mesa's GL driver: `webgpu` (Dawn's OpenGL ES
 * backend, through EGL) and `gpujs-headlessgl` (headless-gl, through GLX). Both leave their
 * context current on the main thread, and libglvnd refuses a GLX context on a thread where an
 * EGL one is current (and the other way round). The refusal is an X protocol error, and Xlib's
 * default handler answers it by exiting the process, so no JavaScript error would ever reach the
 * caller. Each backend therefore claims its API here before it touches the driver, and the second
 * one gets a BackendError that says what to do instead.
 */
import { BackendError } from '../../engine/errors.js';

export type NativeGlApi = 'EGL' | 'GLX';

let owner: { api: NativeGlApi; backend: string } | undefined;

/**
 * Claim the process's native GL API for `backend`. Claiming the API already held is fine (two
 * EGL users share a thread); claiming the other one throws.
 */
export function claimNativeGl(api: NativeGlApi, backend: string): void {
  if (owner === undefined || owner.api === api) {
    owner ??= { api, backend };
    return;
  }
  throw new BackendError(
    backend,
    `cannot start in this process: '${owner.backend}' already holds the GPU driver through ${owner.api}, and libglvnd ` +
      `allows only one of EGL and GLX per thread (the other would end the process with an X error). Run '${backend}' ` +
      `in a separate process (as \`spml check-backends\` and the benchmarks do), or use 'gpujs-webasm', which needs no GL`,
  );
}
