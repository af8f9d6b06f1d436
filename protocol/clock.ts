/**
 * The round clock that releases locked stakes and pays pending rewards (paper §3.2: stakes stay locked
 * "the challenge and arbitration window"). Whoever creates a clock holds the only handle that moves it;
 * everyone else, the ledger and settlement included, can only read it. The in-process network creates
 * its own and advances it as its rounds complete, so no caller of `spml/protocol` can move the network's
 * time (and so release a locked stake early, or move time for others).
 */
import { LedgerError } from './errors.js';

/** A read-only view of a round counter; `onAdvance` listeners run, in order, each time it moves. */
export class RoundClock {
  #round: number;
  readonly #listeners: ((round: number) => void)[] = [];

  private constructor(start: number) {
    this.#round = start;
  }

  /** A new clock at `start` and the one function that moves it (forward only). */
  static create(start = 0): ClockControl {
    checkRound('roundClock.create', start);
    const clock = new RoundClock(start);
    return { clock, advanceTo: (round: number) => clock.#advance(round) };
  }

  /** The current round. */
  get round(): number {
    return this.#round;
  }

  /** Calls `listener(round)` after each move (the ledger releases what has come due). */
  onAdvance(listener: (round: number) => void): void {
    this.#listeners.push(listener);
  }

  #advance(round: number): void {
    const op = 'roundClock.advanceTo';
    checkRound(op, round);
    if (round < this.#round) throw new LedgerError(op, `cannot move the clock back from round ${this.#round} to round ${round}`);
    this.#round = round;
    for (const l of this.#listeners) l(round);
  }
}

/** What RoundClock.create returns: the clock to hand out, and the function to keep. */
export interface ClockControl {
  readonly clock: RoundClock;
  advanceTo(round: number): void;
}

function checkRound(op: string, round: unknown): asserts round is number {
  if (typeof round !== 'number' || !Number.isSafeInteger(round) || round < 0)
    throw new LedgerError(op, `round must be a non-negative safe integer, got ${String(round)}`);
}
