/**
 * Walker–Vose alias table: draws an index with probability proportional to its weight in O(1),
 * for the stake-weighted choice of the asserter (paper §3.2 step 1, "a randomly selected server";
 * here the chance can follow stake, as in proof-of-stake networks).
 *
 * One uniform number picks the column and, from its fractional part, the side; that keeps the
 * number of draws per round fixed, so executors that share a seed stay in step.
 */
import { ProtocolParamError } from '../errors.js';

export class AliasTable {
  readonly size: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new ProtocolParamError('AliasTable', 'weights', 'needs at least one weight');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w > 0) || !Number.isFinite(w)) throw new ProtocolParamError('AliasTable', 'weights', `weight ${i} must be a finite number > 0, got ${w}`);
      total += w;
    }
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = Float64Array.from({ length: n }, (_, i) => (weights[i]! * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) (scaled[i]! < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    // What is left is 1 up to rounding.
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  /** The index drawn by a uniform `u` in [0, 1). */
  pick(u: number): number {
    const x = u * this.size;
    const i = Math.floor(x);
    return x - i < this.prob[i]! ? i : this.alias[i]!;
  }
}
