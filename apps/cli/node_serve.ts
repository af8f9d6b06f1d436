/**
 * `spml node serve` and `spml node keygen`: one spML server node (paper §3.2, protocol/live/server_node.ts)
 * in a process of its own, answering its calls and OpenAI's completions API over HTTP
 * (protocol/transport/http/server.ts), so that a devnet is processes talking over sockets.
 *
 * stdout is a log of JSON lines, for a parent process to read: the first is always
 *   {"event":"listening","id","url","publicKey","modelHash","stake",…}
 * (how the parent learns the port it asked the system to choose), then one line per request, and
 * {"event":"closed"} once SIGTERM or SIGINT has stopped it, with exit status 0.
 *
 * The key file holds the node's 32-byte Ed25519 secret as 64 hex digits (what `node keygen` writes,
 * readable by its owner only). --stake is what the node declares; the board's registry is what counts.
 */
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadModel, SHIPPED_MODELS, type SpmlModel } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import { defaultBackendName } from '../../lib/index.js';
import { keyFromSecret, randomKey } from '../../protocol/crypto.js';
import { ModelStore } from '../../protocol/inference.js';
import { contractSigner } from '../../protocol/chain/signer.js';
import { FileServedStore } from '../../protocol/live/served_store.js';
import { ServerNode } from '../../protocol/live/server_node.js';
import type { ServerStrategy } from '../../protocol/strategies.js';
import { serveHttp } from '../../protocol/transport/http/server.js';
import { int } from './argv.js';
import { loadFromFlags } from './load.js';

const OP = 'node serve';
/** What a network id may be (the messages' schema, protocol/messages/schema.ts). */
const NETWORK_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A strategy as written on the command line; a substitute's model is loaded when the node starts. */
type StrategyFlag = Exclude<ServerStrategy, { kind: 'substitute' | 'lazy' | 'colluding' }> | { kind: 'substitute'; model: string };

export interface NodeServeFlags {
  model: string;
  tokenizer?: string;
  key: string;
  stake: bigint;
  id?: string;
  port: number;
  host: string;
  networkId: string;
  state?: string;
  strategy: StrategyFlag;
  backend: string;
  /** A settlement contract to sign statements for: the chain key file, the chain id and the contract's address. */
  chainKey?: string;
  chainId?: number;
  contract?: string;
}

/** The declared stake: whole base units, at least 1 (a node with nothing at stake has nothing to lose). */
export const stake = (v: string): bigint => {
  if (!/^\+?\d+$/.test(v.trim()) || BigInt(v.trim()) < 1n) throw new InvalidArgumentError('stake must be a whole number of base units >= 1');
  return BigInt(v.trim());
};

export const networkId = (v: string): string => {
  if (!NETWORK_ID.test(v)) throw new InvalidArgumentError('network-id must be 1–64 characters of a-z 0-9 . _ - starting with a letter or digit');
  return v;
};

/**
 * honest | cheat | cheat-sometimes:<q> | substitute:<model>, where <model> is a shipped name, a .spml
 * file or a shipped model's hash. Coalition strategies need a private channel between nodes, which
 * separate processes do not have.
 */
export const strategy = (v: string): StrategyFlag => {
  const [kind, arg] = [v.split(':')[0], v.slice(v.indexOf(':') + 1)];
  if (v === 'honest' || v === 'cheat') return { kind: v };
  if (kind === 'cheat-sometimes' && v.includes(':')) {
    const q = /^(0|1|0?\.\d+|1\.0*)$/.test(arg) ? Number(arg) : NaN;
    if (q >= 0 && q <= 1) return { kind: 'cheat-sometimes', q };
    throw new InvalidArgumentError(`cheat-sometimes:<q> needs a probability q in [0, 1], got '${arg}'`);
  }
  if (kind === 'substitute' && v.includes(':') && arg !== '') return { kind: 'substitute', model: arg };
  throw new InvalidArgumentError(`strategy must be honest, cheat, cheat-sometimes:<q> or substitute:<model>, got '${v}'`);
};

