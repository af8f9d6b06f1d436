/**
 * The encoding and decoding rules of engine/tokenizer/bpe.ts (llama2.c's run.c and the
 * stories260K README) on hand-made vocabularies: merge order by score, ties to the leftmost
 * pair, byte fallback, the dummy-prefix space, whitespace runs, BOS/EOS, the decode rules, the
 * constructor's checks, and random vocabularies against the literal run.c reference.
 */
import { describe, expect, it } from 'vitest';
import { ParamError, ValueRangeError } from '../../engine/errors.js';
import { BpeTokenizer } from '../../engine/tokenizer/bpe.js';
import { Rng } from '../../tools/data/rng.js';
import { extraId, handMade, layoutTexts, randomText } from './helpers.js';
import { runCEncode } from './run_c_reference.js';

const byteId = (b: number): number => b + 3;
const names = (t: BpeTokenizer, ids: number[]): string[] => ids.map((i) => t.texts[i]!);

describe('BpeTokenizer: encoding rules', () => {
  it('the highest-scoring pair merges first', () => {
    // extra: 0 ' ', 1 'a', 2 'b', 3 'c', 4 'ab', 5 'bc'
    const bcFirst = handMade([[' ', 0], ['a', 0], ['b', 0], ['c', 0], ['ab', 1], ['bc', 2]]);
    expect(names(bcFirst, bcFirst.encode('abc'))).toEqual([' ', 'a', 'bc']);
    const abFirst = handMade([[' ', 0], ['a', 0], ['b', 0], ['c', 0], ['ab', 3], ['bc', 2]]);
    expect(names(abFirst, abFirst.encode('abc'))).toEqual([' ', 'ab', 'c']);
  });

  it('equal scores: the leftmost pair merges (run.c replaces its best only on a greater score)', () => {
    const t = handMade([[' ', 0], ['a', 0], ['b', 0], ['c', 0], ['ab', 1], ['bc', 1], ['aa', 1]]);
    expect(names(t, t.encode('abc'))).toEqual([' ', 'ab', 'c']);
    expect(names(t, t.encode('aaa'))).toEqual([' ', 'aa', 'a']);
    expect(names(t, t.encode('aaaaa'))).toEqual([' ', 'aa', 'aa', 'a']);
  });

  it('merges chain: a merged token merges again, and with the dummy-prefix space', () => {
    const t = handMade([[' ', -9], ['h', -9], ['e', -9], ['y', -9], ['he', -1], ['hey', -2], [' hey', -3]]);
    expect(t.encode('hey')).toEqual([extraId(6)]);
    expect(names(t, t.encode('hey hey'))).toEqual([' hey', ' hey']);
  });

  it('a pair whose token scores −1e10 or less never merges (run.c starts best_score at −1e10)', () => {
    const never = handMade([[' ', 0], ['a', 0], ['b', 0], ['ab', -1e10]]);
    expect(names(never, never.encode('ab'))).toEqual([' ', 'a', 'b']);
    const just = handMade([[' ', 0], ['a', 0], ['b', 0], ['ab', -9.9e9]]);
    expect(names(just, just.encode('ab'))).toEqual([' ', 'ab']);
  });

  it('a character with no token falls back to its UTF-8 byte tokens (id = byte + 3), which never merge', () => {
    const t = handMade([[' ', 0], ['a', 0], ['é', 0]]);
    expect(t.encode('aé')).toEqual([extraId(0), extraId(1), extraId(2)]);
    expect(t.encode('aè')).toEqual([extraId(0), extraId(1), byteId(0xc3), byteId(0xa8)]);
    expect(t.encode('😀')).toEqual([extraId(0), byteId(0xf0), byteId(0x9f), byteId(0x98), byteId(0x80)]);
    expect(t.encode('\u0000')).toEqual([extraId(0), byteId(0)]);
  });

  it('a space-less vocabulary falls back to the byte token for the dummy prefix too', () => {
    const t = handMade([['a', 0]]);
    expect(t.encode('a')).toEqual([byteId(0x20), extraId(0)]);
    expect(t.decode(t.encode(' a'))).toBe(' a');
  });

  it('runs of spaces and newlines merge by score like any other text', () => {
    const t = handMade([[' ', 0], ['\n', 0], ['x', 0], ['  ', 5], ['\n\n', 4], [' x', 1]]);
    expect(names(t, t.encode('x  x'))).toEqual([' x', '  ', 'x']);
    expect(names(t, t.encode('   '))).toEqual(['  ', '  ']);
    expect(names(t, t.encode('\n\n\nx'))).toEqual([' ', '\n\n', '\n', 'x']);
    expect(names(t, t.encode(' '))).toEqual(['  ']);
  });

  it('empty text gives no tokens; BOS and EOS only when asked', () => {
    const t = handMade([[' ', 0], ['a', 0]]);
    expect(t.encode('')).toEqual([]);
    expect(t.encode('', { bos: true })).toEqual([1]);
    expect(t.encode('', { bos: true, eos: true })).toEqual([1, 2]);
    expect(t.encode('a', { bos: true, eos: true })).toEqual([1, extraId(0), extraId(1), 2]);
    expect(t.encode('a', { eos: true })).toEqual([extraId(0), extraId(1), 2]);
  });

  it('text it cannot express is a ValueRangeError naming where', () => {
    const noBytes = new BpeTokenizer({ tokens: ['<unk>', '<s>', '</s>', ' ', 'a'], scores: [0, 0, 0, 0, 0], unk: 0, bos: 1, eos: 2 });
    expect(noBytes.encode('aa')).toEqual([3, 4, 4]);
    expect(() => noBytes.encode('ab')).toThrow(ValueRangeError);
    expect(() => noBytes.encode('ab')).toThrow(/character "b" at position 1 has no token and byte 0x62 has no byte token/);
    const t = handMade([[' ', 0]]);
    expect(() => t.encode('x\ud800y')).toThrow(/lone surrogate U\+D800 at position 1/);
  });
});

