/**
 * Shared material of the tokenizer tests: tok512.bin from /work/shared/models/stories260K/
 * (checked against the sha256 its README gives before any use), hand-made vocabularies in
 * llama2.c's layout (<unk>, BOS, EOS, 256 byte tokens, then the given texts), and seeded
 * strings that stress a tokenizer (ASCII, Unicode, emoji, whitespace runs, characters with no
 * token, U+0000, U+FEFF).
 */
import { readFileSync } from 'node:fs';
import { sha256Hex } from '../../engine/sha256.js';
import { BpeTokenizer } from '../../engine/tokenizer/bpe.js';
import { readLlama2cTokenizer } from '../../engine/format/llama2c_tokenizer.js';
import type { Rng } from '../../tools/data/rng.js';

export const TOK512_PATH = '/work/shared/models/stories260K/tok512.bin';
export const TOK512_SHA256 = '037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312';

export function tok512Bytes(): Uint8Array {
  const bytes = new Uint8Array(readFileSync(TOK512_PATH));
  const hash = sha256Hex(bytes);
  if (hash !== TOK512_SHA256) throw new Error(`${TOK512_PATH}: sha256 ${hash}, expected ${TOK512_SHA256} (README.md)`);
  return bytes;
}

export function tok512(): BpeTokenizer {
  return readLlama2cTokenizer(tok512Bytes());
}

/** Texts of a llama2.c-layout vocabulary: ids 0..258 fixed, then `extra`. */
export function layoutTexts(extra: readonly string[]): string[] {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  return ['<unk>', '<s>', '</s>', ...bytes, ...extra];
}

/** A hand-made vocabulary: [text, score] pairs after the 259 fixed ids (which score 0). */
export function handMade(pairs: readonly (readonly [string, number])[]): BpeTokenizer {
  const texts = layoutTexts(pairs.map(([t]) => t));
  const scores = [...new Array<number>(259).fill(0), ...pairs.map(([, s]) => s)];
  return new BpeTokenizer({ tokens: texts, scores, unk: 0, bos: 1, eos: 2 });
}

/** Id of a hand-made vocabulary's i-th extra text. */
export const extraId = (i: number): number => 259 + i;

const POOLS: readonly (readonly string[])[] = [
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'],
  [...'0123456789.,;:!?\'"()-_/\\%<>|[]~{}@#$^&*+=`'],
  [' ', ' ', '  ', '   ', '\n', '\n\n', '\t', '\r\n', ' \n '],
  [...'éèöüßñçåøâ€™'],
  [...'日本語中文한국어ありがとう'],
  ['😀', '🎉', '👍🏽', '👨‍👩‍👧', '🇫🇷', '𝔸', '🦙'],
  ['\u0000', '\u0001', '\u007f', '\u0085', '\u00a0', '\ufeff', '\u200d', '\u0301', '\ufffd', '\uffff'],
  ['Once upon a time', ' there was', ' a little girl', ' named Lily', '. She', ' loved', ' the park'],
];

/** A seeded string of 0..maxParts pieces drawn from the pools above. */
export function randomText(rng: Rng, maxParts = 24): string {
  const parts = rng.int(0, maxParts);
  let s = '';
  for (let i = 0; i < parts; i++) {
    const pool = POOLS[rng.int(0, POOLS.length - 1)]!;
    s += pool[rng.int(0, pool.length - 1)]!;
  }
  return s;
}
