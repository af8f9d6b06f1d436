/**
 * Execution traces: per-layer output hashes folded into a Merkle root
 * (engine/NUMERICS.md §2.2; tree hashing as in RFC 6962 §2.1).
 *
 *   leaf(i)  = SHA-256(0x00 || u16le(len(label)) || utf8(label) || tensorHash_i)
 *   node     = SHA-256(0x01 || left || right)
 *   MTH(D_n) = MTH(D[0:k]) and MTH(D[k:n]) joined by node, k the largest power of two < n
 *   MTH({})  = SHA-256("")
 * The 0x00/0x01 prefixes keep a leaf from ever being read as an inner node. Two parties that
 * disagree on the root can bisect their trees (`bisect`) to the first layer that differs,
 * exchanging O(log n) subtree roots instead of every layer.
 */
import { sha256 } from './sha256.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { ParamError } from './errors.js';
import { allocate } from './dtype.js';
import { hashData } from './hash.js';
import type { Tensor } from './tensor.js';

export interface TraceLeaf {
  readonly label: string;
  /** SHA-256 of the tensor's canonical bytes (hash.ts), hex. */
  readonly tensorHash: string;
}

export function leafHash(leaf: TraceLeaf): Uint8Array {
  const label = utf8ToBytes(leaf.label);
  if (label.length > 0xffff) throw new ParamError('trace', `label of ${label.length} bytes exceeds 65535`);
  const out = new Uint8Array(1 + 2 + label.length + 32);
  out[0] = 0x00;
  out[1] = label.length & 0xff;
  out[2] = label.length >>> 8;
  out.set(label, 3);
  out.set(hexToBytes(leaf.tensorHash), 3 + label.length);
  return sha256(out);
}

function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 0x01;
  out.set(left, 1);
  out.set(right, 33);
  return sha256(out);
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Merkle tree hash of the leaf hashes in [lo, hi). */
export function subtreeRoot(leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array {
  const n = hi - lo;
  if (n === 0) return sha256(new Uint8Array(0));
  if (n === 1) return leaves[lo]!;
  const k = largestPowerOfTwoBelow(n);
  return nodeHash(subtreeRoot(leaves, lo, lo + k), subtreeRoot(leaves, lo + k, hi));
}

export function merkleRoot(leaves: readonly TraceLeaf[]): string {
  return bytesToHex(subtreeRoot(leaves.map(leafHash)));
}

/** Audit path for leaf `index` (RFC 6962 §2.1.1), nearest sibling first. */
export function inclusionProof(leaves: readonly TraceLeaf[], index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new ParamError('inclusionProof', `index ${index} is outside [0, ${leaves.length})`);
  }
  const hashes = leaves.map(leafHash);
  const path: Uint8Array[] = [];
  const walk = (lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      walk(lo, lo + k);
      path.push(subtreeRoot(hashes, lo + k, hi));
    } else {
      walk(lo + k, hi);
      path.push(subtreeRoot(hashes, lo, lo + k));
    }
  };
  walk(0, hashes.length);
  return path.map(bytesToHex);
}

/** Check that `leaf` sits at `index` of a tree of `size` leaves whose root is `root`. */
export function verifyInclusion(leaf: TraceLeaf, index: number, size: number, proof: readonly string[], root: string): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= size) return false;
  // Recompute the root bottom-up, replaying the split decisions of subtreeRoot.
  const sides: boolean[] = []; // true: sibling is on the right
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      sides.push(true);
      hi = lo + k;
    } else {
      sides.push(false);
      lo = lo + k;
    }
  }
  if (sides.length !== proof.length) return false;
  let h = leafHash(leaf);
  for (let i = proof.length - 1, j = 0; i >= 0; i--, j++) {
    const sibling = hexToBytes(proof[j]!);
    h = sides[i] ? nodeHash(h, sibling) : nodeHash(sibling, h);
  }
  return bytesToHex(h) === root;
}

/**
 * First leaf at which two traces of equal length differ, found by descending into the leftmost
 * differing subtree, or -1 when they agree. `comparisons` counts the subtree roots compared,
 * which is what two parties would exchange in an interactive bisection.
 */
export function bisect(a: readonly TraceLeaf[], b: readonly TraceLeaf[]): { index: number; comparisons: number } {
  if (a.length !== b.length) throw new ParamError('bisect', `traces have ${a.length} and ${b.length} leaves`);
  const ha = a.map(leafHash);
  const hb = b.map(leafHash);
  let comparisons = 0;
  const same = (lo: number, hi: number): boolean => {
    comparisons++;
    return bytesToHex(subtreeRoot(ha, lo, hi)) === bytesToHex(subtreeRoot(hb, lo, hi));
  };
  let lo = 0;
  let hi = a.length;
  if (hi === 0 || same(lo, hi)) return { index: -1, comparisons };
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (!same(lo, lo + k)) hi = lo + k;
    else lo = lo + k;
  }
  return { index: lo, comparisons };
}

/**
 * Collects labelled layer outputs during a run. `add` starts the read-back at once (so the
 * caller may dispose the tensor afterwards) and `finish` hashes everything into the root.
 */
export class Trace {
  private readonly pending: { label: string; read: Promise<Uint8Array> }[] = [];

  add(label: string, t: Tensor): void {
    // Reject a disposed tensor now: a read that failed later would be an unhandled rejection.
    t.assertLive('trace');
    const { dtype, shape } = t;
    this.pending.push({ label, read: t.data().then((d) => hashData(dtype, shape, d)) });
  }

  /**
   * The leaf of `parts` stacked along a new first axis (one dtype and shape; as concat of each
   * reshaped to [1, ...shape] would give): the same hash, without running that concat, since the
   * stacked bytes are the parts' bytes one after another.
   */
  addStacked(label: string, parts: readonly Tensor[]): void {
    const first = parts[0];
    if (!first || parts.some((p) => p.dtype !== first.dtype || p.shape.join() !== first.shape.join())) {
      throw new ParamError('trace', `a stacked leaf needs one or more parts of one dtype and shape`);
    }
    for (const p of parts) p.assertLive('trace');
    const { dtype } = first;
    const shape = [parts.length, ...first.shape];
    const read = Promise.all(parts.map((p) => p.data())).then((datas) => {
      const all = allocate(dtype, first.size * parts.length);
      datas.forEach((d, i) => all.set(d, i * first.size));
      return hashData(dtype, shape, all);
    });
    this.pending.push({ label, read });
  }

  get length(): number {
    return this.pending.length;
  }

  async finish(): Promise<{ leaves: TraceLeaf[]; root: string }> {
    const leaves: TraceLeaf[] = [];
    for (const p of this.pending) leaves.push({ label: p.label, tensorHash: bytesToHex(await p.read) });
    return { leaves, root: merkleRoot(leaves) };
  }
}