describe('BpeTokenizer: decoding rules', () => {
  const t = handMade([[' ', 0], ['a', 0], [' a', 1], ['b', 0]]);
  const SP = extraId(0);
  const A = extraId(1);
  const SA = extraId(2);
  const B = extraId(3);

  it('byte tokens give raw bytes; a character split over byte tokens is whole again', () => {
    expect(t.decode([A, byteId(0xc3), byteId(0xa9), B])).toBe('aéb');
    expect(t.decode([A, byteId(0xf0), byteId(0x9f)])).toBe('a\ufffd');
  });

  it('the first token, and any token after BOS, drops one leading space', () => {
    expect(t.decode([SA, SA])).toBe('a a');
    expect(t.decode([1, SA, SA])).toBe('a a');
    expect(t.decode([SA, 1, SA])).toBe('aa');
    expect(t.decode([SP, SA])).toBe(' a');
    expect(t.decode([SA], { after: A })).toBe(' a');
    expect(t.decode([SA], { after: 1 })).toBe('a');
    expect(t.decode([byteId(0x20), A])).toBe('a');
    expect(t.decode([A, byteId(0x20), A])).toBe('a a');
  });

  it('control and unknown tokens and ids outside the vocabulary give nothing', () => {
    expect(t.decode([1, SA, 2, 0, -1, 1e9, 0.5, NaN, B])).toBe('ab');
  });

  it('decode(encode(s)) === s', () => {
    for (const s of ['', 'a', ' a', 'a b', '  ', 'é😀', '\ufeffa']) expect(t.decode(t.encode(s))).toBe(s);
  });

  it('spaceMarker reads sentencepiece pieces (GGUF): ▁ is a space', () => {
    const g = new BpeTokenizer({
      tokens: ['<unk>', '<s>', '</s>', '▁', 'a', '▁a', '<0x62>'],
      scores: [0, 0, 0, 0, 0, 1, 0],
      types: [2, 3, 3, 1, 1, 1, 6],
      unk: 0,
      bos: 1,
      eos: 2,
      spaceMarker: '▁',
    });
    expect(g.encode('a a')).toEqual([5, 5]);
    expect(g.encode('ab')).toEqual([5, 6]);
    expect(g.decode([1, 5, 5, 6])).toBe('a ab');
  });

  it("with a spaceMarker, a literal '▁' in the text is a space (as sentencepiece and llama.cpp escape spaces)", () => {
    const pieces = { tokens: ['<unk>', '<s>', '</s>', '▁', 'a', '▁a'], scores: [0, 0, 0, 0, 0, 1], unk: 0, bos: 1, eos: 2 };
    const g = new BpeTokenizer({ ...pieces, spaceMarker: '▁' });
    expect(g.encode('▁a')).toEqual(g.encode(' a'));
    expect(g.encode('a▁a')).toEqual([5, 5]);
    expect(g.encode('▁')).toEqual([3, 3]);
    // Without a marker (llama2.c's vocabulary, run.c) '▁' is just a character: here it has no token and no byte tokens.
    const plain = new BpeTokenizer({ ...pieces, tokens: ['<unk>', '<s>', '</s>', ' ', 'a', ' a'] });
    expect(() => plain.encode('▁a')).toThrow(/character "▁" at position 0 has no token and byte 0xE2 has no byte token/);
  });
});

