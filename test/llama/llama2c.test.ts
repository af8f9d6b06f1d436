/**
 * The llama2.c checkpoint reader (engine/format/llama2c.ts; format in
 * shared/models/stories260K/README.md): shared and separate classifiers, the [out, in] → [in, out]
 * transposition, a typed ModelFormatError for each kind of corrupt file, and a fuzz of 10^4
 * seeded mutations that must each read or fail with a ModelFormatError, never anything else.
 */
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../engine/errors.js';
import { readLlama2c } from '../../engine/format/llama2c.js';
import { Rng } from '../../tools/data/rng.js';

interface Dims {
  dim: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  seq: number;
}
const SMALL: Dims = { dim: 8, hidden: 12, layers: 2, heads: 2, kvHeads: 1, vocab: 16, seq: 8 };

/** A llama2.c file whose float k (counting from the first array) is k / 1024. */
function synth(d: Dims, separate: boolean): Uint8Array {
  const hs = d.dim / d.heads;
  const kv = d.kvHeads * hs;
  const L = d.layers;
  const counts = [d.vocab * d.dim, L * d.dim, L * d.dim * d.dim, L * kv * d.dim, L * kv * d.dim, L * d.dim * d.dim, L * d.dim, L * d.hidden * d.dim, L * d.dim * d.hidden, L * d.hidden * d.dim, d.dim, d.seq * hs];
  if (separate) counts.push(d.vocab * d.dim);
  const n = counts.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(28 + 4 * n);
  const view = new DataView(bytes.buffer);
  [d.dim, d.hidden, d.layers, d.heads, d.kvHeads, separate ? -d.vocab : d.vocab, d.seq].forEach((v, i) => view.setInt32(4 * i, v, true));
  for (let k = 0; k < n; k++) view.setFloat32(28 + 4 * k, k / 1024, true);
  return bytes;
}

function formatError(f: () => unknown): ModelFormatError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return e as ModelFormatError;
  }
  throw new Error('no error');
}

describe('readLlama2c', () => {
  it('reads a shared-classifier file, transposing matrices to [in, out]', () => {
    const ck = readLlama2c(synth(SMALL, false));
    expect(ck.config).toMatchObject({ arch: 'llama', vocabSize: 16, width: 8, kvHeads: 1, sharedClassifier: true });
    expect(ck.tensors.has('head')).toBe(false);
    // wq of layer 0 starts after the embedding (128 floats) and the attention norms (16 floats):
    // file element [out=1, in=0] is float 144 + 1·8, and lands at [in=0, out=1].
    const wq = ck.tensors.get('h0.attn.wq')!;
    expect(wq.shape).toEqual([8, 8]);
    expect(wq.data[1]).toBe((144 + 8) / 1024);
    expect(ck.tensors.get('h1.attn_norm')!.data[0]).toBe((128 + 8) / 1024);
  });

  it('reads a separate classifier when vocab_size is negative', () => {
    const bytes = synth(SMALL, true);
    const ck = readLlama2c(bytes);
    expect(ck.config).toMatchObject({ vocabSize: 16, sharedClassifier: false });
    const head = ck.tensors.get('head')!;
    expect(head.shape).toEqual([16, 8]);
    expect(head.data[head.data.length - 1]).toBe(new DataView(bytes.buffer).getFloat32(bytes.length - 4, true));
  });

  it('says what is wrong with a corrupt file', () => {
    const good = synth(SMALL, false);
    expect(formatError(() => readLlama2c(good.subarray(0, 20))).message).toMatch(/truncated/);
    expect(formatError(() => readLlama2c(good.subarray(0, good.length - 4))).message).toMatch(/truncated/);
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(formatError(() => readLlama2c(longer)).message).toMatch(/wrong size/);
    const header = (i: number, v: number) => {
      const b = good.slice();
      new DataView(b.buffer).setInt32(4 * i, v, true);
      return b;
    };
    expect(formatError(() => readLlama2c(header(0, -8))).message).toMatch(/bad header: dim/);
    expect(formatError(() => readLlama2c(header(5, 0))).message).toMatch(/bad header: vocab_size/);
    expect(formatError(() => readLlama2c(header(3, 3))).message).toMatch(/inconsistent shapes: heads 3/);
    expect(formatError(() => readLlama2c(header(4, 3))).message).toMatch(/inconsistent shapes: kvHeads 3/);
    const nan = good.slice();
    new DataView(nan.buffer).setFloat32(28, NaN, true);
    expect(formatError(() => readLlama2c(nan)).message).toMatch(/non-finite value in token embedding\[0\]/);
  });

  it('fuzz: 10^4 seeded mutations read or throw ModelFormatError, nothing else', () => {
    const rng = new Rng(20261206);
    const bases = [synth(SMALL, false), synth(SMALL, true), synth({ dim: 4, hidden: 3, layers: 1, heads: 1, kvHeads: 1, vocab: 3, seq: 2 }, false)];
    let read = 0;
    let typed = 0;
    for (let i = 0; i < 10_000; i++) {
      const base = bases[rng.int(0, bases.length - 1)]!;
      let b = base.slice();
      const kind = rng.int(0, 4);
      if (kind === 0) {
        for (let n = rng.int(1, 4); n > 0; n--) b[rng.int(0, 27)] = rng.int(0, 255);
      } else if (kind === 1) {
        new DataView(b.buffer).setInt32(4 * rng.int(0, 6), rng.int(-(2 ** 31), 2 ** 31 - 1), true);
      } else if (kind === 2) {
        new DataView(b.buffer).setInt32(4 * rng.int(0, 6), rng.int(-3, 70), true);
      } else if (kind === 3) {
        b = b.subarray(0, rng.int(0, b.length));
      } else {
        for (let n = rng.int(1, 8); n > 0; n--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      }
      try {
        readLlama2c(b);
        read++;
      } catch (e) {
        if (!(e instanceof ModelFormatError)) throw new Error(`mutation ${i} (kind ${kind}) threw ${String(e)}`);
        typed++;
      }
    }
    expect(read + typed).toBe(10_000);
    expect(read).toBeGreaterThan(100);
    expect(typed).toBeGreaterThan(1000);
  });
});
