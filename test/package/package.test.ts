/**
 * The package's metadata agrees with the backend list and the code: every GPU package a backend
 * family loads is an optional peer dependency (and a dev dependency, so this repository's tests
 * run every backend), at the version its missing-package message names; and asking for a backend
 * that was not imported names the import and the package to add, from that same list.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getBackend, listBackends, registerBackendHint } from '../../engine/backend.js';
import { BackendError } from '../../engine/errors.js';
import { BACKEND_FAMILIES, ENTRY_BACKENDS } from '../../kernels/backends.js';
import { GPUJS_NPM_PACKAGE } from '../../kernels/gpujs/runtime.js';
import { WEBGPU_NPM_PACKAGE } from '../../kernels/webgpu/device.js';
import '../../lib/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  overrides?: Record<string, string>;
  exports: Record<string, unknown>;
  files: string[];
};

describe('package.json', () => {
  const familyPackages = BACKEND_FAMILIES.flatMap((f) => f.packages);

  it('makes every package a backend family loads an optional peer and a dev dependency, and no runtime dependency', () => {
    expect(familyPackages.sort()).toEqual(Object.keys(pkg.peerDependencies).sort());
    for (const name of familyPackages) {
      expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
      expect(pkg.devDependencies[name], name).toBe(pkg.peerDependencies[name]);
      expect(pkg.dependencies[name], name).toBeUndefined();
    }
    // An override of a direct dependency must use the same spec (npm refuses others).
    for (const [name, spec] of Object.entries(pkg.overrides ?? {})) if (pkg.devDependencies[name]) expect(spec, name).toBe(pkg.devDependencies[name]);
  });

  it('names in each missing-package message the version the peer dependency pins', () => {
    expect(WEBGPU_NPM_PACKAGE).toBe(`webgpu@${pkg.peerDependencies.webgpu}`);
    expect(GPUJS_NPM_PACKAGE).toBe(`gpu.js@${pkg.peerDependencies['gpu.js']}`);
  });

  it('exports every family as the subpath the backend list names', () => {
    for (const f of BACKEND_FAMILIES) {
      if (f.importPath === 'spml') continue;
      expect(f.importPath).toBe(`spml/${f.family}`);
    }
    expect(Object.keys(pkg.exports)).toContain('./*');
  });
});

describe('an unregistered backend', () => {
  it('names the import and the npm package that provide it', async () => {
    // This file imports only 'spml' (lib/index.ts), which registers cpu, wasm and the hints.
    expect(listBackends()).toEqual([...ENTRY_BACKENDS]);
    for (const f of BACKEND_FAMILIES.filter((f) => !f.backends.node.every((b) => ENTRY_BACKENDS.includes(b)))) {
      for (const name of f.backends.node) {
        const e = await getBackend(name).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(BackendError);
        const message = (e as BackendError).message;
        expect(message).toContain(`unknown backend '${name}': it is not registered; add \`import '${f.importPath}'\``);
        expect(message).toContain(`(and \`npm install ${f.packages.join(' ')}\`)`);
        expect(message).toContain(`(registered: ${ENTRY_BACKENDS.join(', ')})`);
      }
    }
  });

  it('without a hint is still named, with the registered backends', async () => {
    await expect(getBackend('no-such-backend')).rejects.toThrow("getBackend: unknown backend 'no-such-backend' (registered: ");
    registerBackendHint('hinted-but-absent', { importPath: 'some-package/backend', packages: [] });
    await expect(getBackend('hinted-but-absent')).rejects.toThrow("add `import 'some-package/backend'` before using it");
  });
});
