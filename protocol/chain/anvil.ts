/**
 * A local EVM for the settlement contract: Foundry's anvil, from the @foundry-rs/anvil npm package
 * (its binary lives in the platform package, @foundry-rs/anvil-<os>-<arch>). startAnvil picks a free
 * port on 127.0.0.1 (anvil has no --port 0), starts anvil there with a fixed mnemonic, so the accounts
 * and their keys are the same on every run, and resolves once eth_chainId answers. stop() kills it
 * and waits for it to exit; a test starts it in beforeAll and stops it in afterAll. Anvil runs under a
 * small sh supervisor that kills it as soon as this process goes away, however it goes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { bytesToHex, type Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { ProtocolParamError } from '../errors.js';

/** Foundry's default test mnemonic: well known, for local chains only. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
export const ANVIL_CHAIN_ID = 31337;

export interface AnvilOptions {
  /** Port on 127.0.0.1; a free one when left out. */
  readonly port?: number;
  /** Funded accounts derived from the mnemonic (default 20). */
  readonly accounts?: number;
  /** Ether each account starts with (default 10 000). */
  readonly balanceEther?: number;
  readonly chainId?: number;
  /** How long to wait for eth_chainId to answer (default 30 s). */
  readonly startTimeoutMs?: number;
}

export interface Anvil {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** Private keys of the funded accounts, in the mnemonic's order (m/44'/60'/0'/0/i). */
  readonly accounts: readonly Hex[];
  /** The id of the process anvil runs under (its supervisor, which exits only after anvil has). */
  readonly pid: number;
  /** Kills anvil and resolves when it has exited. Calling it again does nothing. */
  stop(): Promise<void>;
}

const PLATFORMS: Record<string, Record<string, string>> = {
  linux: { x64: 'linux-amd64', arm64: 'linux-arm64' },
  darwin: { x64: 'darwin-amd64', arm64: 'darwin-arm64' },
  win32: { x64: 'win32-amd64' },
};

/** The anvil binary of the platform package for this os and arch; ProtocolParamError saying what is missing otherwise. */
export function anvilBinary(): string {
  const op = 'anvilBinary';
  const suffix = PLATFORMS[process.platform]?.[process.arch];
  if (suffix === undefined) throw new ProtocolParamError(op, 'platform', `@foundry-rs/anvil has no binary for ${process.platform}/${process.arch}`);
  const pkg = `@foundry-rs/anvil-${suffix}`;
  const file = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  let bin: string;
  try {
    const require = createRequire(import.meta.url);
    bin = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', file);
  } catch {
    throw new ProtocolParamError(op, 'package', `${pkg} is not installed (it comes with @foundry-rs/anvil as an optional dependency): run npm install`);
  }
  if (!existsSync(bin)) throw new ProtocolParamError(op, 'binary', `${bin} is missing: reinstall ${pkg}`);
  return bin;
}

/** Listens on `port` of 127.0.0.1 (0: any) and closes again: the port it got, or the listen error. */
function probePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const got = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(got));
    });
  });
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return probePort(0);
}

/** The i-th private key of `mnemonic` (m/44'/60'/0'/0/i), as anvil derives its accounts. */
export function mnemonicKey(mnemonic: string, index: number): Hex {
  const key = mnemonicToAccount(mnemonic, { addressIndex: index }).getHdKey().privateKey;
  if (key === null) throw new ProtocolParamError('mnemonicKey', 'index', `no private key at index ${index}`);
  return bytesToHex(key);
}

async function chainIdAnswers(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
    const body = (await res.json()) as { result?: string };
    return typeof body.result === 'string';
  } catch {
    return false;
  }
}

/**
 * The supervisor anvil runs under (POSIX sh): anvil gets no stdin; a watcher holds the supervisor's
 * stdin, a pipe from this process, and kills anvil when it closes, which happens when stop() ends it
 * and whenever this process dies, even by SIGKILL (a test worker killed on a timeout). The supervisor
 * waits for anvil and exits with its status, so its exit means anvil is gone.
 */
const SUPERVISOR = [
  'exec 3<&0',
  '"$0" "$@" </dev/null &',
  'anvil=$!',
  '(read -r _ <&3; kill "$anvil" 2>/dev/null) &',
  'watcher=$!',
  'wait "$anvil"',
  'status=$?',
  'kill "$watcher" 2>/dev/null',
  'exit "$status"',
].join('\n');

function spawnSupervised(bin: string, args: readonly string[]): ChildProcess {
  // Windows has no sh: anvil runs directly, and stop() kills it.
  if (process.platform === 'win32') return spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return spawn('/bin/sh', ['-c', SUPERVISOR, bin, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
}

/** Starts anvil on 127.0.0.1 and resolves once it answers eth_chainId. */
export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const op = 'startAnvil';
  const count = options.accounts ?? 20;
  const chainId = options.chainId ?? ANVIL_CHAIN_ID;
  const port = options.port ?? (await freePort());
  // Whatever already listens there would answer the readiness probe in anvil's place.
  if (options.port !== undefined)
    await probePort(port).catch((e: NodeJS.ErrnoException) => {
      throw new ProtocolParamError(op, 'port', `127.0.0.1:${port} is not free (${e.code ?? e.message})`);
    });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const args = ['--host', '127.0.0.1', '--port', String(port), '--mnemonic', ANVIL_MNEMONIC, '--accounts', String(count), '--balance', String(options.balanceEther ?? 10_000), '--chain-id', String(chainId), '--silent'];
  const child = spawnSupervised(anvilBinary(), args);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        if (child.stdin) child.stdin.end();
        else child.kill('SIGTERM');
      }
    }
    await exited;
  };
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (e) => reject(new ProtocolParamError(op, 'binary', `anvil could not start: ${e.message}`)));
    child.once('exit', (code, signal) => reject(new ProtocolParamError(op, 'port', `anvil exited (${signal ?? code}) before answering on ${rpcUrl}: ${stderr.trim()}`)));
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      const ready = await Promise.race([chainIdAnswers(rpcUrl), failed]);
      if (ready) break;
      if (Date.now() > deadline) throw new ProtocolParamError(op, 'startTimeoutMs', `anvil did not answer eth_chainId on ${rpcUrl} within ${options.startTimeoutMs ?? 30_000} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const accounts = Array.from({ length: count }, (_, i) => mnemonicKey(ANVIL_MNEMONIC, i));
  return { rpcUrl, chainId, accounts, pid: child.pid!, stop };
}
