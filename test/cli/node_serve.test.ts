/**
 * `spml node serve` and `spml node keygen` (apps/cli/node_serve.ts) as a parent process uses them:
 * spawn the node, read its listening line, call it over HTTP, stop it with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { keyFromSecret, keyFromSeed } from '../../protocol/crypto.js';
import { ModelStore, runInference } from '../../protocol/inference.js';
import { root, spmlAsync } from './run_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'spml-node-'));
const keyFile = join(dir, 'node.key');
const key = keyFromSeed('cli-node');
writeFileSync(keyFile, key.secretKey + '\n', { mode: 0o600 });

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('spml node serve', () => {
  it('prints its listening line, answers /health and /v1/completions, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/cli/spml.ts', 'node', 'serve', '--key', keyFile, '--stake', '1000', '--port', '0', '--id', 'n1', '--network-id', 'spml-test'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as Record<string, string> | null;

    const listening = await next();
    expect(listening, stderr).not.toBeNull();
    expect(listening).toMatchObject({ event: 'listening', id: 'n1', publicKey: key.publicKey, stake: '1000' });
    expect(listening!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const model = await new ModelStore().load('moby-gpt');
    expect(listening!.modelHash).toBe(model.hash);

    const health = await (await fetch(`${listening!.url}/health`)).json();
    expect(health).toEqual({ id: 'n1', publicKey: key.publicKey, networkId: 'spml-test', modelHash: model.hash });
    expect(await next()).toMatchObject({ event: 'request', method: 'GET', path: '/health', status: 200 });

    const res = await fetch(`${listening!.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'moby-gpt', prompt: 'Call me Ishmael.', max_tokens: 6, seed: 5, temperature: 0.7 }) });
    expect(res.status).toBe(200);
    const completion = (await res.json()) as { choices: { text: string }[]; spml: { output_hash: string; trace_root: string } };
    // The node's run (on its default backend) is the run made here on cpu, byte for byte.
    const direct = await runInference(model, { kind: 'text', prompt: 'Call me Ishmael.' }, { maxTokens: 6, temperature: 0.7 }, 5n);
    expect(completion.spml).toMatchObject({ output_hash: direct.outputHash, trace_root: direct.traceRoot });
    expect(completion.choices[0]!.text).toBe(model.task === 'generate' ? model.runtime.tokenizer.decode(direct.outputTensor.data) : '');
    expect(await next()).toMatchObject({ event: 'request', path: '/v1/completions', status: 200 });

    child.kill('SIGTERM');
    expect(await next()).toEqual({ event: 'closed', signal: 'SIGTERM' });
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it.concurrent.each([
    ['a malformed key', ['--key', 'BADKEY', '--stake', '1'], /^spml: node serve: parameter '--key .*': must be a 32-byte Ed25519 secret key as 64 hex digits, and holds 9 characters, not all hex digits$/],
    ['a missing key file', ['--key', join(dir, 'none.key'), '--stake', '1'], /^spml: node serve: cannot read the --key file '.*none\.key' \(ENOENT\)/],
    ['a stake of 0', ['--key', keyFile, '--stake', '0'], /^spml: option '--stake <n>' argument '0' is invalid\. stake must be a whole number of base units >= 1$/],
    ['no stake', ['--key', keyFile], /^spml: required option '--stake <n>' not specified$/],
    ['an unknown model', ['--key', keyFile, '--stake', '1', '--model', 'no-such-model'], /^spml: loadModel: cannot read model 'no-such-model'/],
    ['a coalition strategy', ['--key', keyFile, '--stake', '1', '--strategy', 'colluding'], /^spml: option '--strategy <s>' argument 'colluding' is invalid/],
  ])('%s: one line on stderr, exit 2', async (_what, args, line) => {
    const badKey = join(dir, 'BADKEY');
    writeFileSync(badKey, 'not a key', { mode: 0o600 });
    const r = await spmlAsync('node', 'serve', ...args.map((a) => (a === 'BADKEY' ? badKey : a)));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd()).toMatch(line);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('spml node keygen', () => {
  it('writes a fresh secret key, mode 0600, that serve reads back; never overwrites one', async () => {
    const out = join(dir, 'fresh.key');
    const r = await spmlAsync('node', 'keygen', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    if (process.platform !== 'win32') expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(r.stdout)).toEqual({ event: 'keygen', out, publicKey: keyFromSecret(text).publicKey });
    const again = await spmlAsync('node', 'keygen', '--out', out);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists: a key is never overwritten/);
    expect(readFileSync(out, 'utf8')).toBe(text);
  });
});
