/**
 * Which validators a challenged round has once silent ones are replaced (paper §3.2 steps 3–5 with the
 * liveness rule that a silent validator is replaced). The draw seed orders every eligible server by
 * stake without replacement (selection.ts weightedSample); the validators are the first `count` of
 * that order, and each validator that missed its deadline is replaced by the next one in the order.
 * The prefix of the order is exactly selectValidators' choice, so a round where nobody is silent has
 * the validators it always had, and every voter can redo the whole choice from the draw seed, the
 * stake table and the board's list of who was silent.
 */
import { ProtocolParamError } from '../errors.js';
import { weightedSample, type StakedNode } from '../selection.js';

export interface ValidatorDraw {
  readonly asserter: string;
  readonly count: number;
  /** selection.ts selectionSeed(drawSeed, requestId). */
  readonly seed: string;
  /** Validators replaced for silence, in the order they were replaced. */
  readonly silent: readonly string[];
}

/** The stake-weighted order of every eligible server but the asserter. */
export function validatorOrder(pool: readonly StakedNode[], asserter: string, seed: string): string[] {
  const eligible = pool.filter((n) => n.id !== asserter && n.stake > 0n).length;
  return weightedSample(pool, eligible, seed, [asserter], 'validatorOrder');
}

/** The round's validators after the replacements; fewer than `count` when the order runs out. */
export function drawnValidators(pool: readonly StakedNode[], d: ValidatorDraw): string[] {
  const order = validatorOrder(pool, d.asserter, d.seed);
  const out: string[] = [];
  let next = 0;
  const take = () => {
    while (next < order.length && d.silent.includes(order[next]!)) next++;
    return next < order.length ? order[next++] : undefined;
  };
  for (let i = 0; i < d.count; i++) {
    const id = take();
    if (id !== undefined) out.push(id);
  }
  // Every silent validator must have been one of the round's validators when it was replaced.
  const reached = order.slice(0, next);
  for (const s of d.silent)
    if (!reached.includes(s)) throw new ProtocolParamError('drawnValidators', 'silent', `'${s}' was never a validator of this draw, so it cannot have been replaced`);
  return out;
}
