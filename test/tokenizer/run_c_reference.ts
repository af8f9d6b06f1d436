/**
 * An independent, slow reference of llama2.c's `encode` (karpathy/llama2.c run.c), written to
 * follow its C line by line on bytes: the dummy prefix is str_lookup(" "); the text's UTF-8
 * bytes are grouped into code points by the continuation-byte test (at most 4 bytes); each group
 * is looked up whole or falls back to byte + 3; then the O(n²) loop merges, each round, the pair
 * whose sprintf("%s%s") concatenation is a token with a score strictly greater than the best so
 * far (starting at -1e10), so ties go to the leftmost pair. The one deviation: the whole byte
 * array is encoded, where C would stop at a NUL byte. Used only by tests, against bpe.ts.
 */

/** Bytes as a binary string: a Map key that compares like strcmp on NUL-free strings. */
function key(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

export function runCEncode(vocab: readonly Uint8Array[], scores: readonly number[], text: Uint8Array, bos: boolean, eos: boolean): number[] {
  const sorted = new Map<string, number>();
  vocab.forEach((v, id) => sorted.set(key(v), id));
  const strLookup = (s: string): number => sorted.get(s) ?? -1;

  const tokens: number[] = [];
  if (bos) tokens.push(1);
  if (text.length > 0) tokens.push(strLookup(' '));

  let strBuffer: number[] = [];
  for (let c = 0; c < text.length; c++) {
    if ((text[c]! & 0xc0) !== 0x80) strBuffer = [];
    strBuffer.push(text[c]!);
    const next = c + 1 < text.length ? text[c + 1]! : 0;
    if ((next & 0xc0) === 0x80 && strBuffer.length < 4) continue;
    const id = strLookup(key(strBuffer));
    if (id !== -1) {
      tokens.push(id);
    } else {
      for (const b of strBuffer) tokens.push(b + 3);
    }
    strBuffer = [];
  }

  for (;;) {
    let bestScore = -1e10;
    let bestId = -1;
    let bestIdx = -1;
    for (let i = 0; i < tokens.length - 1; i++) {
      const id = strLookup(key(vocab[tokens[i]!]!) + key(vocab[tokens[i + 1]!]!));
      if (id !== -1 && scores[id]! > bestScore) {
        bestScore = scores[id]!;
        bestId = id;
        bestIdx = i;
      }
    }
    if (bestIdx === -1) break;
    tokens[bestIdx] = bestId;
    tokens.splice(bestIdx + 1, 1);
  }

  if (eos) tokens.push(2);
  return tokens;
}
