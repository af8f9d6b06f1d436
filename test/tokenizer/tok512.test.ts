/**
 * The stories260K vocabulary, tok512.bin (sha256 checked first, helpers.ts): the prompt
 * "Once upon a time" encodes to the ids llama2.c gives, derived two ways (from the vocabulary
 * and the rules, and by the literal run.c reference); 1,500 seeded strings round-trip and agree
 * with the reference; 10 kB of text encodes well under a second.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../tools/data/rng.js';
import { randomText, tok512 } from './helpers.js';
import { runCEncode } from './run_c_reference.js';

const t = tok512();
const enc = new TextEncoder();
const vocab = t.texts.map((s) => enc.encode(s));
const reference = (s: string, bos = false): number[] => runCEncode(vocab, t.scores, enc.encode(s), bos, false);

describe('tok512.bin', () => {
  it('is llama2.c\'s layout: 512 ids, <unk> BOS EOS, byte tokens at 3..258', () => {
    expect(t.vocabSize).toBe(512);
    expect([t.unk, t.bos, t.eos]).toEqual([0, 1, 2]);
    expect(t.texts.slice(0, 3)).toEqual(['<unk>', '\n<s>\n', '\n</s>\n']);
    expect(t.texts[3]).toBe('<0x00>');
    expect(t.texts[258]).toBe('<0xFF>');
  });

  it('"Once upon a time" is BOS, " Once", " upon", " a", " time": [1, 403, 407, 261, 378]', () => {
    // From the vocabulary: each word with its leading space is one token, and every prefix of
    // it merges towards it (the merges below are what run.c does, so the whole word is reached).
    expect([' Once', ' upon', ' a', ' time'].map((w) => t.tokenId(w))).toEqual([403, 407, 261, 378]);
    expect(t.encode('Once upon a time', { bos: true })).toEqual([1, 403, 407, 261, 378]);
    expect(reference('Once upon a time', true)).toEqual([1, 403, 407, 261, 378]);
    expect(t.encode('Once upon a time')).toEqual([403, 407, 261, 378]);
    expect(t.decode([1, 403, 407, 261, 378])).toBe('Once upon a time');
  });

  it('1,500 seeded strings: decode(encode(s)) === s, and encode agrees with the run.c reference', () => {
    const rng = new Rng(512);
    let nonAscii = 0;
    let fallback = 0;
    for (let i = 0; i < 1500; i++) {
      const s = randomText(rng, i < 1400 ? 24 : 400);
      const ids = t.encode(s);
      expect(ids).toEqual(reference(s));
      expect(t.decode(ids)).toBe(s);
      expect(t.decode(t.encode(s, { bos: true, eos: true }))).toBe(s);
      if (/[^\x00-\x7f]/.test(s)) nonAscii++;
      if (ids.some((id) => id >= 3 && id <= 258)) fallback++;
    }
    // the strings do exercise what they claim to
    expect(nonAscii).toBeGreaterThan(1000);
    expect(fallback).toBeGreaterThan(1000);
  });

  it('10 kB of text encodes well under a second', () => {
    const rng = new Rng(7);
    let s = '';
    while (s.length < 10_000) s += randomText(rng);
    const story = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. '.repeat(110);
    for (const text of [s, story]) {
      const t0 = performance.now();
      const ids = t.encode(text);
      const ms = performance.now() - t0;
      expect(ms).toBeLessThan(250);
      expect(t.decode(ids)).toBe(text);
    }
  });
});
