/**
 * One `spml node serve` child process of a devnet: started with its key file and state folder, its
 * listening line read to learn its URL, killed with SIGKILL to simulate a crash, restarted on the
 * same port from the same state folder, and stopped. Its stdout log is kept in <dir>/log.jsonl.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ParamError } from '../../engine/errors.js';

export interface NodeProcessSpec {
  readonly id: string;
  readonly model: string;
  readonly keyFile: string;
  readonly stake: bigint;
  readonly strategy: string;
  /** The node's own folder: its served-request store and its log. */
  readonly dir: string;
  readonly networkId: string;
  readonly backend?: string;
  /** Further `node serve` flags (a devnet on a chain passes the node's chain key and the contract). */
  readonly extraFlags?: readonly string[];
}

export interface Listening {
  readonly url: string;
  readonly publicKey: string;
  readonly modelHash: string;
}

/** How to run the spml CLI again in a child: the same Node, loader flags (tsx) and entry script. */
function cliCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: [...process.execArgv, process.argv[1]!] };
}

const START_TIMEOUT_MS = 60_000;

export class NodeProcess {
  private child: ChildProcess | undefined;
  private port = 0;
  private log: WriteStream | undefined;
  /** Set once the first start has printed its listening line. */
  listening: Listening | undefined;

  constructor(readonly spec: NodeProcessSpec) {}

  /** Started, listening, and not exited since. */
  private ready = false;

  get running(): boolean {
    return this.ready && this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process (on the port it had before, after a crash) and waits for its listening line. */
  async start(): Promise<Listening> {
    const s = this.spec;
    const { command, args } = cliCommand();
    const flags = ['node', 'serve', '--model', s.model, '--key', s.keyFile, '--stake', s.stake.toString(), '--id', s.id, '--port', String(this.port), '--state', s.dir, '--network-id', s.networkId, '--strategy', s.strategy];
    if (s.backend) flags.push('--backend', s.backend);
    flags.push(...(s.extraFlags ?? []));
    this.log ??= createWriteStream(join(s.dir, 'log.jsonl'), { flags: 'a' });
    const child = spawn(command, [...args, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    const lines = createInterface({ input: child.stdout! });
    child.once('exit', () => (this.ready = false));
    const listening = await new Promise<Listening>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ParamError('devnet', `node ${s.id} printed no listening line within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const early = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        reject(new ParamError('devnet', `node ${s.id} exited (${signal ?? code}) before listening: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      };
      child.once('exit', early);
      lines.on('line', (line) => {
        this.log!.write(line + '\n');
        try {
          const event = JSON.parse(line) as { event?: string; url?: string; publicKey?: string; modelHash?: string };
          if (event.event === 'listening') {
            clearTimeout(timer);
            child.off('exit', early);
            resolve({ url: event.url!, publicKey: event.publicKey!, modelHash: event.modelHash! });
          }
        } catch {
          // Not a JSON line: kept in the log only.
        }
      });
    });
    this.port = Number(new URL(listening.url).port);
    this.listening = listening;
    this.ready = true;
    return listening;
  }

  /** kill -9: the process dies at once, mid-call or not, with nothing flushed but what it fsynced. */
  crash(): void {
    this.ready = false;
    this.child?.kill('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  closeLog(): void {
    this.log?.end();
  }
}
