/**
 * A user's install of spml, without the network: `npm pack` of this checkout (from a copy of it,
 * so that the build and the web bundle that packing makes never touch the working tree that
 * other tests read), then a fresh project that runs `npm install --offline <tarball>`.
 *
 * Offline, npm resolves spml's dependency ranges from registry metadata that `npm ci` does not
 * cache (it installs from the lockfile). The project is therefore given a package-lock.json
 * holding spml's runtime dependencies at the versions and integrities of this repository's
 * lockfile, whose tarballs `npm ci` did cache; it is what a user gets from the registry today.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Run {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(r: Run, what: string): Run {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r;
}

/** The files of this checkout that git tracks or would track, as packing sees them. */
function checkoutFiles(): string[] {
  const listed = must(run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT), 'git ls-files').stdout;
  return listed.split('\0').filter((p) => p !== '' && !/^(test|bench)\//.test(p) && existsSync(join(ROOT, p)) && lstatSync(join(ROOT, p)).isFile());
}

/** `npm pack` of a copy of this checkout into `dir`; returns the tarball's path. */
export function packCheckout(dir: string): string {
  const stage = join(dir, 'stage');
  for (const f of checkoutFiles()) {
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(stage, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  must(run('npm', ['pack', '--pack-destination', dir], stage), 'npm pack');
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`);
  return join(dir, tarball);
}

interface LockEntry {
  version: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** The lockfile entries of everything `names` needs at run time, from this repository's lockfile. */
function runtimeClosure(names: readonly string[]): Record<string, LockEntry> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const out: Record<string, LockEntry> = {};
  const visit = (name: string) => {
    const key = `node_modules/${name}`;
    if (out[key]) return;
    const entry = lock.packages[key];
    if (!entry) throw new Error(`package-lock.json has no hoisted ${key}`);
    const base = name.split('/').pop()!;
    const { dev: _d, devOptional: _o, peer: _p, ...rest } = entry;
    out[key] = { ...rest, resolved: `https://registry.npmjs.org/${name}/-/${base}-${entry.version}.tgz` };
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(dep);
  };
  for (const n of names) visit(n);
  return out;
}

/**
 * A fresh project in `dir` with the tarball installed offline: `npm install --offline --no-audit
 * --no-fund <tarball>`, after seeding its lockfile (see the header). Returns the project folder.
 */
export function installConsumer(dir: string, tarball: string): string {
  const project = join(dir, 'consumer');
  mkdirSync(project);
  const spec = `file:${tarball}`;
  const manifest = JSON.parse(must(run('tar', ['-xzOf', tarball, 'package/package.json'], dir), 'tar').stdout) as {
    version: string;
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    bin?: Record<string, string>;
    license?: string;
  };
  const root = { name: 'consumer', version: '1.0.0', dependencies: { spml: spec } };
  writeFileSync(join(project, 'package.json'), JSON.stringify({ ...root, private: true, type: 'module' }, null, 2));
  const packages = {
    '': root,
    'node_modules/spml': {
      version: manifest.version,
      resolved: spec,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      peerDependenciesMeta: manifest.peerDependenciesMeta,
      bin: manifest.bin,
    },
    ...runtimeClosure(Object.keys(manifest.dependencies ?? {})),
  };
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
  must(run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], project), 'npm install --offline');
  return project;
}

/** A scratch folder for one run of the consumer test. */
export function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'spml-consumer-'));
}
