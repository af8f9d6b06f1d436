/**
 * The merge loop of a sentencepiece-style BPE encoder, exactly as llama2.c's `encode` (run.c)
 * does it, in O(n log n) instead of run.c's O(n²):
 *
 *   repeat: among all adjacent pairs (a, b) whose concatenated text is a token with a score
 *   strictly above −1e10, take the one whose token has the highest score; on a tie, the
 *   leftmost pair (run.c scans left to right and replaces its best only on a strictly greater
 *   score); replace the pair by that token; until no pair merges.
 *
 * The pairs live in a binary heap ordered by (score descending, position ascending). A symbol
 * keeps the position of its leftmost initial symbol, so positions stay in sequence order. A
 * heap entry goes stale when either symbol is merged away or changes; a symbol's text only
 * grows, so comparing the two ids it was made with detects that.
 */

/** run.c's `best_score` starts at −1e10 and a pair merges only when its score is greater. */
export const MIN_MERGE_SCORE = -1e10;

export interface MergeVocab {
  /** The text of each token id (what run.c concatenates with sprintf). */
  readonly texts: readonly string[];
  readonly scores: readonly number[];
  /** Text → id over the whole vocabulary (run.c's `str_lookup`). */
  readonly lookup: ReadonlyMap<string, number>;
}

interface Candidate {
  score: number;
  left: number;
  right: number;
  leftId: number;
  rightId: number;
  id: number;
}

function before(a: Candidate, b: Candidate): boolean {
  return a.score > b.score || (a.score === b.score && a.left < b.left);
}

class CandidateHeap {
  private readonly items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  push(c: Candidate): void {
    const h = this.items;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): Candidate {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Merges `initial` (token ids) in place of run.c's loop; returns the merged ids. */
export function mergePairs(vocab: MergeVocab, initial: readonly number[]): number[] {
  const n = initial.length;
  const ids = Int32Array.from(initial);
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  const heap = new CandidateHeap();
  const consider = (left: number, right: number): void => {
    if (left < 0 || right < 0) return;
    const id = vocab.lookup.get(vocab.texts[ids[left]!]! + vocab.texts[ids[right]!]!);
    if (id === undefined) return;
    const score = vocab.scores[id]!;
    if (!(score > MIN_MERGE_SCORE)) return;
    heap.push({ score, left, right, leftId: ids[left]!, rightId: ids[right]!, id });
  };
  for (let i = 0; i + 1 < n; i++) consider(i, i + 1);

  while (heap.size > 0) {
    const c = heap.pop();
    const { left, right } = c;
    if (!alive[left] || !alive[right] || next[left] !== right) continue;
    if (ids[left] !== c.leftId || ids[right] !== c.rightId) continue;
    ids[left] = c.id;
    alive[right] = 0;
    const after = next[right]!;
    next[left] = after;
    if (after >= 0) prev[after] = left;
    consider(prev[left]!, left);
    consider(left, after);
  }

  const out: number[] = [];
  for (let i = n > 0 ? 0 : -1; i >= 0; i = next[i]!) out.push(ids[i]!);
  return out;
}
