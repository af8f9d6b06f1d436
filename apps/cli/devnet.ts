/**
 * `spml devnet --servers 8 --rounds 200`: starts the server processes (apps/devnet/devnet.ts), plays
 * the rounds with a progress bar and the time left on stderr, prints the report (rounds, challenges,
 * disputes, slashes, faults, rounds/s, latency percentiles) and stops everything it started, Ctrl-C
 * included. Exit status 1 when a fault run's checks fail (a round without a verdict, conservation
 * broken, an honest server slashed), so a script can rely on it.
 */
import type { Command } from 'commander';
import { runDevnet, type DevnetProgress } from '../../apps/devnet/devnet.js';
import { reportText, type DevnetReport } from '../../apps/devnet/report.js';
import { int, num } from './argv.js';
import { formatDuration } from './format_result.js';

interface DevnetFlags {
  servers: number;
  rounds: number;
  model: string;
  p: number;
  validators: number;
  concurrency: number;
  cheaters: number;
  faults: number;
  seed: number;
  maxTokens: number;
  keep?: boolean;
  json?: boolean;
  chain?: boolean;
  roundsOut?: string;
  backend?: string;
}

const BAR = 30;
const LOG_EVERY_MS = 5000;

function progressBar(): (p: DevnetProgress) => void {
  const tty = process.stderr.isTTY === true;
  let last = -Infinity;
  return (p) => {
    const final = p.done === p.total;
    if (!final && p.elapsedMs - last < (tty ? 200 : LOG_EVERY_MS)) return;
    last = p.elapsedMs;
    const filled = Math.round((BAR * p.done) / p.total);
    const rate = p.done / Math.max(p.elapsedMs / 1000, 1e-3);
    const left = final ? `done in ${formatDuration(p.elapsedMs)}` : `about ${formatDuration(((p.total - p.done) / rate) * 1000)} left`;
    const line = `devnet: [${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${p.done}/${p.total} rounds, ${rate.toFixed(1)} rounds/s, ${p.disputes} disputes, ${p.faults} faults, ${left}`;
    process.stderr.write(tty ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  };
}

const json = (r: DevnetReport) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);

/** Whether a run passed the fault run's checks. */
export const devnetHealthy = (r: DevnetReport) => r.failedRounds === 0 && r.conservation && r.slashes.honestSlashed.length === 0;

async function devnetCommand(f: DevnetFlags): Promise<number> {
  // Ctrl-C: no new rounds; those in flight settle, then every server is stopped. A second one exits now.
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    process.stderr.write('\ndevnet: stopping after the rounds in flight (Ctrl-C again to quit now)\n');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  const report = await runDevnet({
    signal: stop.signal,
    servers: f.servers,
    rounds: f.rounds,
    model: f.model,
    p: String(f.p),
    validators: f.validators,
    concurrency: f.concurrency,
    cheaters: f.cheaters,
    faultRate: f.faults,
    seed: f.seed,
    maxTokens: f.maxTokens,
    ...(f.keep ? { keep: true } : {}),
    ...(f.backend ? { backend: f.backend } : {}),
    ...(f.chain ? { chain: true } : {}),
    ...(f.roundsOut ? { roundsOut: f.roundsOut } : {}),
    onProgress: progressBar(),
    onStarted: ({ dir, nodes }) => process.stderr.write(`devnet: ${nodes.length} servers listening (${nodes.map((n) => new URL(n.url).port).join(', ')}), state in ${dir}\n`),
  });
  process.off('SIGINT', onSigint);
  process.stdout.write((f.json ? json(report) : reportText(report)) + '\n');
  return devnetHealthy(report) ? 0 : 1;
}

export function registerDevnet(program: Command): void {
  program
    .command('devnet')
    .description('start spML server processes on 127.0.0.1, play rounds between them over HTTP (with injected faults if asked), print a report and stop them')
    .option('--servers <n>', 'server processes to start', int('servers', 2, 64), 8)
    .option('--rounds <n>', 'rounds to play', int('rounds', 1), 200)
    .option('--model <name|file>', 'shipped model name or .spml file every server serves', 'moby-gpt')
    .option('--max-tokens <n>', 'tokens per request, for a language model', int('max-tokens', 1), 8)
    .option('--p <p>', 'challenge probability', num('p', 'in [0, 1]', (x) => x >= 0 && x <= 1), 0.2)
    .option('--validators <n>', 'validators per challenged round', int('validators', 1), 1)
    .option('--concurrency <n>', 'rounds in flight at once', int('concurrency', 1, 256), 4)
    .option('--cheaters <n>', 'servers that answer without computing (node-0 …), so that disputes happen', int('cheaters', 0), 1)
    .option('--faults <rate>', 'probability that a fault (crash, delay, drop, lost reply, partition) hits a server as a round starts', num('faults', 'in [0, 1]', (x) => x >= 0 && x <= 1), 0)
    .option('--seed <n>', 'seed of the request ids, secrets and faults', int('seed', 0), 1)
    .option('--backend <name>', 'backend every server and the board run on')
    .option('--chain', 'settle on an EVM: start anvil, deploy the spML contract, and settle every round there')
    .option('--rounds-out <file>', 'also write every round\'s report to this file, one JSON line each')
    .option('--keep', 'keep the work folder (keys, state, logs of each server)')
    .option('--json', 'print the report as JSON')
    .action(async (f: DevnetFlags) => {
      process.exitCode = await devnetCommand(f);
    });
}
