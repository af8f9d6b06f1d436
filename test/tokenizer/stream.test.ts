/**
 * The streaming decoder (engine/tokenizer/bpe_stream.ts) on tok512.bin: for every prefix split
 * of every token sequence, the pieces joined equal decode(); no piece ever holds a lone
 * surrogate or a U+FFFD that the text did not have; a character split over byte tokens comes out
 * whole once its last byte arrives, and a truncated one as U+FFFD at end().
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../tools/data/rng.js';
import { randomText, tok512 } from './helpers.js';

const t = tok512();
const byteId = (b: number): number => b + 3;

describe('BpeTokenizer.decoder()', () => {
  it('one token at a time, every prefix is a prefix of decode() and whole characters only', () => {
    const rng = new Rng(99);
    let splits = 0;
    for (let i = 0; i < 600; i++) {
      const s = randomText(rng);
      const ids = t.encode(s, { bos: rng.int(0, 1) === 1 });
      const whole = t.decode(ids);
      expect(whole).toBe(s);
      const d = t.decoder();
      let sofar = '';
      for (const id of ids) {
        const piece = d.push(id);
        expect(piece).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        if (!s.includes('\ufffd')) expect(piece).not.toContain('\ufffd');
        sofar += piece;
        expect(whole.startsWith(sofar)).toBe(true);
        splits++;
      }
      expect(d.end()).toBe('');
      expect(sofar).toBe(whole);
      // cut in two at every point: what the first part gives is a prefix; the rest completes it
      for (let k = 0; k <= ids.length; k++) {
        const a = t.decoder();
        let head = '';
        for (const id of ids.slice(0, k)) head += a.push(id);
        expect(whole.startsWith(head)).toBe(true);
        let tail = '';
        for (const id of ids.slice(k)) tail += a.push(id);
        expect(head + tail + a.end()).toBe(whole);
      }
      // a continuation decoded on its own, told the id before it, matches where the cut is between characters
      const k = rng.int(0, ids.length);
      const cut = t.decoder();
      const head = ids.slice(0, k).map((id) => cut.push(id)).join('');
      if (cut.end() === '') {
        expect(head + t.decode(ids.slice(k), { after: k > 0 ? ids[k - 1] : undefined })).toBe(whole);
      }
    }
    expect(splits).toBeGreaterThan(5000);
  });

  it('holds back a character split over byte tokens until it is complete', () => {
    const d = t.decoder();
    expect([0xf0, 0x9f, 0x98, 0x80].map((b) => d.push(byteId(b)))).toEqual(['', '', '', '😀']);
    expect(d.push(t.tokenId(' a')!)).toBe(' a');
    expect(d.end()).toBe('');
  });

  it('a truncated character is U+FFFD at end(), as in decode()', () => {
    const ids = [byteId(0xe6), byteId(0x97)];
    const d = t.decoder();
    expect(ids.map((id) => d.push(id))).toEqual(['', '']);
    expect(d.end()).toBe('\ufffd');
    expect(t.decode(ids)).toBe('\ufffd');
  });

  it('drops the leading space after BOS, and of the first token unless `after` says otherwise', () => {
    const once = t.tokenId(' Once')!;
    expect(t.decoder().push(once)).toBe('Once');
    const d = t.decoder({ after: 500 });
    expect(d.push(once)).toBe(' Once');
    expect(d.push(1)).toBe('');
    expect(d.push(once)).toBe('Once');
  });
});