/** The node's key from its key file; a file that anyone else can read is logged as a warning. */
function readKey(path: string, log: (event: Record<string, unknown>) => void) {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ParamError(OP, `cannot read the --key file '${path}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); spml node keygen --out <file> writes one`);
  }
  const key = keyFromSecret(text, OP, `--key ${path}`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) log({ event: 'warning', message: `the key file '${path}' can be read by others: chmod 600 it` });
  return key;
}

/** A substitute's model (a shipped name or a file, or the hash of a shipped model), checked against the served one. */
async function substituteModel(spec: string, served: SpmlModel, backend: string): Promise<SpmlModel> {
  const model = await findModel(spec, backend);
  if (model.hash === served.hash) throw new ParamError(OP, `substitute:${spec} is the model this node serves: substituting it changes nothing`);
  // A substitute answers the same requests, so it must do the same task: a cheaper model, not another kind.
  if (model.task !== served.task) throw new ParamError(OP, `substitute:${spec} is a ${model.kind} model for '${model.task}', and the node serves '${served.task}'`);
  return model;
}

async function findModel(spec: string, backend: string): Promise<SpmlModel> {
  if (!/^[0-9a-f]{64}$/.test(spec)) return loadModel(spec, { backend });
  for (const name of Object.keys(SHIPPED_MODELS)) {
    const m = await loadModel(name, { backend });
    if (m.hash === spec) return m;
  }
  throw new ParamError(OP, `substitute:${spec.slice(0, 16)}… is no shipped model's hash: give the model's name or file instead`);
}

/** Runs the node until SIGTERM or SIGINT; 0 once it has closed. */
export async function nodeServe(flags: NodeServeFlags): Promise<number> {
  const log = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + '\n');
  const key = readKey(flags.key, log);
  const model = await loadFromFlags(OP, flags);
  const store = new ModelStore();
  store.add(model);
  let resolved: ServerStrategy;
  if (flags.strategy.kind === 'substitute') {
    const cheap = store.add(await substituteModel(flags.strategy.model, model, flags.backend));
    resolved = { kind: 'substitute', modelHash: cheap.hash };
  } else resolved = flags.strategy;
  const id = flags.id ?? `node-${key.publicKey.slice(0, 8)}`;
  const node = new ServerNode({
    id,
    key,
    networkId: flags.networkId,
    model,
    store,
    strategy: resolved,
    ...(flags.state === undefined ? {} : { served: new FileServedStore(flags.state) }),
    ...(flags.chainKey === undefined ? {} : { chainSigner: chainSignerOf({ ...flags, chainKey: flags.chainKey }) }),
  });
  const server = await serveHttp(node.handle, {
    host: flags.host,
    port: flags.port,
    model,
    onRequest: (r) => log({ event: 'request', method: r.method, path: r.path, status: r.status, ms: Math.round(r.ms * 10) / 10 }),
  });
  log({ event: 'listening', id, url: server.url, publicKey: key.publicKey, modelHash: model.hash, stake: flags.stake.toString(), networkId: flags.networkId, model: model.name, strategy: resolved.kind });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s));
  });
  await server.close();
  log({ event: 'closed', signal });
  return 0;
}

