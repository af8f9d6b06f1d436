/**
 * The import rules of docs/ARCHITECTURE.md, as code: which layer of the tree may import which.
 *
 *   engine/            the library: imports only engine/ and ENGINE_PACKAGES, and no Node
 *                      built-in statically (it bundles for browsers; Node-only code uses a
 *                      dynamic import or process.getBuiltinModule)
 *   kernels/<name>/    one backend: engine/, kernels/shared/ and its own folder
 *   kernels/shared/    what backends share: engine/ and kernels/shared/
 *   kernels/*.ts       the backend list: engine/ and each backend folder's index.ts
 *   protocol/          engine/ and protocol/
 *   lib/               the package entry points: engine/, kernels/, protocol/
 *   tools/             offline tools: everything above, and tools/
 *   apps/              applications: everything above, tools/ and apps/
 *   bench/             everything except test/
 *   test/              everything
 */
import { builtinModules } from 'node:module';
import { dirname, normalize, join } from 'node:path';

export interface SourceFile {
  /** Repository-relative path with forward slashes, e.g. 'engine/api.ts'. */
  readonly path: string;
  readonly source: string;
}

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly rule: string;
}

/** The layer a repository path belongs to: 'engine', 'kernels/cpu', 'kernels/shared', 'kernels', … */
export function layerOf(path: string): string {
  const [top, second] = path.split('/');
  if (top === 'kernels') return second !== undefined && path.split('/').length > 2 ? `kernels/${second}` : 'kernels';
  return top ?? '';
}

/** May a file of layer `from` import a file of layer `to`? */
function allowed(from: string, to: string): boolean {
  const backend = from.startsWith('kernels/') && from !== 'kernels/shared';
  if (from === 'engine') return to === 'engine';
  if (from === 'kernels/shared') return to === 'engine' || to === 'kernels/shared';
  if (backend) return to === 'engine' || to === 'kernels/shared' || to === from;
  if (from === 'kernels') return to === 'engine' || to.startsWith('kernels');
  if (from === 'protocol') return to === 'engine' || to === 'protocol';
  if (from === 'lib') return to === 'engine' || to.startsWith('kernels') || to === 'protocol' || to === 'lib';
  if (from === 'tools') return ['engine', 'protocol', 'lib', 'tools'].includes(to) || to.startsWith('kernels');
  if (from === 'apps') return ['engine', 'protocol', 'lib', 'tools', 'apps'].includes(to) || to.startsWith('kernels');
  if (from === 'bench') return to !== 'test';
  return true;
}

/** Every import specifier of a module, static, re-export, side-effect or literal dynamic, with its line. */
export function importsOf(source: string): { specifier: string; line: number; dynamic: boolean }[] {
  const out: { specifier: string; line: number; dynamic: boolean }[] = [];
  const lineAt = (i: number) => source.slice(0, i).split('\n').length;
  const statics = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\s+from\s+)?['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(statics)) out.push({ specifier: m[1]!, line: lineAt(m.index! + m[0].indexOf(m[1]!)), dynamic: false });
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ specifier: m[1]!, line: lineAt(m.index!), dynamic: true });
  return out;
}

/** The npm packages the engine may import: what its integer maths and hashing need, no more. */
export const ENGINE_PACKAGES: readonly string[] = ['decimal.js', '@noble/hashes'];

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** The rule each import breaks; `enginePackages` are the npm packages the engine may import. */
export function checkImports(files: readonly SourceFile[], enginePackages: readonly string[] = ENGINE_PACKAGES): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const from = layerOf(file.path);
    for (const { specifier, line, dynamic } of importsOf(file.source)) {
      const report = (rule: string) => violations.push({ file: file.path, line, specifier, rule });
      if (specifier.startsWith('.')) {
        const target = normalize(join(dirname(file.path), specifier)).replace(/\\/g, '/');
        const to = layerOf(target);
        if (target.startsWith('..')) report(`${from} imports outside the repository`);
        else if (!allowed(from, to)) report(`${from} may not import ${to}`);
        else if (from === 'kernels' && to !== 'engine' && !/^kernels\/[^/]+\/index\.js$/.test(target)) report('the backend list may import only a backend folder\'s index.ts');
        continue;
      }
      if (from !== 'engine') continue;
      if (NODE_BUILTINS.has(specifier)) {
        if (!dynamic) report('engine imports a Node built-in statically (use a dynamic import or process.getBuiltinModule)');
        continue;
      }
      const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!enginePackages.includes(pkg)) report(`engine imports '${pkg}', which is not one of ENGINE_PACKAGES`);
    }
  }
  return violations;
}
