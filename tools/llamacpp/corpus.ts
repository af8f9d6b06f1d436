/**
 * The seeded string corpus on which spml's BPE tokenizer (engine/tokenizer/bpe.ts) is compared
 * with llama.cpp's (docs/ACCURACY.md, "Llama: spml's float reference against llama.cpp"): texts
 * that a story model sees and texts built to hit each rule of sentencepiece-style encoding —
 * the dummy-prefix space, runs of spaces, newlines and tabs, characters with no token (byte
 * fallback), the literal '▁' that sentencepiece uses for a space, text that looks like a special
 * or byte token, leading and trailing spaces, the empty string.
 *
 * Lone UTF-16 surrogates are left out on purpose: they are not Unicode text (spml's encoder
 * refuses them with a ValueRangeError; node would pass them to llama.cpp as U+FFFD).
 */
import { Rng } from '../data/rng.js';

const WORDS = [
  'Once', 'upon', 'a', 'time', 'there', 'was', 'little', 'girl', 'named', 'Lily', 'She', 'loved', 'to', 'play',
  'outside', 'in', 'the', 'park', 'One', 'day', 'Tom', 'and', 'his', 'mom', 'went', 'shop', 'bird', 'happy',
  'sad', 'big', 'red', 'ball', 'said', 'saw', 'dog', 'cat', 'tree', 'sun', 'friend', 'because', 'wanted',
  'THE', 'Hello', 'WORLD', 'xyzzy', 'qwerty', 'supercalifragilistic', 'aaaa', 'zz', 'I', 'it', 'is', "don't",
];
const PUNCT = ['.', ',', '!', '?', ';', ':', '"', "'", '(', ')', '-', '—', '…', '...', '!!', '?!'];
/** Characters beyond ASCII: accents (precomposed), scripts, symbols, and characters no 512-token vocabulary has. */
const UNICODE = [
  'é', 'è', 'ñ', 'ü', 'ß', 'ø', 'Å', 'ç', 'œ', 'ł', 'ő', 'ž', 'Ω', 'λ', 'π', 'Ж', 'я', 'ж', 'א', 'ש', 'ع', 'ب',
  'ह', 'न', 'ก', '日', '本', '語', '中', '文', '字', 'の', 'か', 'ア', '한', '국', '€', '£', '¥', '©', '°', '±', '×',
  '÷', '∑', '∞', '≤', '→', '★', '♪', '\u00A0', '\u200B', '\u200D', '\uFEFF', '\uFFFD', '\uE000', '\u2028',
];
/** Combining marks (on the previous character): e + U+0301 is é decomposed. */
const COMBINING = ['\u0301', '\u0300', '\u0308', '\u0327', '\u0303', '\u20DD', '\u0336'];
const EMOJI = ['🎉', '😀', '🐶', '🌟', '❤️', '👍🏽', '👨‍👩‍👧', '🇫🇷', '🏳️‍🌈', '🦄', '🍕', '💯', '🙂', '𝄞', '𐍈', '🀄'];
const WHITESPACE = [' ', '  ', '   ', '\n', '\n\n', '\t', '\t\t', '\r\n', '\r', ' \n ', '\n \n', '\u000B', '\u000C'];
/** Characters of byte tokens, control characters and the bytes 0x80..0xFF as Latin-1 characters. */
const LOW = ['\u0000', '\u0001', '\u0007', '\u001B', '\u001F', '\u007F', '\u0080', '\u009F', '\u00AD', '\u00FF'];
/** What looks like a special token, a byte token or sentencepiece's space. */
const LOOKALIKES = [
  '<s>', '</s>', '<unk>', '<0x41>', '<0x0A>', '<0x00>', '<0xFF>', '<<s>>', '<s', 's>', '< s >', '<S>', '</S>',
  '▁', '▁▁', '▁a', 'a▁', '▁the▁', '<|endoftext|>', '[INST]', '<pad>', '<0x4>', '<0xZZ>',
];

