/**
 * engine/format/llama2c_tokenizer.ts: each way a llama2.c tokenizer file can be malformed is a
 * ModelFormatError naming it, and 10,000 seeded mutations of tok512.bin (bit flips, byte edits,
 * truncations, insertions, deletions, duplicated ranges, appended bytes, and edits of the
 * max_token_length, score and length fields) either load, and then encode and decode without
 * error, or throw ModelFormatError with an offset inside the file: no other exception, no slow
 * case. Counts by mutation kind and outcome are printed.
 */
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../engine/errors.js';
import { readLlama2cTokenizer, readLlama2cVocabulary } from '../../engine/format/llama2c_tokenizer.js';
import { Rng } from '../../tools/data/rng.js';
import { tok512Bytes } from './helpers.js';

const ORIGINAL = tok512Bytes();
const CASES = 10_000;
const SLOW_MS = 250;

/** Byte offset of each token's score field (its length field is 4 later). */
const ENTRY_AT: number[] = (() => {
  const view = new DataView(ORIGINAL.buffer, ORIGINAL.byteOffset, ORIGINAL.byteLength);
  const at: number[] = [];
  for (let o = 4; o < ORIGINAL.length; o += 8 + view.getInt32(o + 4, true)) at.push(o);
  return at;
})();

function withInt32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setInt32(at, value, true);
  return out;
}

function withFloat32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setFloat32(at, value, true);
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** A token's bytes replaced by `text` (length field updated). */
function withText(id: number, text: Uint8Array): Uint8Array {
  const at = ENTRY_AT[id]!;
  const len = new DataView(ORIGINAL.buffer, ORIGINAL.byteOffset).getInt32(at + 4, true);
  const head = withInt32(ORIGINAL.subarray(0, at + 8).slice(), at + 4, text.length);
  return concat(head, text, ORIGINAL.subarray(at + 8 + len));
}

function expectFormatError(bytes: Uint8Array, message: RegExp, options?: { vocabSize?: number }): void {
  let thrown: unknown;
  try {
    readLlama2cTokenizer(bytes, options);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ModelFormatError);
  expect((thrown as ModelFormatError).message).toMatch(message);
  expect((thrown as ModelFormatError).op).toBe('readLlama2cTokenizer');
}

