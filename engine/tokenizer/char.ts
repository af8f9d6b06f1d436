/**
 * A character vocabulary: token id i is the i-th code point of the vocabulary string (the
 * file's meta.vocab, docs/MODEL_FORMAT.md). Every character of a text is one token.
 */
import { ValueRangeError } from '../errors.js';
import type { Tokenizer } from './tokenizer.js';

export class CharTokenizer implements Tokenizer {
  private readonly chars: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  constructor(readonly vocab: string) {
    this.chars = [...vocab];
    this.ids = new Map(this.chars.map((ch, i) => [ch, i]));
  }

  get vocabSize(): number {
    return this.chars.length;
  }

  encode(text: string): number[] {
    return [...text].map((ch, i) => {
      const id = this.ids.get(ch);
      if (id === undefined) {
        const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new ValueRangeError('encode', `character ${JSON.stringify(ch)} (U+${code}) at position ${i} is not in the model's vocabulary`);
      }
      return id;
    });
  }

  decode(ids: readonly number[]): string {
    return ids.map((id) => this.chars[id] ?? '').join('');
  }
}
