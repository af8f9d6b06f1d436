/**
 * `spml import`, and llama2.c/GGUF files given to run and inspect, as a user runs them: the
 * llama2.c stories260K becomes the shipped models/stories260k.spml with progress and the time
 * left on stderr; a GGUF export of it converts on the fly in run and inspect to the hash that
 * import prints; run streams the story of the shipped model with the API's hashes; inspect shows
 * the llama's shape; bad files are one typed line and exit status 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { generate, loadModel } from '../../engine/api.js';
import { modelHash } from '../../engine/format/format.js';
import { writeGgufLlama } from '../../engine/format/gguf_llama.js';
import { readLlama2c } from '../../engine/format/llama2c.js';
import { readStoriesFile, STORIES_DIR } from '../llama/stories.js';
import { spmlAsync } from './run_cli.js';

const BIN = join(STORIES_DIR, 'stories260K.bin');
const TOK = join(STORIES_DIR, 'tok512.bin');
const SHIPPED = new Uint8Array(readFileSync(new URL('../../models/stories260k.spml', import.meta.url)));
// Each conversion samples 8 × 64 tokens through the float model (about 15 s on a free core).
const CONVERSIONS = 300_000;
const dir = mkdtempSync(join(tmpdir(), 'spml-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spml import', () => {
  it(
    'converts the llama2.c stories260K into the shipped file, showing progress and the time left',
    async () => {
      const out = join(dir, 'stories.spml');
      const r = await spmlAsync('import', BIN, '--tokenizer', TOK, '--name', 'stories260k', '--out', out, '--json');
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      const summary = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(summary).toMatchObject({ name: 'stories260k', format: 'llama2c', architecture: 'llama', parameters: 260032, file: out, bytes: SHIPPED.length, modelHash: modelHash(SHIPPED) });
      expect(Buffer.from(readFileSync(out)).equals(Buffer.from(SHIPPED))).toBe(true);
      // stderr is not a terminal here: a line every 5 s with the time left, and the last one.
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(/^import: \d+\.\d%, sampling calibration text from the float model, (about .* left|estimating the time left)$/);
      expect(lines.at(-1)).toMatch(/^import: 100\.0%, done, done in /);
    },
    CONVERSIONS,
  );

  it(
    'a GGUF file converts to one model hash in import, run and inspect',
    async () => {
      const gguf = join(dir, 'stories260K.gguf');
      writeFileSync(gguf, writeGgufLlama(readLlama2c(readStoriesFile('stories260K.bin'), readStoriesFile('tok512.bin')), { type: 'F32' }));
      const [imported, ran, inspected] = await Promise.all([
        spmlAsync('import', gguf, '--out', join(dir, 'from-gguf.spml'), '--json'),
        spmlAsync('run', '--model', gguf, '--prompt', 'Once upon a time', '--max-tokens', '12', '--json'),
        spmlAsync('inspect', gguf, '--json'),
      ]);
      for (const r of [imported, ran, inspected]) expect(r.status, r.stderr).toBe(0);
      const hash = (JSON.parse(imported.stdout) as { modelHash: string }).modelHash;
      expect(JSON.parse(imported.stdout)).toMatchObject({ format: 'gguf', architecture: 'llama', parameters: 260032 });
      expect((JSON.parse(ran.stdout) as { modelHash: string }).modelHash).toBe(hash);
      expect((JSON.parse(inspected.stdout) as { hash: string }).hash).toBe(hash);
      expect(modelHash(new Uint8Array(readFileSync(join(dir, 'from-gguf.spml'))))).toBe(hash);
    },
    CONVERSIONS,
  );
});

describe('the shipped stories260k', () => {
  it('run streams the story, then prints the hashes the API gives and the speed', async () => {
    const r = await spmlAsync('run', '--model', 'stories260k', '--prompt', 'Once upon a time', '--max-tokens', '40', '--temperature', '0.8', '--seed', '3');
    expect(r.status, r.stderr).toBe(0);
    const api = await generate(await loadModel('stories260k'), 'Once upon a time', { maxTokens: 40, temperature: 0.8, seed: 3n });
    expect(r.stdout.startsWith(`${api.text}\n\n`)).toBe(true);
    expect(r.stdout).toContain(`output hash  ${api.outputHash}`);
    expect(r.stdout).toContain(`trace root   ${api.traceRoot}`);
    expect(r.stdout).toContain(`model        stories260k (${modelHash(SHIPPED)})`);
    expect(r.stdout).toMatch(/speed {8}40 tokens in \d+ ms, [\d.]+ tokens\/s/);
  });

  it('inspect shows the llama: heads, kv heads, widths, context, vocabulary, parameters, sizes, hash', async () => {
    const r = await spmlAsync('inspect', 'stories260k');
    expect(r.status, r.stderr).toBe(0);
    for (const line of [
      `model hash    ${modelHash(SHIPPED)}`,
      `file size     ${SHIPPED.length} bytes`,
      'architecture  llama: Llama-style decoder',
      'parameters    260032',
      'vocabulary    BPE, 512 tokens (BOS 1, EOS 2, unknown 0)',
      'attention heads         8',
      'key/value heads         4',
      'MLP hidden width        172',
      'width (model dim)       64',
      'layers                  5',
      'context (tokens)        512',
      'head size               8',
      'source: llama2.c checkpoint',
    ]) {
      expect(r.stdout).toContain(line);
    }
    expect(r.stdout).toMatch(/int8 +\d+ tensors +\d+ values +\d+ bytes/);
  });
});

describe('bad files are one typed line and exit status 2', () => {
  const truncated = join(dir, 'truncated.bin');
  const text = join(dir, 'text.bin');
  writeFileSync(truncated, readStoriesFile('stories260K.bin').subarray(0, 100_000));
  writeFileSync(text, 'hello, this is not a model at all\n');

  it.each([
    ['a llama2.c checkpoint without --tokenizer', ['import', BIN], /tokenizer/],
    ['a truncated checkpoint', ['import', truncated, '--tokenizer', TOK], /truncated/],
    ['bytes of no known format', ['import', text, '--tokenizer', TOK], /not a model file/],
    ['a missing file', ['import', join(dir, 'absent.bin')], /cannot read the model file .*ENOENT/],
    ['a missing tokenizer file', ['import', BIN, '--tokenizer', join(dir, 'absent.tok')], /cannot read --tokenizer .*ENOENT/],
    ['run on a llama2.c checkpoint without --tokenizer', ['run', '--model', BIN, '--prompt', 'Hi'], /tokenizer/],
    ['run on a truncated checkpoint', ['run', '--model', truncated, '--tokenizer', TOK, '--prompt', 'Hi'], /truncated/],
    ['inspect on bytes of no known format', ['inspect', text, '--tokenizer', TOK], /not a model file/],
  ])('%s', async (_, args, message) => {
    const r = await spmlAsync(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^spml: /);
    expect(lines[0]).toMatch(message);
  });
});
