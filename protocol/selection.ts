/**
 * Stake-weighted random choice of servers (PoSP §2.1 steps 1 and 3: "a node is randomly selected … to
 * serve as an asserter"; "n validators are randomly selected"; spML §3.2 steps 1 and 3).
 *
 * Validators are drawn without replacement, each draw choosing a remaining node with probability
 * stake / (total remaining stake) — successive sampling, the usual meaning of stake-weighted selection
 * (a node with twice the stake is twice as likely to be picked first). The asserter is never eligible,
 * since a server cannot audit itself, and zero-stake nodes are never picked: they would have nothing to
 * lose (§2.2's penalty S needs a stake behind it).
 *
 * The draw is a pure function of a seed. In the network the validator seed is selectionSeed(drawSeed,
 * requestId), drawSeed (challenge.ts) mixing the user's committed secret, A's signed response digest and
 * the round's beacon, so once the reveal and the beacon are public any node can re-run the selection and
 * check that the B a user asked was the B the protocol chose (§3.2 steps 7–8); before them nobody, A
 * included, can tell who B will be, and the user cannot steer it by grinding its secret. Randomness comes from SHA-256 in counter mode, and uniform integers below a
 * bound from rejection sampling, so there is no modulo bias and the result is exact for any bigint stakes.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { isHex, sha256Hex } from './crypto.js';
import { ProtocolParamError } from './errors.js';

/** A server and the stake (base units) it has locked. */
export interface StakedNode {
  readonly id: string;
  readonly stake: bigint;
}

function checkHex32(op: string, name: string, value: unknown): asserts value is string {
  if (!isHex(value, 32)) throw new ProtocolParamError(op, name, 'must be 32 bytes as 64 lowercase hex digits');
}

/**
 * Seed for validator selection in round `requestId`: H("spml/v1/select" ‖ secret ‖ requestId). The network
 * passes the round's drawSeed as `secret`; on the user's bare secret it is grindable by the user.
 */
export function selectionSeed(secret: string, requestId: string): string {
  checkHex32('selectionSeed', 'secret', secret);
  checkHex32('selectionSeed', 'requestId', requestId);
  return sha256Hex('spml/v1/select\n', hexToBytes(secret), hexToBytes(requestId));
}

/**
 * Seed for the user's choice of asserter: H("spml/v1/asserter" ‖ requestId). The user picks the request
 * id, so it can steer this choice by trying ids; that is harmless because a rational user does not
 * collude with a server (§3.3 Property 2), and it spares the user from needing any other randomness.
 */
export function asserterSeed(requestId: string): string {
  checkHex32('asserterSeed', 'requestId', requestId);
  return sha256Hex('spml/v1/asserter\n', hexToBytes(requestId));
}

/** A deterministic stream of uniform integers from a 32-byte seed (SHA-256 in counter mode). */
export class HashStream {
  private readonly seed: Uint8Array;
  private counter = 0;

  constructor(seed: string) {
    checkHex32('HashStream', 'seed', seed);
    this.seed = hexToBytes(seed);
  }

  /** A uniform integer in [0, n), 1 ≤ n ≤ 2^256: 256-bit blocks masked to n's bit length, redrawn when ≥ n. */
  uniformBelow(n: bigint): bigint {
    if (n < 1n || n > 1n << 256n) throw new ProtocolParamError('HashStream.uniformBelow', 'n', `${n} is outside [1, 2^256]`);
    const mask = (1n << BigInt((n - 1n).toString(2).length)) - 1n;
    for (;;) {
      const block = new Uint8Array(8);
      new DataView(block.buffer).setBigUint64(0, BigInt(this.counter++));
      const r = BigInt('0x' + sha256Hex('spml/v1/stream\n', this.seed, block)) & mask;
      if (r < n) return r;
    }
  }
}

/** Nodes in id order, checked: distinct ids and non-negative bigint stakes. */
function sortedNodes(op: string, nodes: readonly StakedNode[]): StakedNode[] {
  if (!Array.isArray(nodes)) throw new ProtocolParamError(op, 'nodes', 'must be an array of { id, stake }');
  const seen = new Set<string>();
  for (const [i, n] of nodes.entries()) {
    if (typeof n?.id !== 'string' || n.id === '') throw new ProtocolParamError(op, `nodes[${i}].id`, 'must be a non-empty string');
    if (typeof n.stake !== 'bigint' || n.stake < 0n) throw new ProtocolParamError(op, `nodes[${i}].stake`, `must be a bigint ≥ 0, got ${String(n.stake)}`);
    if (seen.has(n.id)) throw new ProtocolParamError(op, `nodes[${i}].id`, `'${n.id}' appears twice`);
    seen.add(n.id);
  }
  // Sorting makes the result independent of the order the caller listed the nodes in.
  return [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * `count` distinct node ids drawn by stake without replacement, never one in `exclude` and never a
 * zero-stake node. Throws ProtocolParamError naming `count` when fewer eligible nodes exist.
 */
export function weightedSample(nodes: readonly StakedNode[], count: number, seed: string, exclude: readonly string[] = [], op = 'weightedSample'): string[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new ProtocolParamError(op, 'count', `${count} must be a non-negative integer`);
  const excluded = new Set(exclude);
  const pool = sortedNodes(op, nodes).filter((n) => n.stake > 0n && !excluded.has(n.id));
  if (pool.length < count) {
    throw new ProtocolParamError(op, 'count', `${count} nodes wanted but only ${pool.length} have stake and are eligible (of ${nodes.length}, ${excluded.size} excluded)`);
  }
  const stream = new HashStream(seed);
  let total = pool.reduce((s, n) => s + n.stake, 0n);
  const picked: string[] = [];
  while (picked.length < count) {
    let r = stream.uniformBelow(total);
    const i = pool.findIndex((n) => (r -= n.stake) < 0n);
    const [node] = pool.splice(i, 1);
    picked.push(node!.id);
    total -= node!.stake;
  }
  return picked;
}

/** PoSP §2.1 step 3 / spML §3.2 step 3: `count` validators (B in spML, count 1), never the asserter. */
export function selectValidators(nodes: readonly StakedNode[], options: { readonly asserter: string; readonly count: number; readonly seed: string }): string[] {
  return weightedSample(nodes, options.count, options.seed, [options.asserter], 'selectValidators');
}

/** PoSP §2.1 step 1 / spML §3.2 step 1: the asserter A, by stake. */
export function selectAsserter(nodes: readonly StakedNode[], seed: string): string {
  return weightedSample(nodes, 1, seed, [], 'selectAsserter')[0]!;
}