/** The contract signer of --chain-key, --chain-id and --contract, which come together or not at all. */
function chainSignerOf(flags: NodeServeFlags & { chainKey: string }) {
  if (flags.chainId === undefined || flags.contract === undefined) throw new ParamError(OP, '--chain-key needs --chain-id and --contract: the signatures name the chain and the contract');
  if (!/^0x[0-9a-fA-F]{40}$/.test(flags.contract)) throw new ParamError(OP, `--contract must be a 0x address of 40 hex digits, got '${flags.contract}'`);
  let key: string;
  try {
    key = readFileSync(flags.chainKey, 'utf8').trim();
  } catch (e) {
    throw new ParamError(OP, `cannot read the --chain-key file '${flags.chainKey}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ParamError(OP, `the --chain-key file '${flags.chainKey}' must hold a 0x private key of 64 hex digits`);
  return contractSigner(key as `0x${string}`, flags.chainId, flags.contract as `0x${string}`);
}

/** Writes a fresh secret key, readable by its owner only; refuses to overwrite a key. */
export function nodeKeygen(flags: { out: string }): number {
  const key = randomKey();
  try {
    writeFileSync(flags.out, key.secretKey + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ParamError('node keygen', code === 'EEXIST' ? `'${flags.out}' exists: a key is never overwritten, choose another --out` : `cannot write '${flags.out}' (${code ?? (e as Error).message})`);
  }
  // The mode given to open() is masked by the umask; 0600 is what it must be whatever the umask.
  chmodSync(flags.out, 0o600);
  process.stdout.write(JSON.stringify({ event: 'keygen', out: flags.out, publicKey: key.publicKey }) + '\n');
  return 0;
}

export function registerNode(program: Command): void {
  const node = program
    .command('node')
    .description('run an spML server node in this process, over HTTP')
    // Without this, commander would name the top-level commands as the ones to choose from.
    .argument('[command]')
    .action((unknown?: string) => {
      const choose = `one of ${node.commands.map((c) => c.name()).join(', ')} (spml node --help describes them)`;
      throw new ParamError('node', unknown === undefined ? `missing command: ${choose}` : `unknown command '${unknown}': ${choose}`);
    });
  node
    .command('serve')
    .description('serve a model as an spML node: the protocol calls on POST /spml/<method>, OpenAI completions on /v1/completions; JSON lines on stdout, the first {"event":"listening",…}')
    .option('--model <name|file>', 'shipped model name, or a .spml, llama2.c (with --tokenizer) or GGUF file', 'moby-gpt')
    .option('--tokenizer <file>', 'with a llama2.c checkpoint for --model: its tokenizer file (tokenizer.bin)')
    .requiredOption('--key <file>', 'the node key: a 32-byte Ed25519 secret as 64 hex digits (spml node keygen writes one)')
    .requiredOption('--stake <n>', 'the stake this node declares, in base units (the board’s registry is authoritative)', stake)
    .option('--id <name>', 'the node id it reports (default node-<first 8 hex digits of its public key>)')
    .option('--port <n>', 'port to listen on; 0 lets the system choose (the listening line says which)', int('port', 0, 65535), 0)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--network-id <id>', 'the network its signed messages name', networkId, 'spml-local')
    .option('--state <dir>', 'remember served requests in this folder, so a restarted node can still attest and open them')
    .addOption(new Option('--strategy <s>', 'honest, cheat, cheat-sometimes:<q> or substitute:<model> (a shipped name, file or shipped hash)').argParser(strategy).default({ kind: 'honest' }, 'honest'))
    .option('--backend <name>', 'backend to run on (wasm where this runtime compiles WebAssembly SIMD, else cpu)', defaultBackendName())
    .option('--chain-key <file>', 'settle on a chain: this file holds the node’s 0x chain private key, which signs its statements for the contract')
    .option('--chain-id <n>', 'with --chain-key: the chain id the signatures name', int('chain-id', 1))
    .option('--contract <address>', 'with --chain-key: the settlement contract the signatures name')
    .action(async (flags: NodeServeFlags) => {
      process.exitCode = await nodeServe(flags);
    });
  node
    .command('keygen')
    .description('write a fresh node key (the secret as 64 hex digits, mode 0600) and print its public key')
    .requiredOption('--out <file>', 'the key file to write; an existing file is never overwritten')
    .action((flags: { out: string }) => {
      process.exitCode = nodeKeygen(flags);
    });
}
