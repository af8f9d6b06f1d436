/**
 * Text as it is generated, one token at a time, never half a character: the pieces joined equal
 * the tokenizer's decode of all the ids (engine/tokenizer/tokenizer.ts), which is the completion
 * that generate returns. A tokenizer with a streaming decoder of its own (`decoder()`, as
 * BpeTokenizer has, engine/tokenizer/bpe_stream.ts) is used as it is; for any other, each piece
 * is what decoding one more id adds, with a trailing U+FFFD (a character whose bytes have not all
 * come yet) held back until the next id or the end.
 */
import type { Tokenizer } from './tokenizer/tokenizer.js';

export interface TextStream {
  /** The whole characters that id completes (possibly ''). */
  push(id: number): string;
  /** What is still held back. */
  end(): string;
}

/** A Tokenizer that may also stream (its own decoder continues a generated completion). */
type MaybeStreaming = Tokenizer & { decoder?: () => TextStream };

const REPLACEMENT = '\uFFFD';

export function textStream(tokenizer: Tokenizer): TextStream {
  const own = (tokenizer as MaybeStreaming).decoder;
  if (typeof own === 'function') return own.call(tokenizer);
  const ids: number[] = [];
  let emitted = 0;
  let text = '';
  return {
    push(id) {
      ids.push(id);
      text = tokenizer.decode(ids);
      let cut = text.length;
      while (cut > emitted && text[cut - 1] === REPLACEMENT) cut--;
      const piece = text.slice(emitted, cut);
      emitted = cut;
      return piece;
    },
    end() {
      const rest = text.slice(emitted);
      emitted = text.length;
      return rest;
    },
  };
}