describe('readLlama2cTokenizer: malformed files', () => {
  const enc = new TextEncoder();
  it('reads tok512.bin: 512 tokens, max_token_length 7, with or without the model\'s vocab size', () => {
    const v = readLlama2cVocabulary(ORIGINAL);
    expect(v.tokens.length).toBe(512);
    expect(v.maxTokenLength).toBe(7);
    expect(readLlama2cTokenizer(ORIGINAL, { vocabSize: 512 }).vocabSize).toBe(512);
  });

  const cases: [string, () => Uint8Array, RegExp, { vocabSize?: number }?][] = [
    ['empty', () => new Uint8Array(0), /truncated: 0 bytes, shorter than the 4-byte max_token_length \(at byte 0\)/],
    ['max_token_length 0', () => withInt32(ORIGINAL, 0, 0), /max_token_length 0 is not positive/],
    ['max_token_length negative', () => withInt32(ORIGINAL, 0, -5), /max_token_length -5 is not positive/],
    ['truncated score', () => ORIGINAL.subarray(0, ENTRY_AT[100]! + 3), /truncated: token 100's score and length need 8 bytes, 3 left/],
    ['truncated text', () => ORIGINAL.subarray(0, ENTRY_AT[300]! + 9), /token 300: length \d runs past the end of the file \(1 bytes left\)/],
    ['negative length', () => withInt32(ORIGINAL, ENTRY_AT[7]! + 4, -1), /token 7: negative length -1/],
    ['length over max', () => withInt32(ORIGINAL, ENTRY_AT[7]! + 4, 8), /token 7: length 8 exceeds max_token_length 7/],
    ['length past the end', () => withInt32(withInt32(ORIGINAL, 0, 1 << 30), ENTRY_AT[511]! + 4, 1 << 20), /token 511: length 1048576 runs past the end/],
    ['NaN score', () => withFloat32(ORIGINAL, ENTRY_AT[42]!, NaN), /token 42: score NaN is not finite/],
    ['infinite score', () => withFloat32(ORIGINAL, ENTRY_AT[42]!, -Infinity), /token 42: score -Infinity is not finite/],
    ['invalid UTF-8', () => withText(400, Uint8Array.of(0x20, 0xc3)), /token 400: text is not valid UTF-8/],
    ['lone surrogate', () => withText(400, Uint8Array.of(0xed, 0xa0, 0x80)), /token 400: text is not valid UTF-8/],
    ['duplicate text', () => withText(400, enc.encode(' a')), /token 400: same text as token 261 \(" a"\)/],
    ['byte token out of order', () => withText(10, enc.encode('<0x08>')), /token 10: text "<0x08>", but ids 3..258 must be the byte tokens .* \(expected <0x07>\)/],
    ['byte token as <unk>', () => withText(0, enc.encode('<0x41>')), /token 0: byte token text <0x41> outside ids 3..258/],
    ['too few tokens', () => ORIGINAL.subarray(0, ENTRY_AT[200]!), /200 tokens, fewer than 259/],
    ['bytes left over', () => concat(ORIGINAL, Uint8Array.of(1, 2, 3)), /3 bytes left after 512 tokens/, { vocabSize: 512 }],
    ['fewer tokens than the model has', () => ORIGINAL, /truncated: token 512's score and length need 8 bytes, 0 left/, { vocabSize: 513 }],
    ['more tokens than the model has', () => ORIGINAL, /bytes left after 500 tokens/, { vocabSize: 500 }],
    ['a vocab size too small to hold the byte tokens', () => ORIGINAL, /vocabSize 100 must be an integer ≥ 259/, { vocabSize: 100 }],
  ];
  it.each(cases)('%s', (_, make, message, options) => expectFormatError(make(), message, options));
});

describe('readLlama2cTokenizer: 10,000 seeded mutations of tok512.bin', () => {
  it('load and work, or throw ModelFormatError; nothing else, nothing slow', () => {
    const rng = new Rng(2026);
    const pick = (): number => ENTRY_AT[rng.int(0, ENTRY_AT.length - 1)]!;
    const INTERESTING = [0, 1, -1, 7, 8, 0x7fffffff, -0x80000000, 6227, 1 << 16];
    const FLOATS = [NaN, Infinity, -Infinity, 0, -1e10, 1e30, -0];
    const mutations: [string, () => Uint8Array][] = [
      ['bit flip', () => {
        const b = ORIGINAL.slice();
        b[rng.int(0, b.length - 1)]! ^= 1 << rng.int(0, 7);
        return b;
      }],
      ['byte set', () => {
        const b = ORIGINAL.slice();
        for (let k = rng.int(1, 4); k > 0; k--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
        return b;
      }],
      ['truncate', () => ORIGINAL.subarray(0, rng.int(0, ORIGINAL.length - 1))],
      ['insert', () => {
        const at = rng.int(0, ORIGINAL.length);
        return concat(ORIGINAL.subarray(0, at), Uint8Array.from(rng.ints(rng.int(1, 16), 0, 255)), ORIGINAL.subarray(at));
      }],
      ['delete', () => {
        const at = rng.int(0, ORIGINAL.length - 1);
        return concat(ORIGINAL.subarray(0, at), ORIGINAL.subarray(Math.min(ORIGINAL.length, at + rng.int(1, 64))));
      }],
      ['duplicate range', () => {
        const a = rng.int(0, ORIGINAL.length - 1);
        const b = Math.min(ORIGINAL.length, a + rng.int(1, 200));
        return concat(ORIGINAL.subarray(0, b), ORIGINAL.subarray(a, b), ORIGINAL.subarray(b));
      }],
      ['append', () => concat(ORIGINAL, Uint8Array.from(rng.ints(rng.int(1, 40), 0, 255)))],
      ['max_token_length', () => withInt32(ORIGINAL, 0, INTERESTING[rng.int(0, INTERESTING.length - 1)]!)],
      ['length field', () => withInt32(ORIGINAL, pick() + 4, rng.int(0, 1) ? INTERESTING[rng.int(0, INTERESTING.length - 1)]! : rng.int(-3, 10))],
      ['score field', () => withFloat32(ORIGINAL, pick(), rng.int(0, 1) ? FLOATS[rng.int(0, FLOATS.length - 1)]! : rng.int(-300, 300))],
    ];
    const counts = new Map<string, number>();
    const count = (k: string): void => void counts.set(k, (counts.get(k) ?? 0) + 1);
    let untyped = 0;
    let slow = 0;
    for (let i = 0; i < CASES; i++) {
      const [kind, mutate] = mutations[rng.int(0, mutations.length - 1)]!;
      const bytes = mutate();
      const t0 = performance.now();
      try {
        const t = readLlama2cTokenizer(bytes);
        for (const s of ['Once upon a time', 'é😀 \n\n  x', '']) {
          expect(t.decode(t.encode(s, { bos: true }))).toBe(s);
        }
        count(`${kind}: loads`);
      } catch (e) {
        if (e instanceof ModelFormatError) {
          if (e.offset !== undefined) expect(e.offset).toBeLessThanOrEqual(bytes.length);
          count(`${kind}: ${e.reason.replace(/["(].*$/, '…').replace(/(?<![\w-])-?\d+(\.\d+)?/g, 'N')}`);
        } else {
          untyped++;
          console.error(kind, e);
        }
      }
      if (performance.now() - t0 > SLOW_MS) slow++;
    }
    console.log([...counts].sort().map(([k, n]) => `${n.toString().padStart(6)}  ${k}`).join('\n'));
    expect(untyped).toBe(0);
    expect(slow).toBe(0);
  });
});
