/**
 * The tokenizer contract: text ↔ token ids for a language model (engine/arch/architecture.ts).
 * The character vocabulary of the shipped GPT is char.ts; a BPE vocabulary implements the same.
 */
export interface Tokenizer {
  readonly vocabSize: number;
  /** Token ids of `text`; text the vocabulary cannot express is a ValueRangeError naming where. */
  encode(text: string): number[];
  /** The text of `ids`; ids outside the vocabulary decode to nothing. */
  decode(ids: readonly number[]): string;
}
