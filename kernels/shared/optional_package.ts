/**
 * The GPU backends' npm packages (`webgpu`, `gpu.js`) are optional peer dependencies of spml
 * (package.json), so that a cpu-only install builds nothing native. A backend that starts
 * without its package says which one to install, at the version spml is tested with.
 */

/** True when `e`, thrown by a dynamic import, says package `name` is not installed (rather than failing to load). */
export function isMissingPackage(e: unknown, name: string): boolean {
  const err = e as { code?: string; message?: string } | undefined;
  return (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') && String(err.message).includes(`'${name}'`);
}

/** The message for a missing package: `install` is the npm spec to install, e.g. 'webgpu@0.6.2'. */
export function notInstalled(name: string, install: string, what = ''): string {
  return `the '${name}' npm package${what ? ` (${what})` : ''} is not installed; it is an optional peer dependency of spml: npm install ${install}`;
}
