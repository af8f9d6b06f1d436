/**
 * Execution traces and their Merkle tree (engine/trace.ts, NUMERICS.md §2.2), checked against an
 * independent RFC 6962 / RFC 9162 implementation written here on node:crypto.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import {
  BackendError,
  ParamError,
  Trace,
  bisect,
  bytesToHex,
  canonicalBytes,
  concat,
  getBackend,
  hashTensor,
  inclusionProof,
  leafHash,
  merkleRoot,
  reshape,
  tensor,
  verifyInclusion,
  type TraceLeaf,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectSpmlError, thrown } from './expect_error.js';

const cpu = await getBackend('cpu');

// ---- Reference implementation ------------------------------------------------------------------

function sha(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function refLeaf(leaf: TraceLeaf): Uint8Array {
  const label = Buffer.from(leaf.label, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16LE(label.length);
  return sha(Uint8Array.of(0x00), len, label, Buffer.from(leaf.tensorHash, 'hex'));
}
const refNode = (l: Uint8Array, r: Uint8Array) => sha(Uint8Array.of(0x01), l, r);
/** Largest power of two strictly below n (n >= 2). */
const split = (n: number) => 2 ** (31 - Math.clz32(n - 1));

function refMth(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return sha(new Uint8Array(0));
  if (hashes.length === 1) return hashes[0]!;
  const k = split(hashes.length);
  return refNode(refMth(hashes.slice(0, k)), refMth(hashes.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]). */
function refPath(m: number, hashes: readonly Uint8Array[]): Uint8Array[] {
  if (hashes.length <= 1) return [];
  const k = split(hashes.length);
  return m < k
    ? [...refPath(m, hashes.slice(0, k)), refMth(hashes.slice(k))]
    : [...refPath(m - k, hashes.slice(k)), refMth(hashes.slice(0, k))];
}

/** RFC 9162 §2.1.3.2 inclusion verification (a different algorithm from the engine's). */
function refVerify(leaf: Uint8Array, index: number, size: number, path: readonly Uint8Array[], root: Uint8Array): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = refNode(p, r);
      if ((fn & 1) === 0) {
        while (!((fn & 1) === 1 || fn === 0)) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = refNode(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && toHex(r) === toHex(root);
}

// ---- Fixtures ------------------------------------------------------------------------------------

const rng = new Rng(0x7ace);
const LABELS = ['embed', 'layer.0.attn', 'ß∂ƒ', '', '層/1', 'x'.repeat(300)];
function randomHash(): string {
  return Array.from({ length: 8 }, () => rng.u32().toString(16).padStart(8, '0')).join('');
}
function makeLeaves(n: number): TraceLeaf[] {
  return Array.from({ length: n }, (_, i) => ({ label: `${LABELS[i % LABELS.length]!}#${i}`, tensorHash: randomHash() }));
}
function flipHex(h: string, at = 0): string {
  const digit = parseInt(h[at]!, 16) ^ 1;
  return h.slice(0, at) + digit.toString(16) + h.slice(at + 1);
}

// ---- Tests ------------------------------------------------------------------------------------------

describe('leaf hash', () => {
  it('is sha256(0x00 || u16le(len) || utf8 label || tensor hash)', () => {
    for (const leaf of makeLeaves(12)) expect(toHex(leafHash(leaf))).toBe(toHex(refLeaf(leaf)));
  });

  it('counts label length in UTF-8 bytes, up to 65535', () => {
    const label = 'é'.repeat(32767) + 'a'; // 65535 bytes
    const leaf = { label, tensorHash: randomHash() };
    expect(toHex(leafHash(leaf))).toBe(toHex(refLeaf(leaf)));
    const e = thrown(() => leafHash({ label: label + 'a', tensorHash: randomHash() }));
    expectSpmlError(e, ParamError, 'trace', ['65536 bytes', '65535']);
  });

  it('depends on the label and on the tensor hash', () => {
    const leaf = makeLeaves(1)[0]!;
    const h = toHex(leafHash(leaf));
    expect(toHex(leafHash({ ...leaf, label: leaf.label + ' ' }))).not.toBe(h);
    expect(toHex(leafHash({ ...leaf, tensorHash: flipHex(leaf.tensorHash, 63) }))).not.toBe(h);
  });
});

describe('merkle root', () => {
  it('of 0 leaves is sha256("")', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(merkleRoot([])).toBe(toHex(sha(new Uint8Array(0))));
  });

  it('of 1 leaf is the leaf hash itself', () => {
    const [leaf] = makeLeaves(1);
    expect(merkleRoot([leaf!])).toBe(toHex(refLeaf(leaf!)));
  });

  it.each([2, 3, 5, 8, 13, 16, 17, 33])('of %i leaves matches the reference RFC 6962 tree', (n) => {
    const leaves = makeLeaves(n);
    expect(merkleRoot(leaves)).toBe(toHex(refMth(leaves.map(refLeaf))));
  });

  it('of 2, 3 and 5 leaves, spelled out', () => {
    const ls = makeLeaves(5);
    const h = ls.map(refLeaf);
    const [h0, h1, h2, h3, h4] = h as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    expect(merkleRoot(ls.slice(0, 2))).toBe(toHex(refNode(h0, h1)));
    expect(merkleRoot(ls.slice(0, 3))).toBe(toHex(refNode(refNode(h0, h1), h2)));
    expect(merkleRoot(ls)).toBe(toHex(refNode(refNode(refNode(h0, h1), refNode(h2, h3)), h4)));
  });

  it('reproduces the test vector of NUMERICS.md §2.2', () => {
    const h = toHex(sha(canonicalBytes('int8', [], new Int8Array([-1]))));
    const root = merkleRoot(['a', 'b', 'c'].map((label) => ({ label, tensorHash: h })));
    expect(root).toBe('376c761fd7b23d203f801a04d933a07102d6b179b89280ab3a6c3b320e416e7f');
  });

  it('depends on the order of the leaves', () => {
    const ls = makeLeaves(4);
    expect(merkleRoot([ls[1]!, ls[0]!, ls[2]!, ls[3]!])).not.toBe(merkleRoot(ls));
  });
});

describe('inclusion proofs', () => {
  for (let n = 1; n <= 17; n++) {
    it(`every index of a tree of ${n} leaves`, () => {
      const leaves = makeLeaves(n);
      const root = merkleRoot(leaves);
      const rootBytes = Buffer.from(root, 'hex');
      const hashes = leaves.map(refLeaf);
      for (let i = 0; i < n; i++) {
        const leaf = leaves[i]!;
        const proof = inclusionProof(leaves, i);
        expect(proof).toEqual(refPath(i, hashes).map(toHex));
        expect(verifyInclusion(leaf, i, n, proof, root), `index ${i}`).toBe(true);
        expect(refVerify(refLeaf(leaf), i, n, proof.map((p) => Buffer.from(p, 'hex')), rootBytes)).toBe(true);

        // Wrong index (another position of the same tree, or one past the end).
        expect(verifyInclusion(leaf, (i + 1) % n === i ? n : (i + 1) % n, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, n, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaf, -1, n, proof, root)).toBe(false);
        // Tampered leaf: label or tensor hash.
        expect(verifyInclusion({ ...leaf, tensorHash: flipHex(leaf.tensorHash, 10) }, i, n, proof, root)).toBe(false);
        expect(verifyInclusion({ ...leaf, label: leaf.label + '!' }, i, n, proof, root)).toBe(false);
        // Tampered proof: each element in turn; a dropped or an extra element.
        for (let j = 0; j < proof.length; j++) {
          const bad = proof.map((p, q) => (q === j ? flipHex(p, 20) : p));
          expect(verifyInclusion(leaf, i, n, bad, root), `index ${i}, element ${j}`).toBe(false);
        }
        expect(verifyInclusion(leaf, i, n, [...proof, proof[0] ?? root], root)).toBe(false);
        if (proof.length > 0) expect(verifyInclusion(leaf, i, n, proof.slice(1), root)).toBe(false);
        // Tampered root.
        expect(verifyInclusion(leaf, i, n, proof, flipHex(root, 63))).toBe(false);
        // Wrong size: rejected whenever the tree shape around leaf i differs; like RFC 9162's
        // verifier, a size with the very same audit-path shape cannot be told apart from the
        // root alone, so the engine must agree with the reference verifier on every size.
        let rejectedSizes = 0;
        for (const m of [n - 1, n + 1, n + 2, 2 * n, 2 * n + 1]) {
          const got = verifyInclusion(leaf, i, m, proof, root);
          const ref = refVerify(refLeaf(leaf), i, m, proof.map((p) => Buffer.from(p, 'hex')), rootBytes);
          expect(got, `index ${i}, size ${m}`).toBe(ref);
          if (!got) rejectedSizes++;
        }
        expect(rejectedSizes).toBeGreaterThan(0);
      }
    });
  }

  it('a proof for one leaf does not prove another leaf at that index', () => {
    const leaves = makeLeaves(6);
    const root = merkleRoot(leaves);
    expect(verifyInclusion(leaves[3]!, 2, 6, inclusionProof(leaves, 2), root)).toBe(false);
  });

  it('a wrong size with a different path shape fails (n = 3, index 2, size 4)', () => {
    const leaves = makeLeaves(3);
    expect(verifyInclusion(leaves[2]!, 2, 4, inclusionProof(leaves, 2), merkleRoot(leaves))).toBe(false);
  });

  it('rejects an index outside the tree with ParamError', () => {
    const leaves = makeLeaves(4);
    for (const i of [-1, 4, 1.5, NaN]) {
      expectSpmlError(thrown(() => inclusionProof(leaves, i)), ParamError, 'inclusionProof', [`index ${i}`, '[0, 4)']);
    }
    expectSpmlError(thrown(() => inclusionProof([], 0)), ParamError, 'inclusionProof', ['[0, 0)']);
  });
});

describe('bisect', () => {
  const bound = (n: number) => Math.ceil(Math.log2(n)) + 1;

  it('returns -1 for equal traces with one comparison (none when empty)', () => {
    expect(bisect([], [])).toEqual({ index: -1, comparisons: 0 });
    for (const n of [1, 2, 7, 16]) {
      const a = makeLeaves(n);
      expect(bisect(a, a.map((l) => ({ ...l })))).toEqual({ index: -1, comparisons: 1 });
    }
  });

  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33]) {
    it(`finds every single changed leaf of ${n} within ceil(log2 n) + 1 comparisons`, () => {
      const a = makeLeaves(n);
      for (let i = 0; i < n; i++) {
        for (const change of ['hash', 'label'] as const) {
          const b = a.map((l) => ({ ...l }));
          b[i] = change === 'hash' ? { ...b[i]!, tensorHash: flipHex(b[i]!.tensorHash, 5) } : { ...b[i]!, label: b[i]!.label + '.' };
          const r = bisect(a, b);
          expect(r.index, `leaf ${i}`).toBe(i);
          expect(r.comparisons).toBeGreaterThanOrEqual(1);
          expect(r.comparisons).toBeLessThanOrEqual(bound(n));
          expect(bisect(b, a).index).toBe(i);
        }
      }
    });
  }

  it('reports the first of several changed leaves', () => {
    const local = new Rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const n = local.int(2, 40);
      const a = makeLeaves(n);
      const b = a.map((l) => ({ ...l }));
      const changed = new Set<number>();
      const count = local.int(2, Math.min(n, 6));
      while (changed.size < count) changed.add(local.int(0, n - 1));
      for (const i of changed) b[i] = { ...b[i]!, tensorHash: flipHex(b[i]!.tensorHash, 30) };
      const r = bisect(a, b);
      expect(r.index, `n ${n}, changed ${[...changed].join(',')}`).toBe(Math.min(...changed));
      expect(r.comparisons).toBeLessThanOrEqual(bound(n));
    }
  });

  it('everything changed reports leaf 0', () => {
    const a = makeLeaves(9);
    expect(bisect(a, makeLeaves(9)).index).toBe(0);
  });

  it('rejects traces of different lengths with ParamError', () => {
    expectSpmlError(thrown(() => bisect(makeLeaves(3), makeLeaves(4))), ParamError, 'bisect', ['3', '4']);
  });
});