describe('BpeTokenizer: its vocabulary is checked', () => {
  const base = { tokens: layoutTexts([' ']), scores: new Array<number>(260).fill(0), unk: 0, bos: 1, eos: 2 };
  const cases: [string, object, RegExp][] = [
    ['no tokens', { tokens: [], scores: [] }, /no tokens/],
    ['scores length', { scores: [0] }, /1 scores for 260 tokens/],
    ['types length', { types: [1] }, /1 token types for 260 tokens/],
    ['bos', { bos: 260 }, /bos id 260 is not a token id/],
    ['eos', { eos: -1 }, /eos id -1/],
    ['unk', { unk: 1.5 }, /unk id 1.5/],
    ['duplicate', { tokens: layoutTexts(['a', 'a']), scores: new Array<number>(261).fill(0) }, /token 260 has the same text as token 259/],
    ['score', { scores: [...new Array<number>(259).fill(0), NaN] }, /token 259 has score NaN/],
    ['type', { types: new Array<number>(260).fill(7) }, /token 0 has type 7/],
    ['byte type', { types: new Array<number>(260).fill(6) }, /byte token 0 has text "<unk>"/],
    ['bad UTF-8', { tokens: [...layoutTexts([]), Uint8Array.of(0xff)] }, /token 259 is not valid UTF-8/],
    ['lone surrogate', { tokens: [...layoutTexts([]), '\udc00'] }, /token 259 has a lone surrogate/],
    ['space marker', { spaceMarker: '' }, /spaceMarker "" must be one character/],
  ];
  it.each(cases)('%s is a ParamError', (_, patch, message) => {
    expect(() => new BpeTokenizer({ ...base, ...patch })).toThrow(ParamError);
    expect(() => new BpeTokenizer({ ...base, ...patch })).toThrow(message);
  });

  it('token texts may be given as UTF-8 bytes', () => {
    const enc = new TextEncoder();
    const t = new BpeTokenizer({ ...base, tokens: layoutTexts([' ']).map((s) => enc.encode(s)) });
    expect(t.encode('  ')).toEqual([259, 259, 259]);
  });
});

describe('BpeTokenizer agrees with the literal run.c reference on random vocabularies', () => {
  it('500 vocabularies × 10 strings, with many equal scores', () => {
    const rng = new Rng(13);
    const enc = new TextEncoder();
    let compared = 0;
    for (let v = 0; v < 500; v++) {
      const alphabet = [...' ab\né😀'];
      const extra = new Set<string>([' ', 'a', 'b']);
      const want = rng.int(3, 30);
      for (let tries = 0; extra.size < want && tries < 200; tries++) {
        const len = rng.int(2, 4);
        let s = '';
        for (let i = 0; i < len; i++) s += alphabet[rng.int(0, alphabet.length - 1)]!;
        extra.add(s);
      }
      const pairs = [...extra].map((s) => [s, rng.int(-3, 3)] as const);
      const t = handMade(pairs);
      const vocab = t.texts.map((s) => enc.encode(s));
      for (let k = 0; k < 10; k++) {
        let s = '';
        const len = rng.int(0, 30);
        for (let i = 0; i < len; i++) s += alphabet[rng.int(0, alphabet.length - 1)]!;
        for (const [bos, eos] of [[false, false], [true, true]] as const) {
          expect(t.encode(s, { bos, eos })).toEqual(runCEncode(vocab, t.scores, enc.encode(s), bos, eos));
          compared++;
        }
        expect(t.decode(t.encode(s))).toBe(s);
      }
    }
    expect(compared).toBe(10_000);
    // and on the general seeded strings, whose characters mostly fall back to bytes
    const t = handMade([[' ', 0], ['a', 1], ['e', 1], [' a', 2], ['  ', 2], ['\n\n', 1]]);
    const vocab = t.texts.map((s) => enc.encode(s));
    for (let k = 0; k < 300; k++) {
      const s = randomText(rng);
      expect(t.encode(s)).toEqual(runCEncode(vocab, t.scores, enc.encode(s), false, false));
      expect(t.decode(t.encode(s))).toBe(s);
    }
  });
});
