/**
 * Compiles the spML settlement contract (SpmlSettlement.sol) with solc-js, pinned to one compiler
 * version: the bytecode, and with it every gas figure and the deployed address's code, depends on it,
 * so a different solc is refused rather than used. Standard JSON, optimizer on, EVM version cancun
 * (transient storage for the re-entrancy guard).
 *
 * In-process callers (tests, the bench, the client) get results cached in memory per source text.
 * `npm run build:contracts` (also the last step of `npm run build`) writes dist/chain/SpmlSettlement.json;
 * settlementArtifact() uses that file when it was built from the same source with the same compiler
 * and settings, and compiles otherwise. solc (8 MB of emscripten) is loaded only to compile.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Abi, Hex } from 'viem';
import { ProtocolParamError } from '../errors.js';

/** The only solc release this contract is compiled with. */
export const SOLC_VERSION = '0.8.30';
export const EVM_VERSION = 'cancun';
export const OPTIMIZER_RUNS = 200;

export interface ContractArtifact {
  readonly contractName: string;
  readonly abi: Abi;
  /** Creation bytecode, 0x-prefixed. */
  readonly bytecode: Hex;
  /** Runtime bytecode, 0x-prefixed (its length is what EIP-170 limits to 24 576 bytes). */
  readonly deployedBytecode: Hex;
  readonly solcVersion: string;
  readonly evmVersion: string;
  readonly optimizerRuns: number;
  /** SHA-256 of the source text compiled. */
  readonly sourceHash: string;
}

interface Solc {
  version(): string;
  compile(input: string): string;
}

let solcModule: Solc | undefined;
/** solc-js, loaded on first use. */
function solc(): Solc {
  solcModule ??= createRequire(import.meta.url)('solc') as Solc;
  return solcModule;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The package root: two folders up from protocol/chain, three from dist/protocol/chain. */
const root = [path.join(here, '..', '..'), path.join(here, '..', '..', '..')].find((p) => existsSync(path.join(p, 'package.json'))) ?? path.join(here, '..', '..');

/** Where npm run build writes the settlement's artifact. */
export const SETTLEMENT_ARTIFACT_PATH = path.join(root, 'dist', 'chain', 'SpmlSettlement.json');

/** SpmlSettlement.sol in the source tree (also when this module runs from dist/protocol/chain), or undefined in a package that ships only dist. */
function findSettlementSource(): string | undefined {
  return [path.join(here, 'SpmlSettlement.sol'), path.join(root, 'protocol', 'chain', 'SpmlSettlement.sol')].find((p) => existsSync(p));
}

export function settlementSourcePath(): string {
  const found = findSettlementSource();
  if (found === undefined) throw new ProtocolParamError('compileSettlement', 'source', `SpmlSettlement.sol not found beside ${here} or under ${root}/protocol/chain`);
  return found;
}

/** The loaded solc's version, refusing any but SOLC_VERSION. */
export function checkedSolcVersion(version: string = solc().version()): string {
  const release = version.split('+')[0];
  if (release !== SOLC_VERSION)
    throw new ProtocolParamError('compileContracts', 'solc', `solc ${version} is loaded but the contract is pinned to ${SOLC_VERSION}: install solc@${SOLC_VERSION}`);
  return version;
}

interface SolcMessage {
  readonly severity: 'error' | 'warning' | 'info';
  readonly formattedMessage: string;
}

interface SolcOutput {
  readonly errors?: readonly SolcMessage[];
  readonly contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

const cache = new Map<string, Record<string, ContractArtifact>>();

/**
 * Every contract of the Solidity file at `sourcePath` (which imports nothing), by name. Compile errors
 * throw, with solc's messages; warnings are refused too, so that the contract stays warning-free.
 */
export function compileContracts(sourcePath: string): Record<string, ContractArtifact> {
  const content = readFileSync(sourcePath, 'utf8');
  const sourceHash = sha256(content);
  const hit = cache.get(sourceHash);
  if (hit) return hit;
  const solcVersion = checkedSolcVersion();
  const name = path.basename(sourcePath);
  const input = {
    language: 'Solidity',
    sources: { [name]: { content } },
    settings: {
      optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const output = JSON.parse(solc().compile(JSON.stringify(input))) as SolcOutput;
  const problems = (output.errors ?? []).filter((e) => e.severity !== 'info');
  if (problems.length > 0) throw new ProtocolParamError('compileContracts', 'source', `solc ${solcVersion} on ${name}:\n${problems.map((e) => e.formattedMessage).join('\n')}`);
  const out: Record<string, ContractArtifact> = {};
  for (const [contractName, c] of Object.entries(output.contracts?.[name] ?? {})) {
    out[contractName] = Object.freeze({
      contractName,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}` as Hex,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}` as Hex,
      solcVersion,
      evmVersion: EVM_VERSION,
      optimizerRuns: OPTIMIZER_RUNS,
      sourceHash,
    });
  }
  cache.set(sourceHash, out);
  return out;
}

/** One contract of SpmlSettlement.sol: the settlement itself by default, or the draw's test harness. */
export function compileSettlement(contractName: 'SpmlSettlement' | 'SpmlDrawHarness' = 'SpmlSettlement'): ContractArtifact {
  const artifact = compileContracts(settlementSourcePath())[contractName];
  if (artifact === undefined) throw new ProtocolParamError('compileSettlement', 'contractName', `no contract ${contractName} in SpmlSettlement.sol`);
  return artifact;
}

let artifactCache: ContractArtifact | undefined;

/**
 * The settlement's artifact: dist/chain/SpmlSettlement.json when it was built from the current source
 * by the pinned solc with the same settings (or when the source is not there, as in a published
 * package), else compiled now. What a client deploys by default.
 */
export function settlementArtifact(): ContractArtifact {
  if (artifactCache) return artifactCache;
  const source = findSettlementSource();
  if (existsSync(SETTLEMENT_ARTIFACT_PATH)) {
    const built = JSON.parse(readFileSync(SETTLEMENT_ARTIFACT_PATH, 'utf8')) as ContractArtifact;
    const fresh =
      built.solcVersion?.split('+')[0] === SOLC_VERSION &&
      built.evmVersion === EVM_VERSION &&
      built.optimizerRuns === OPTIMIZER_RUNS &&
      (source === undefined || built.sourceHash === sha256(readFileSync(source, 'utf8')));
    if (fresh) return (artifactCache = Object.freeze(built));
  }
  return (artifactCache = compileSettlement());
}

/** Writes the settlement's artifact as JSON (npm run build:contracts: dist/chain/SpmlSettlement.json). */
export function writeSettlementArtifact(outFile: string): ContractArtifact {
  const artifact = compileSettlement();
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(artifact, null, 2)}\n`);
  return artifact;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outFile = path.resolve(process.argv[2] ?? 'dist/chain/SpmlSettlement.json');
  const a = writeSettlementArtifact(outFile);
  process.stdout.write(`${a.contractName}: solc ${a.solcVersion}, runtime ${(a.deployedBytecode.length - 2) / 2} bytes -> ${path.relative(process.cwd(), outFile)}\n`);
}
