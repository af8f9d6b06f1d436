/**
 * A BPE tokenizer for llama-style (sentencepiece) vocabularies: token texts with scores, byte
 * tokens <0x00>..<0xFF> for byte fallback, and BOS/EOS/unknown ids. One class serves llama2.c's
 * tokenizer.bin (engine/format/llama2c_tokenizer.ts) and GGUF's `tokenizer.ggml.*` arrays
 * (tokens, scores, token_type; `spaceMarker: '▁'` turns sentencepiece's ▁ into a space).
 *
 * Encoding, as llama2.c's `encode` (run.c) and /work/shared/models/stories260K/README.md:
 *   1. an empty text gives no tokens; otherwise one space is prepended (add_dummy_prefix);
 *   2. each character (code point) becomes the token with exactly its text, or, when there is
 *      none, each of its UTF-8 bytes becomes that byte's token (byte fallback);
 *   3. adjacent pairs merge by score (bpe_merge.ts: highest score first, ties leftmost);
 *   4. BOS before and EOS after only when asked: `encode(text)`, the Tokenizer interface, adds
 *      neither; `encode(text, { bos: true })` is what llama2.c's generate feeds the model.
 * Where this differs from run.c: a text is encoded whole, U+0000 included (run.c stops at a NUL
 * byte); a lone surrogate (not Unicode) or a byte with no byte token is a ValueRangeError; the
 * dummy-prefix space falls back to its byte token if the vocabulary has no " " token. With a
 * `spaceMarker` (a GGUF vocabulary), that character in the text is a space too: sentencepiece
 * and llama.cpp (llama_escape_whitespace) turn every space into '▁' before they encode, so a
 * literal '▁' and a space are one symbol there. run.c, whose llama2.c vocabulary has plain
 * spaces, sends a literal '▁' to byte fallback, and so does a vocabulary without a marker.
 *
 * Decoding, as run.c's `decode`: a byte token gives its raw byte, any other normal or
 * user-defined token its text; control, unknown and unused tokens (BOS, EOS, <unk>) give
 * nothing; a token that follows BOS drops one leading space of its text, and so does the first
 * token of a sequence (the dummy prefix; `after` names the id before the sequence when it is a
 * continuation). A byte token <0x20> there drops its space too (llama.cpp's lstrip does; run.c
 * only strips token texts), so that the byte-fallback dummy prefix round-trips. The bytes are
 * then UTF-8 decoded, an invalid sequence becoming U+FFFD.
 * `decoder()` does the same one token at a time (bpe_stream.ts).
 */
import { ParamError, ValueRangeError } from '../errors.js';
import { mergePairs, type MergeVocab } from './bpe_merge.js';
import { BpeStreamDecoder } from './bpe_stream.js';
import type { Tokenizer } from './tokenizer.js';

/** GGUF's token types (llama.cpp's llama_token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

export interface BpeVocabulary {
  /** Token texts, by id: strings, or their UTF-8 bytes. */
  readonly tokens: readonly (string | Uint8Array)[];
  readonly scores: readonly number[];
  /** GGUF token types by id; without them: unk → unknown, bos/eos → control, <0xHH> → byte. */
  readonly types?: readonly number[];
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  /** A character the token texts use for a space (sentencepiece's '▁' in GGUF); llama2.c: none. */
  readonly spaceMarker?: string;
}

export interface EncodeOptions {
  /** Put BOS first. Default false. */
  readonly bos?: boolean;
  /** Put EOS last. Default false. */
  readonly eos?: boolean;
}

export interface DecodeOptions {
  /** The id just before `ids` when they continue a sequence (so the first token is no longer first). */
  readonly after?: number;
}

