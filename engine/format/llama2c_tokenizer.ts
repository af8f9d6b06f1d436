/**
 * llama2.c's tokenizer file (tokenizer.bin, tok512.bin; run.c's `build_tokenizer`,
 * /work/shared/models/stories260K/README.md), little-endian:
 *
 *   int32 max_token_length, then per token id: float32 score, int32 len, len bytes of UTF-8.
 *
 * Ids 0, 1, 2 are <unk>, BOS and EOS; ids 3..258 are the byte tokens <0x00>..<0xFF> (run.c's
 * byte fallback is id = byte + 3). The file has no token count: with `vocabSize` (the model's)
 * exactly that many tokens must fill the file; without it, tokens are read to the end.
 *
 * Every malformed file is a ModelFormatError naming what is wrong and its byte offset: a
 * truncated header or token, a max_token_length ≤ 0, a negative length, a length over
 * max_token_length (run.c's merge buffer holds two tokens of that length) or past the end of
 * the file, text that is not UTF-8, a score that is not finite, two tokens with the same text,
 * byte tokens out of place, too few tokens, or bytes left over.
 */
import { ModelFormatError } from '../errors.js';
import { BpeTokenizer, TOKEN_TYPE } from '../tokenizer/bpe.js';

const OP = 'readLlama2cTokenizer';
/** <unk>, BOS, EOS, then 256 byte tokens. */
const FIRST_BYTE_ID = 3;
const MIN_TOKENS = FIRST_BYTE_ID + 256;

export interface Llama2cVocabulary {
  readonly maxTokenLength: number;
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
}

function fail(message: string, offset?: number): never {
  throw new ModelFormatError(message, offset, OP);
}

function byteText(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** The file's fields, checked (see the header). */
export function readLlama2cVocabulary(bytes: Uint8Array, options: { vocabSize?: number } = {}): Llama2cVocabulary {
  const { vocabSize } = options;
  if (vocabSize !== undefined && (!Number.isInteger(vocabSize) || vocabSize < MIN_TOKENS)) {
    fail(`vocabSize ${vocabSize} must be an integer ≥ ${MIN_TOKENS} (<unk>, BOS, EOS and 256 byte tokens)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  if (bytes.length < 4) fail(`truncated: ${bytes.length} bytes, shorter than the 4-byte max_token_length`, 0);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0) fail(`max_token_length ${maxTokenLength} is not positive`, 0);
  const tokens: string[] = [];
  const scores: number[] = [];
  const seen = new Map<string, number>();
  let at = 4;
  while (vocabSize === undefined ? at < bytes.length : tokens.length < vocabSize) {
    const id = tokens.length;
    if (at + 8 > bytes.length) fail(`truncated: token ${id}'s score and length need 8 bytes, ${bytes.length - at} left`, at);
    const score = view.getFloat32(at, true);
    if (!Number.isFinite(score)) fail(`token ${id}: score ${score} is not finite`, at);
    const len = view.getInt32(at + 4, true);
    if (len < 0) fail(`token ${id}: negative length ${len}`, at + 4);
    if (len > maxTokenLength) fail(`token ${id}: length ${len} exceeds max_token_length ${maxTokenLength}`, at + 4);
    const start = at + 8;
    if (start + len > bytes.length) fail(`token ${id}: length ${len} runs past the end of the file (${bytes.length - start} bytes left)`, at + 4);
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(start, start + len));
    } catch {
      fail(`token ${id}: text is not valid UTF-8`, start);
    }
    const dup = seen.get(text);
    if (dup !== undefined) fail(`token ${id}: same text as token ${dup} (${JSON.stringify(text)})`, start);
    seen.set(text, id);
    const isByteId = id >= FIRST_BYTE_ID && id < MIN_TOKENS;
    if (isByteId && text !== byteText(id - FIRST_BYTE_ID)) {
      fail(`token ${id}: text ${JSON.stringify(text)}, but ids 3..258 must be the byte tokens <0x00>..<0xFF> (expected ${byteText(id - FIRST_BYTE_ID)})`, start);
    }
    if (!isByteId && /^<0x[0-9A-F]{2}>$/.test(text)) fail(`token ${id}: byte token text ${text} outside ids 3..258`, start);
    tokens.push(text);
    scores.push(score);
    at = start + len;
  }
  if (at !== bytes.length) fail(`${bytes.length - at} bytes left after ${tokens.length} tokens`, at);
  if (tokens.length < MIN_TOKENS) fail(`${tokens.length} tokens, fewer than ${MIN_TOKENS} (<unk>, BOS, EOS and 256 byte tokens)`, at);
  return { maxTokenLength, tokens, scores };
}

/** The token types llama2.c implies: 0 unknown, 1 and 2 control, 3..258 byte, the rest normal. */
export function llama2cTokenTypes(vocabSize: number): number[] {
  return Array.from({ length: vocabSize }, (_, id) =>
    id === 0 ? TOKEN_TYPE.unknown : id < FIRST_BYTE_ID ? TOKEN_TYPE.control : id < MIN_TOKENS ? TOKEN_TYPE.byte : TOKEN_TYPE.normal,
  );
}

/** A llama2.c tokenizer file as a BpeTokenizer (unk 0, BOS 1, EOS 2). */
export function readLlama2cTokenizer(bytes: Uint8Array, options: { vocabSize?: number } = {}): BpeTokenizer {
  const v = readLlama2cVocabulary(bytes, options);
  return new BpeTokenizer({ tokens: v.tokens, scores: v.scores, types: llama2cTokenTypes(v.tokens.length), unk: 0, bos: 1, eos: 2 });
}