/** Hand-picked cases, each a rule of the encoder. */
const FIXED = [
  '', ' ', '  ', '\n', '\t', 'a', ' a', 'a ', ' a ', '  a  ', 'Once upon a time', ' Once upon a time',
  'Once upon a time ', 'Once upon a time, there was a little girl named Lily.', 'Hello\nworld', 'Hello\n\nworld\n',
  'tab\there', '\n\nleading newlines', 'trailing newlines\n\n', '          ten spaces', 'ten spaces          ',
  'é', 'e\u0301', 'café', 'cafe\u0301', 'naïve résumé', '日本語', 'Ωμέγα', 'Привет мир', '🎉', '👨‍👩‍👧 family',
  '▁', '▁▁▁', ' ▁ ', 'the▁dog', '▁Once▁upon▁a▁time', '<s>', '</s>', '<unk>', '<0x41>', '<s>Once</s>',
  '<s> hi </s>', 'a<0x0A>b', '\u0000', 'a\u0000b', '\u007F', '\uFEFFBOM', '\u00A0nbsp', 'x\u200By',
];

/** The kinds of piece a text is made of; kind 3 (combining marks) and 8 (random ASCII) are built, the others picked. */
const LISTS: readonly (readonly string[] | undefined)[] = [WORDS, PUNCT, UNICODE, undefined, EMOJI, WHITESPACE, LOW, LOOKALIKES];

/** One random piece of a given kind. */
function piece(rng: Rng, kind: number): string {
  const pick = (xs: readonly string[]): string => xs[rng.int(0, xs.length - 1)]!;
  const list = LISTS[kind];
  if (list) return pick(list);
  if (kind === 3) return pick(['e', 'a', 'o', 'n', 'u', 'c']) + pick(COMBINING) + (rng.int(0, 3) === 0 ? pick(COMBINING) : '');
  // Printable ASCII at random, one to six characters.
  return String.fromCharCode(...rng.ints(rng.int(1, 6), 0x20, 0x7e));
}

/** A sentence of words and punctuation, spaced as a story would be. */
function storyLike(rng: Rng): string {
  const n = rng.int(1, 14);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += (i > 0 ? ' ' : '') + piece(rng, 0);
    if (rng.int(0, 4) === 0) s += piece(rng, 1);
  }
  return s;
}

/** A text of 1 to 12 pieces, each of a kind drawn from `kinds`, with words between some of them. */
function mixed(rng: Rng, kinds: readonly number[]): string {
  const n = rng.int(1, 12);
  let s = '';
  for (let i = 0; i < n; i++) {
    s += piece(rng, kinds[rng.int(0, kinds.length - 1)]!);
    if (rng.int(0, 2) === 0) s += (rng.int(0, 1) ? ' ' : '') + piece(rng, 0);
  }
  return s;
}

/** Emphasis of each generated family, by kind (see piece). */
const FAMILIES: readonly (readonly number[])[] = [
  [0, 1], // story-like text with punctuation
  [2, 3, 0], // accents, scripts, combining marks
  [4, 0, 5], // emoji among words and spaces
  [5, 5, 0], // runs of spaces, newlines and tabs
  [6, 0, 8], // control characters and bytes with no token
  [7, 0, 5], // special-token and '▁' lookalikes
  [8, 8, 5], // random printable ASCII
  [0, 1, 2, 3, 4, 5, 6, 7, 8], // everything
];

/**
 * The corpus: the fixed cases, then `count` seeded texts (story sentences, the mixed families,
 * and each with leading or trailing spaces added at random), in a fixed order for `seed`.
 */
export function tokenizerCorpus(count = 1200, seed = 13): string[] {
  const rng = new Rng(seed);
  const out = [...FIXED];
  for (let i = 0; i < count; i++) {
    let s = i % (FAMILIES.length + 1) === 0 ? storyLike(rng) : mixed(rng, FAMILIES[i % (FAMILIES.length + 1) - 1]!);
    const pad = rng.int(0, 5);
    if (pad === 0) s = ' '.repeat(rng.int(1, 3)) + s;
    else if (pad === 1) s += ' '.repeat(rng.int(1, 3));
    else if (pad === 2) s = '\n' + s + '\n';
    out.push(s);
  }
  return out;
}
