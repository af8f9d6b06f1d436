/**
 * Streaming decoding for BPE tokenizers (bpe.ts): text one token at a time, never half a
 * character. Byte tokens can split a UTF-8 character over several tokens; the incomplete tail
 * is held back until its last byte arrives, and `end()` turns a truncated one into U+FFFD.
 * This is the WHATWG UTF-8 decoder in streaming mode, so the pieces joined always equal the
 * one-shot decode of the same bytes (a byte sequence that can never be valid gives U+FFFD at
 * once, as it does in one shot). Which bytes a token gives, and the leading-space rule after
 * BOS, are the tokenizer's (BpeTokenizer.pieceBytes, following llama2.c's `decode` in run.c).
 */
export class BpeStreamDecoder {
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  private prev: number | undefined;

  /**
   * @param piece the bytes of token `id` after token `prev` (undefined for the first token)
   * @param after the id before the first pushed token, when the stream continues a sequence
   */
  constructor(
    private readonly piece: (id: number, prev: number | undefined) => Uint8Array,
    after?: number,
  ) {
    this.prev = after;
  }

  /** The whole characters that token `id` completes (possibly ''). */
  push(id: number): string {
    const bytes = this.piece(id, this.prev);
    this.prev = id;
    return this.utf8.decode(bytes, { stream: true });
  }

  /** What is held back, as U+FFFD for a truncated character; the decoder can then start again. */
  end(): string {
    return this.utf8.decode();
  }
}
