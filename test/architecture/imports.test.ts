/**
 * The layers of docs/ARCHITECTURE.md hold: every source file's imports obey import_rules.ts.
 * The second block shows the checker is load-bearing: each kind of broken rule is reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImports, ENGINE_PACKAGES, importsOf, layerOf, type SourceFile } from './import_rules.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const runtimeDependencies = Object.keys(pkg.dependencies);

/** Tracked and untracked-but-not-ignored TypeScript files, as git lists them. */
function sourceFiles(): SourceFile[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: root, encoding: 'utf8' });
  return listed
    .split('\n')
    .filter((p) => p !== '' && existsSync(join(root, p)))
    .map((path) => ({ path, source: readFileSync(join(root, path), 'utf8') }));
}

describe('the import rules', () => {
  const files = sourceFiles();

  it('reads every layer of the tree', () => {
    const layers = new Set(files.map((f) => layerOf(f.path)));
    for (const layer of ['engine', 'kernels/cpu', 'kernels/webgpu', 'kernels/gpujs', 'kernels/shared', 'protocol', 'lib', 'apps', 'tools', 'bench', 'test']) {
      expect(layers, layer).toContain(layer);
    }
  });

  it('hold for every source file', () => {
    expect(checkImports(files)).toEqual([]);
  });

  it("allows the engine only packages of package.json's dependencies", () => {
    for (const p of ENGINE_PACKAGES) expect(runtimeDependencies, p).toContain(p);
  });
});

describe('the checker', () => {
  const check = (path: string, source: string) => checkImports([{ path, source }], ['decimal.js', '@noble/hashes']).map((v) => v.rule);

  it('finds static, re-export, side-effect, multi-line and dynamic imports', () => {
    const src = ["import { a } from './a.js';", "export * from '../b.js';", "import '../c.js';", 'import {\n  d,\n} from "./d.js";', "const e = await import('./e.js');"].join('\n');
    expect(importsOf(src).map((i) => i.specifier)).toEqual(['./a.js', '../b.js', '../c.js', './d.js', './e.js']);
  });

  it('reports the engine importing a backend, the protocol, an application or a tool', () => {
    expect(check('engine/index.ts', "import '../kernels/cpu/index.js';")).toEqual(['engine may not import kernels/cpu']);
    expect(check('engine/api.ts', "import { x } from '../protocol/index.js';")).toEqual(['engine may not import protocol']);
    expect(check('engine/arch/gpt/model.ts', "import { y } from '../../../apps/cli/spml.js';")).toEqual(['engine may not import apps']);
    expect(check('engine/api.ts', "import { loadMnist } from '../tools/data/mnist.js';")).toEqual(['engine may not import tools']);
  });

  it('reports a static Node built-in or a dev dependency in the engine, and allows a dynamic one', () => {
    expect(check('engine/data.ts', "import { readFileSync } from 'node:fs';")).toHaveLength(1);
    expect(check('engine/data.ts', "import * as tf from '@tensorflow/tfjs-core';")).toEqual(["engine imports '@tensorflow/tfjs-core', which is not one of ENGINE_PACKAGES"]);
    expect(check('engine/data.ts', "import { Command } from 'commander';")).toHaveLength(1);
    expect(check('engine/api.ts', "const fs = await import('node:fs');")).toEqual([]);
    expect(check('engine/quant.ts', "import { Decimal } from 'decimal.js';\nimport { sha256 } from '@noble/hashes/sha2.js';")).toEqual([]);
  });

  it('reports a backend importing another backend or the protocol, and the protocol importing kernels or apps', () => {
    expect(check('kernels/gpujs/backend.ts', "import { CpuBackend } from '../cpu/backend.js';")).toEqual(['kernels/gpujs may not import kernels/cpu']);
    expect(check('kernels/cpu/matmul.ts', "import '../../protocol/index.js';")).toEqual(['kernels/cpu may not import protocol']);
    expect(check('kernels/cpu/backend.ts', "import { HostStorageBackend } from '../shared/host_storage.js';")).toEqual([]);
    expect(check('protocol/inference.ts', "import '../kernels/cpu/index.js';")).toEqual(['protocol may not import kernels/cpu']);
    expect(check('kernels/backends.ts', "const m = await import('./cpu/matmul.js');")).toEqual(["the backend list may import only a backend folder's index.ts"]);
    expect(check('kernels/backends.ts', "const m = await import('./cpu/index.js');")).toEqual([]);
    expect(check('protocol/inference.ts', "import { run } from '../apps/cli/run.js';")).toEqual(['protocol may not import apps']);
  });

  it('reports tools importing applications, and the library importing tests or benches', () => {
    expect(check('tools/convert.ts', "import '../apps/cli/spml.js';")).toEqual(['tools may not import apps']);
    expect(check('apps/cli/run.ts', "import { x } from '../../test/helpers/backends.js';")).toEqual(['apps may not import test']);
    expect(check('bench/perf.ts', "import { x } from '../test/helpers/backends.js';")).toEqual(['bench may not import test']);
    expect(check('test/unit/x.test.ts', "import '../../apps/cli/spml.js';")).toEqual([]);
  });
});
