/**
 * A llama model's vocabulary as its float checkpoint (`vocab`) and its .spml file (`meta.vocab`)
 * carry it: the JSON text of { tokens, scores, bos, eos, unk } (token texts by id, their merge
 * scores, and the special ids; a GGUF vocabulary adds its token types and the space marker '▁'),
 * e.g. llama2.c's tok512.bin as engine/format/llama2c_tokenizer.ts reads it. It becomes a BpeTokenizer (engine/tokenizer/bpe.ts; encoding and decoding as in
 * shared/models/stories260K/README.md).
 */
import { ModelFormatError, ParamError } from '../../errors.js';
import { BpeTokenizer } from '../../tokenizer/bpe.js';
import type { BpeStreamDecoder } from '../../tokenizer/bpe_stream.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';

export interface LlamaVocabulary {
  readonly tokens: readonly string[];
  readonly scores: readonly number[];
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  /** GGUF token types by id (engine/tokenizer/bpe.ts TOKEN_TYPE); absent: derived from the texts. */
  readonly types?: readonly number[];
  /** The character token texts use for a space (GGUF's sentencepiece '▁'); absent: a plain space. */
  readonly spaceMarker?: string;
}

/**
 * The `vocab` string of a vocabulary (the field order fixed, so one vocabulary has one text). The
 * optional fields appear only when given, so a llama2.c vocabulary keeps the text it always had.
 */
export function llamaVocabularyText(v: LlamaVocabulary): string {
  const optional = { ...(v.types && { types: v.types }), ...(v.spaceMarker !== undefined && { spaceMarker: v.spaceMarker }) };
  return JSON.stringify({ tokens: v.tokens, scores: v.scores, bos: v.bos, eos: v.eos, unk: v.unk, ...optional });
}

/** What is wrong with a `vocab` for `vocabSize` tokens, or its vocabulary. */
function parse(text: unknown, vocabSize: number): LlamaVocabulary | string {
  if (typeof text !== 'string') return 'the vocabulary is not a string';
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'the vocabulary is not JSON';
  }
  if (v === null || typeof v !== 'object') return 'the vocabulary is not an object';
  const { tokens, scores, bos, eos, unk, types, spaceMarker } = v;
  if (!Array.isArray(tokens) || tokens.length !== vocabSize || !tokens.every((t) => typeof t === 'string')) return `the vocabulary needs ${vocabSize} token strings`;
  if (!Array.isArray(scores) || scores.length !== vocabSize || !scores.every((s) => typeof s === 'number' && Number.isFinite(s))) return `the vocabulary needs ${vocabSize} finite scores`;
  for (const id of [bos, eos, unk]) if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) return `the vocabulary's special id ${String(id)} is not a token id`;
  if (types !== undefined && (!Array.isArray(types) || types.length !== vocabSize || !types.every((t) => Number.isInteger(t)))) return `the vocabulary's types need ${vocabSize} integers`;
  if (spaceMarker !== undefined && typeof spaceMarker !== 'string') return "the vocabulary's spaceMarker is not a string";
  return { tokens, scores, bos, eos, unk, ...(types !== undefined && { types }), ...(spaceMarker !== undefined && { spaceMarker }) } as LlamaVocabulary;
}

/** The vocabulary of a checkpoint or file; `op` names the caller in the error. */
export function parseLlamaVocabulary(op: string, text: unknown, vocabSize: number, asFormat = true): LlamaVocabulary {
  const v = parse(text, vocabSize);
  if (typeof v === 'string') throw asFormat ? new ModelFormatError(`invalid meta.vocab: ${v}`, undefined, op) : new ParamError(op, v);
  return v;
}

/**
 * The tokenizer of a llama model (its errors are BpeTokenizer's ParamErrors: duplicate texts, bad
 * bytes). A llama sequence starts with BOS, so `encode(text)` is BOS and the text's BPE ids, what
 * generation prefills and calibration runs; `decode(ids)` reads ids that begin with BOS as a whole
 * sequence (the first text token drops its dummy-prefix space) and any other ids as the
 * continuation of a sequence (a generated completion keeps its leading space).
 */
export function llamaTokenizer(v: LlamaVocabulary): Tokenizer & { readonly bpe: BpeTokenizer; decoder(): BpeStreamDecoder } {
  const bpe = new BpeTokenizer(v);
  return {
    bpe,
    vocabSize: bpe.vocabSize,
    encode: (text) => bpe.encode(text, { bos: true }),
    decode: (ids) => (ids[0] === v.bos ? bpe.decode(ids) : bpe.decode(ids, { after: v.eos })),
    // Streaming a completion (engine/text_stream.ts): one token at a time, as decode continues one.
    decoder: () => bpe.decoder({ after: v.eos }),
  };
}