describe('Trace', () => {
  it('add then finish gives the leaves and the root of merkleRoot over hand-hashed leaves', async () => {
    const tensors = [
      tensor(cpu, [1, 2, 3], [3], 'int8'),
      tensor(cpu, [-1, 30000, 7, 8], [2, 2], 'int16'),
      tensor(cpu, [2 ** 31 - 1], [], 'int32'),
      tensor(cpu, [], [0, 4], 'int8'),
      tensor(cpu, [5, 6], [1, 2], 'int32', { multiplier: 3, shift: 4 }),
    ];
    const labels = ['embed', 'attn', 'scalar', 'empty', 'logits'];
    const trace = new Trace();
    tensors.forEach((t, i) => trace.add(labels[i]!, t));
    expect(trace.length).toBe(5);
    const { leaves, root } = await trace.finish();
    const expectedLeaves = tensors.map((t, i) => ({ label: labels[i]!, tensorHash: toHex(sha(canonicalBytes(t.dtype, t.shape, t.dataSync()))) }));
    expect(leaves).toEqual(expectedLeaves);
    for (const [i, t] of tensors.entries()) expect(leaves[i]!.tensorHash).toBe(await hashTensor(t));
    expect(root).toBe(merkleRoot(expectedLeaves));
    expect(root).toBe(toHex(refMth(expectedLeaves.map(refLeaf))));
  });

  it('an empty trace has the empty root', async () => {
    const { leaves, root } = await new Trace().finish();
    expect(leaves).toEqual([]);
    expect(root).toBe(toHex(sha(new Uint8Array(0))));
  });

  it('add snapshots the data at call time', async () => {
    const t = tensor(cpu, [1, 2, 3, 4], [4], 'int8');
    const before = await hashTensor(t);
    const trace = new Trace();
    trace.add('x', t);
    // Tensors are immutable through the API; write into the cpu storage behind it to prove that
    // the value traced is the one at add() time, not at finish() time.
    (t.storage as Int8Array)[0] = 99;
    expect(await hashTensor(t)).not.toBe(before);
    const { leaves } = await trace.finish();
    expect(leaves[0]!.tensorHash).toBe(before);
  });

  it('the tensor may be disposed after add', async () => {
    const t = tensor(cpu, [9, 8], [2], 'int16');
    const h = await hashTensor(t);
    const trace = new Trace();
    trace.add('x', t);
    t.dispose();
    expect((await trace.finish()).leaves[0]!.tensorHash).toBe(h);
  });

  it('adding a disposed tensor throws BackendError at once', () => {
    const t = tensor(cpu, [1], [1], 'int8');
    t.dispose();
    const trace = new Trace();
    expectSpmlError(thrown(() => trace.add('x', t)), BackendError, 'trace', ['disposed']);
    expect(trace.length).toBe(0);
  });

  it('a stacked leaf hashes as the concat of its parts along a new first axis, which it does not run', async () => {
    const parts = [tensor(cpu, [1, -2, 3, -4, 5, -6], [2, 1, 3], 'int8'), tensor(cpu, [7, 8, 9, 10, 11, 12], [2, 1, 3], 'int8'), tensor(cpu, [0, 0, 0, 0, 0, -128], [2, 1, 3], 'int8')];
    const stacked = concat(parts.map((p) => reshape(p, [1, ...p.shape])), 0);
    const trace = new Trace();
    trace.addStacked('kv', parts);
    expect((await trace.finish()).leaves).toEqual([{ label: 'kv', tensorHash: await hashTensor(stacked) }]);
    const mixed = [parts[0]!, tensor(cpu, [1, 2, 3], [1, 3], 'int8')];
    expectSpmlError(thrown(() => new Trace().addStacked('kv', mixed)), ParamError, 'trace', ['one dtype and shape']);
    expectSpmlError(thrown(() => new Trace().addStacked('kv', [])), ParamError, 'trace', ['one dtype and shape']);
  });

  it('bytesToHex is lowercase hex', () => {
    expect(bytesToHex(Uint8Array.of(0, 0xab, 0xff))).toBe('00abff');
  });
});