const BYTE_TOKEN = /^<0x([0-9A-F]{2})>$/;
const SPACE = 0x20;
/** A UTF-16 surrogate without its partner: not Unicode text. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class BpeTokenizer implements Tokenizer {
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  /** The (space-normalized) text of each id. */
  readonly texts: readonly string[];
  readonly scores: readonly number[];
  readonly types: readonly number[];
  /** The character the text may use for a space (see the header), if the vocabulary has one. */
  private readonly spaceMarker: string | undefined;
  /** The bytes each id decodes to (before the leading-space rule). */
  private readonly bytes: readonly Uint8Array[];
  /** Byte value → its byte token id, or −1. */
  private readonly byteIds: Int32Array;
  private readonly merge: MergeVocab;

  constructor(vocab: BpeVocabulary) {
    const op = 'BpeTokenizer';
    const n = vocab.tokens.length;
    if (n === 0) throw new ParamError(op, 'the vocabulary has no tokens');
    if (vocab.scores.length !== n) throw new ParamError(op, `${vocab.scores.length} scores for ${n} tokens`);
    if (vocab.types !== undefined && vocab.types.length !== n) throw new ParamError(op, `${vocab.types.length} token types for ${n} tokens`);
    for (const [name, id] of [['bos', vocab.bos], ['eos', vocab.eos], ['unk', vocab.unk]] as const) {
      if (!Number.isInteger(id) || id < 0 || id >= n) throw new ParamError(op, `${name} id ${id} is not a token id (0..${n - 1})`);
    }
    if (vocab.spaceMarker !== undefined && [...vocab.spaceMarker].length !== 1) {
      throw new ParamError(op, `spaceMarker ${JSON.stringify(vocab.spaceMarker)} must be one character`);
    }
    const texts: string[] = [];
    const lookup = new Map<string, number>();
    for (let id = 0; id < n; id++) {
      const t = vocab.tokens[id]!;
      let text: string;
      if (typeof t === 'string') {
        if (LONE_SURROGATE.test(t)) throw new ParamError(op, `token ${id} has a lone surrogate`);
        text = t;
      } else {
        try {
          text = strictUtf8.decode(t);
        } catch {
          throw new ParamError(op, `token ${id} is not valid UTF-8`);
        }
      }
      if (vocab.spaceMarker !== undefined) text = text.replaceAll(vocab.spaceMarker, ' ');
      const seen = lookup.get(text);
      if (seen !== undefined) throw new ParamError(op, `token ${id} has the same text as token ${seen}: ${JSON.stringify(text)}`);
      lookup.set(text, id);
      texts.push(text);
      if (!Number.isFinite(vocab.scores[id])) throw new ParamError(op, `token ${id} has score ${vocab.scores[id]}, not a finite number`);
    }
    const types = texts.map((text, id) => {
      if (vocab.types === undefined) {
        if (id === vocab.unk) return TOKEN_TYPE.unknown;
        if (id === vocab.bos || id === vocab.eos) return TOKEN_TYPE.control;
        return BYTE_TOKEN.test(text) ? TOKEN_TYPE.byte : TOKEN_TYPE.normal;
      }
      const type = vocab.types[id]!;
      if (!Number.isInteger(type) || type < 1 || type > 6) throw new ParamError(op, `token ${id} has type ${type}, not 1..6`);
      if (type === TOKEN_TYPE.byte && !BYTE_TOKEN.test(text)) throw new ParamError(op, `byte token ${id} has text ${JSON.stringify(text)}, not <0xHH>`);
      return type;
    });
    this.byteIds = new Int32Array(256).fill(-1);
    this.bytes = texts.map((text, id) => {
      if (types[id] === TOKEN_TYPE.byte) {
        const b = parseInt(BYTE_TOKEN.exec(text)![1]!, 16);
        this.byteIds[b] = id;
        return Uint8Array.of(b);
      }
      return types[id] === TOKEN_TYPE.normal || types[id] === TOKEN_TYPE.userDefined ? utf8.encode(text) : new Uint8Array(0);
    });
    this.bos = vocab.bos;
    this.eos = vocab.eos;
    this.unk = vocab.unk;
    this.texts = texts;
    this.spaceMarker = vocab.spaceMarker;
    this.scores = [...vocab.scores];
    this.types = types;
    this.merge = { texts, scores: this.scores, lookup };
  }

  get vocabSize(): number {
    return this.texts.length;
  }

  /** The token id whose text is exactly `text`, if any. */
  tokenId(text: string): number | undefined {
    return this.merge.lookup.get(text);
  }

  /** Token ids of `text`, without BOS/EOS unless asked (see the header). */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.bos) out.push(this.bos);
    if (text.length > 0) {
      const initial: number[] = [];
      this.pushChar(' ', -1, initial);
      let at = 0;
      for (const ch of text) {
        this.pushChar(ch === this.spaceMarker ? ' ' : ch, at, initial);
        at += ch.length;
      }
      out.push(...mergePairs(this.merge, initial));
    }
    if (options.eos) out.push(this.eos);
    return out;
  }

  /** The text of `ids` (see the header); ids outside the vocabulary give nothing. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const d = this.decoder(options);
    let s = '';
    for (const id of ids) s += d.push(id);
    return s + d.end();
  }

  /** A streaming decoder: `push(id)` returns only whole characters, `end()` the rest. */
  decoder(options: DecodeOptions = {}): BpeStreamDecoder {
    return new BpeStreamDecoder((id, prev) => this.pieceBytes(id, prev), options.after);
  }

  /** The bytes token `id` contributes after token `prev` (undefined: it is the first). */
  pieceBytes(id: number, prev: number | undefined): Uint8Array {
    if (!Number.isInteger(id) || id < 0 || id >= this.bytes.length) return new Uint8Array(0);
    const b = this.bytes[id]!;
    const strip = (prev === undefined || prev === this.bos) && b[0] === SPACE;
    return strip ? b.subarray(1) : b;
  }

  private pushChar(ch: string, at: number, out: number[]): void {
    const id = this.merge.lookup.get(ch);
    if (id !== undefined) {
      out.push(id);
      return;
    }
    if (LONE_SURROGATE.test(ch)) {
      throw new ValueRangeError('encode', `lone surrogate U+${ch.charCodeAt(0).toString(16).toUpperCase()} at position ${at} is not Unicode text`);
    }
    for (const byte of utf8.encode(ch)) {
      const b = this.byteIds[byte]!;
      if (b < 0) {
        const where = at < 0 ? 'the prepended space' : `character ${JSON.stringify(ch)} at position ${at}`;
        throw new ValueRangeError('encode', `${where} has no token and byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} has no byte token`);
      }
      out.push(b);
    }
  }
}
