/**
 * Test fixtures for the llama architecture: the stories260K checkpoint and its tok512 vocabulary
 * from shared/models/stories260K/ (README.md there), checked against their published sha256
 * before use (tools/data/stories260k.ts; a missing file fails the test that needs it, naming
 * where it was looked for: these tests never skip themselves), and a minimal encoder/decoder of
 * the README's tokenizer format so that these tests do not depend on the library's BPE tokenizer.
 */
export { readStoriesFile, STORIES_DIR } from '../../tools/data/stories260k.js';

export const BOS = 1;

/** The README's tokenizer: pieces with scores; byte tokens are ids 3..258. */
export class Tok512 {
  readonly pieces: string[] = [];
  readonly scores: number[] = [];
  private readonly ids = new Map<string, number>();

  constructor(bytes: Uint8Array) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let o = 4;
    const dec = new TextDecoder();
    while (o < bytes.length) {
      this.scores.push(view.getFloat32(o, true));
      const len = view.getInt32(o + 4, true);
      const piece = dec.decode(bytes.subarray(o + 8, o + 8 + len));
      if (!this.ids.has(piece)) this.ids.set(piece, this.pieces.length);
      this.pieces.push(piece);
      o += 8 + len;
    }
  }

  encode(text: string): number[] {
    if (text === '') return [];
    const ids: number[] = [];
    for (const ch of ' ' + text) {
      const id = this.ids.get(ch);
      if (id !== undefined) ids.push(id);
      else for (const b of new TextEncoder().encode(ch)) ids.push(b + 3);
    }
    for (;;) {
      let best = -Infinity;
      let at = -1;
      let merged = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const id = this.ids.get(this.pieces[ids[i]!]! + this.pieces[ids[i + 1]!]!);
        if (id !== undefined && this.scores[id]! > best) [best, at, merged] = [this.scores[id]!, i, id];
      }
      if (at < 0) return ids;
      ids.splice(at, 2, merged);
    }
  }

  /** Text of ids that follow BOS: byte tokens give their bytes, the first leading space is dropped. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    ids.forEach((id, i) => {
      if (id >= 3 && id <= 258) bytes.push(id - 3);
      else {
        let piece = this.pieces[id]!;
        if (i === 0 && piece.startsWith(' ')) piece = piece.slice(1);
        bytes.push(...new TextEncoder().encode(piece));
      }
    });
    return new TextDecoder().decode(new Uint8Array(bytes));
  }
}

/** Greedy decoding with a logits function over the whole sequence (no cache). */
export function greedy(logitsOf: (tokens: readonly number[]) => ArrayLike<number>, vocab: number, prompt: readonly number[], steps: number): number[] {
  const tokens = [...prompt];
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    const logits = logitsOf(tokens);
    const row = logits.length / vocab - 1;
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[row * vocab + v]! > logits[row * vocab + best]!) best = v;
    out.push(best);
    tokens.push(best);
  }
  return out;
}
