/**
 * Settles one spML round on the ledger (paper §3.2 steps 1, 3, 6 and 8; PoSP §2.1 steps 2 and 4).
 * A round is one inference request: a user, its asserter A and, if challenged, validators B₁…Bₙ.
 *
 * Opening (openRound, §3.2 step 1): in the current round of the ledger's clock (which the network
 * advances as its rounds complete; no caller supplies it), the user's base fee u goes into escrow, and
 * the user's stake Su and A's stake S are locked until round + window. Challenge (challenge, step 3):
 * each validator's stake S is locked until the same round. Nobody's money can leave while the round may still be disputed, and
 * a slash always finds the full stake it needs.
 *
 * Settlement (settle), for each outcome:
 * - unchallenged (step 3): u is burnt from escrow (step 1: "will be burnt"); R is minted for A.
 * - match (step 6): floor(d·u) is refunded from escrow to the user and the rest of u burnt; R is minted
 *   for A and for every validator (spML pays R to each server, not PoSP's RV/n split).
 * - arbitrated, user dishonest (step 8): the user's locked Su is slashed and burnt and u is burnt;
 *   no server is paid or slashed (the servers answered different inputs, so their outputs prove nothing).
 * - arbitrated, user honest (step 8): u is refunded from escrow; each dishonest server's locked S is
 *   slashed, floor(S/3) of it transferred to the user and S − floor(S/3) burnt; each honest server gets
 *   R minted. With several dishonest servers the user is compensated by each.
 * - no-verdict (step 8 with no judgement reaching 2/3 of the votes): nobody is judged, so nobody is
 *   slashed or paid; the user's u is refunded in full, as the round delivered nothing it can rely on.
 * Liveness (every step has a deadline; protocol/live/round.ts applies these when a party is silent):
 * - asserter-silent (A sent no valid response in time): the round is void: u is refunded and Su
 *   released, and A pays the silence penalty P (config.silencePenalty, burnt) from its lock, the rest
 *   of which is released at once.
 * - withheld-reveal (the user never opened its commitment after A answered): the round counts as
 *   unchallenged, so the user's u is burnt and A is rewarded; withholding gains the user nothing.
 * - dispute-withheld (hashes differed, and the user raised no dispute): u is burnt and nobody is
 *   judged, paid or slashed: the user forfeits its fee rather than escape a judgement of its inputs.
 * - a silent validator is replaced (replaceValidator): it pays P, the rest of its S is released and
 *   the replacement's S is locked. A silent disputed party is judged dishonest by the caller's verdict.
 * - every stake lock of a round is held (Ledger.hold) from the moment it is made until the round
 *   settles, even past round + window: a round waiting on a slow party, or in dispute (openDispute),
 *   keeps the stakes its verdict may take, however many rounds open meanwhile. After settlement, what
 *   is left unlocks at round + window, or at once if that has passed.
 * Minted rewards are pending until round + window ("the challenge and arbitration window"), so they
 * cannot be spent before the round can no longer be disputed. Stakes unlock at the same round.
 * Burning (rather than paying to someone) is what the paper says for u, and for the slashed stakes it
 * gives nobody a reason to provoke a slash. After every batch the ledger checks conservation.
 */
import { ProtocolParamError, LedgerError } from './errors.js';
import type { EntryId, JournalEntry, Ledger } from './ledger.js';

/** A rational number num/den in bigints (d, the refund fraction). */
export interface Ratio {
  readonly num: bigint;
  readonly den: bigint;
}

/** spML's money parameters (§3.2), all in integer base units, and the dispute window in rounds. */
export interface ProtocolConfig {
  /** Base fee per request, > 0. */
  readonly u: bigint;
  /** Refund fraction on a matching challenge, 0 <= d < 1. */
  readonly d: Ratio;
  /** Reward per honest server, >= 0. */
  readonly R: bigint;
  /** Server stake slashed for a dishonest result, > 0. */
  readonly S: bigint;
  /** User stake slashed for sending the servers different inputs, > 0. */
  readonly Su: bigint;
  /** Rounds from a request until its stakes unlock and its rewards pay, an integer >= 1. */
  readonly window: number;
  /** Burnt from a server's stake when it misses a deadline (0 < P <= S; default max(1, floor(S/10))). */
  readonly silencePenalty?: bigint;
}

/** The arbitration vote's result (§3.2 step 8); `honest` and `dishonest` are server ids of the round. */
export interface Verdict {
  readonly userHonest: boolean;
  readonly dishonest: readonly string[];
  readonly honest: readonly string[];
}

export type RoundOutcome =
  | { readonly kind: 'unchallenged' }
  | { readonly kind: 'match' }
  | { readonly kind: 'arbitrated'; readonly verdict: Verdict }
  | { readonly kind: 'no-verdict' }
  | { readonly kind: 'asserter-silent' }
  | { readonly kind: 'withheld-reveal' }
  | { readonly kind: 'dispute-withheld' };

const OUTCOME_KINDS: readonly RoundOutcome['kind'][] = ['unchallenged', 'match', 'arbitrated', 'no-verdict', 'asserter-silent', 'withheld-reveal', 'dispute-withheld'];
/** Outcomes of a round that was challenged (validators were drawn). */
const CHALLENGED_KINDS: readonly RoundOutcome['kind'][] = ['match', 'arbitrated', 'no-verdict', 'dispute-withheld'];

/** Who takes part in an open round. */
export interface OpenRound {
  readonly round: number;
  readonly user: string;
  readonly asserter: string;
  readonly validators: readonly string[];
}

/** What settle did: the money it created and destroyed and the journal entries it wrote. */
export interface RoundSettlement {
  readonly round: number;
  readonly outcome: RoundOutcome['kind'];
  readonly minted: bigint;
  readonly burnt: bigint;
  readonly entries: readonly JournalEntry[];
}

const CONFIG_OP = 'protocolConfig';

function bigintField(name: string, value: unknown, min: bigint): bigint {
  if (typeof value !== 'bigint') throw new ProtocolParamError(CONFIG_OP, name, `must be a bigint (base units), got ${typeof value} ${String(value)}`);
  if (value < min) throw new ProtocolParamError(CONFIG_OP, name, `must be >= ${min}, got ${value}`);
  return value;
}

/** Checks every field of a ProtocolConfig and returns a frozen copy; ProtocolParamError names the bad field. */
export function checkProtocolConfig(config: ProtocolConfig): ProtocolConfig {
  if (typeof config !== 'object' || config === null) throw new ProtocolParamError(CONFIG_OP, 'config', 'must be an object');
  const u = bigintField('u', config.u, 1n);
  const d = config.d as unknown;
  if (typeof d !== 'object' || d === null) throw new ProtocolParamError(CONFIG_OP, 'd', 'must be a ratio {num, den} of bigints');
  const { num, den } = d as Partial<Ratio>;
  bigintField('d.num', num, 0n);
  bigintField('d.den', den, 1n);
  if (num! >= den!) throw new ProtocolParamError(CONFIG_OP, 'd', `must be < 1 (the paper's d < 1), got ${num}/${den}`);
  const R = bigintField('R', config.R, 0n);
  const S = bigintField('S', config.S, 1n);
  const Su = bigintField('Su', config.Su, 1n);
  const w = config.window as unknown;
  if (typeof w !== 'number' || !Number.isSafeInteger(w) || w < 1)
    throw new ProtocolParamError(CONFIG_OP, 'window', `must be an integer >= 1 (rounds), got ${String(w)}`);
  const P = config.silencePenalty === undefined ? (S / 10n > 0n ? S / 10n : 1n) : bigintField('silencePenalty', config.silencePenalty, 1n);
  if (P > S) throw new ProtocolParamError(CONFIG_OP, 'silencePenalty', `must be <= S = ${S}, got ${P}`);
  return Object.freeze({ u, d: Object.freeze({ num: num!, den: den! }), R, S, Su, window: w, silencePenalty: P });
}

/** What a user gets back when the challenge's hashes match (§3.2 step 6): floor(d·u). */
export function matchRefund(config: ProtocolConfig): bigint {
  return (config.u * config.d.num) / config.d.den;
}

/** What an honest user gets from each dishonest server's slashed stake (§3.2 step 8): floor(S/3). */
export function userCompensation(config: ProtocolConfig): bigint {
  return config.S / 3n;
}

interface RoundState extends OpenRound {
  validators: string[];
  challenged: boolean;
  disputed: boolean;
  readonly escrowId: EntryId;
  readonly userLock: EntryId;
  readonly serverLocks: Map<string, EntryId>;
}

export class Settlement {
  readonly ledger: Ledger;
  readonly config: ProtocolConfig;
  private readonly open = new Map<number, RoundState>();

  constructor(ledger: Ledger, config: ProtocolConfig) {
    this.ledger = ledger;
    this.config = checkProtocolConfig(config);
  }

  /** The rounds opened and not yet settled, oldest first. */
  openRounds(): OpenRound[] {
    return [...this.open.values()].map(({ round, user, asserter, validators }) => ({ round, user, asserter, validators: [...validators] }));
  }

  /**
   * Starts a request (§3.2 step 1) in the ledger clock's current round and returns that round: escrows
   * the user's fee u and locks the user's Su and the asserter's S until round + window. The round is
   * read from the clock (which only the network moves), never supplied by the caller, so no caller can
   * date a round, and with it the release of its stakes, other than now. One request per round.
   */
  openRound(user: string, asserter: string, ...rest: never[]): number {
    const op = 'settlement.openRound';
    // The old openRound(round, user, asserter): refuse a caller-supplied time instead of misreading it.
    if (rest.length > 0 || typeof user !== 'string')
      throw new ProtocolParamError(op, 'round', "takes no round: a round opens at the ledger clock's current round, which only the network advances");
    const round = this.ledger.round;
    if (this.open.has(round)) throw new ProtocolParamError(op, 'round', `round ${round} (the clock's current round) is already open`);
    if (user === asserter) throw new ProtocolParamError(op, 'asserter', `must differ from the user, both are '${user}'`);
    const { u, Su, S, window } = this.config;
    this.needFree(op, user, u + Su, `u + Su = ${u} + ${Su} to open round ${round}`);
    this.needFree(op, asserter, S, `its stake S = ${S} to serve round ${round}`);
    const until = round + window;
    const escrowId = this.ledger.escrow(user, u, `round ${round}: base fee u (§3.2 step 1)`);
    const userLock = this.lockFor(round, user, Su, 'user stake Su');
    const serverLock = this.lockFor(round, asserter, S, 'asserter stake S');
    this.open.set(round, { round, user, asserter, validators: [], challenged: false, disputed: false, escrowId, userLock, serverLocks: new Map([[asserter, serverLock]]) });
    this.ledger.checkConservation();
    return round;
  }

  /** The challenge was triggered (§3.2 step 3, §2.1 step 3): locks each validator's S until round + window. */
  challenge(round: number, validators: readonly string[]): void {
    const op = 'settlement.challenge';
    const state = this.live(op, round);
    if (state.challenged) throw new ProtocolParamError(op, 'round', `round ${round} was already challenged`);
    if (!Array.isArray(validators) || validators.length === 0)
      throw new ProtocolParamError(op, 'validators', 'must be a non-empty array of account ids (n >= 1, §2.1 step 3)');
    const seen = new Set([state.user, state.asserter]);
    for (const v of validators) {
      if (seen.has(v)) throw new ProtocolParamError(op, 'validators', `'${String(v)}' is the user, the asserter or listed twice in round ${round}`);
      seen.add(v);
    }
    const { S } = this.config;
    for (const v of validators) this.needFree(op, v, S, `its stake S = ${S} to validate round ${round}`);
    for (const v of validators) state.serverLocks.set(v, this.lockFor(round, v, S, 'validator stake S'));
    state.validators = [...validators];
    state.challenged = true;
    this.ledger.checkConservation();
  }

  /**
   * A validator of round `round` missed its deadline: it pays the silence penalty P from its lock, the
   * rest of that lock is released, and `replacement` (when given; none is left when the pool is spent)
   * takes its place with its own S locked until round + window.
   */
  replaceValidator(round: number, silent: string, replacement?: string): void {
    const op = 'settlement.replaceValidator';
    const state = this.live(op, round);
    if (state.disputed) throw new ProtocolParamError(op, 'round', `round ${round} is in dispute: its validators are fixed`);
    const at = state.validators.indexOf(silent);
    if (at < 0) throw new ProtocolParamError(op, 'silent', `'${String(silent)}' is not a validator of round ${round}`);
    if (replacement !== undefined) {
      if (replacement === state.user || replacement === state.asserter || state.serverLocks.has(replacement) || state.validators.includes(replacement))
        throw new ProtocolParamError(op, 'replacement', `'${String(replacement)}' already takes part in round ${round}`);
      this.needFree(op, replacement, this.config.S, `its stake S = ${this.config.S} to validate round ${round}`);
    }
    this.penalizeAndRelease(round, silent, state.serverLocks.get(silent)!, 'validator missed its deadline');
    state.serverLocks.delete(silent);
    state.validators.splice(at, 1);
    if (replacement !== undefined) {
      state.serverLocks.set(replacement, this.lockFor(round, replacement, this.config.S, 'replacement validator stake S'));
      state.validators.splice(at, 0, replacement);
    }
    this.ledger.checkConservation();
  }

  /**
   * A dispute was raised in round `round` (§3.2 step 7): from now on its validators are fixed. Its stakes
   * are already held until it settles (lockFor), so however long arbitration lasts they stay locked.
   */
  openDispute(round: number): void {
    const op = 'settlement.openDispute';
    const state = this.live(op, round);
    if (!state.challenged) throw new ProtocolParamError(op, 'round', `round ${round} was never challenged, so nothing can be disputed`);
    if (state.disputed) throw new ProtocolParamError(op, 'round', `round ${round} is already in dispute`);
    state.disputed = true;
  }

  /** A stake lock of round `round`, until round + window and held until the round settles. */
  private lockFor(round: number, id: string, amount: bigint, what: string): EntryId {
    // A round still open past its window (waiting on a slow party) locks until the next round at least.
    const until = Math.max(round + this.config.window, this.ledger.round + 1);
    const lock = this.ledger.lockStake(id, amount, until, `round ${round}: ${what}`);
    this.ledger.hold(lock);
    return lock;
  }

  /** A lock of the round released now (its hold ends first). */
  private releaseNow(round: number, lock: EntryId, why: string): void {
    this.ledger.unhold(lock);
    if (this.ledger.hasLock(lock)) this.ledger.releaseNow(lock, `round ${round}: ${why}`);
  }

  /** P burnt from `lock`, the rest of it released now: what a server pays for a missed deadline. */
  private penalizeAndRelease(round: number, server: string, lock: EntryId, why: string): void {
    const P = this.config.silencePenalty!;
    this.ledger.penalize(lock, P, `round ${round}: silence penalty P of '${server}', ${why}`);
    if (this.ledger.hasLock(lock)) this.releaseNow(round, lock, `rest of '${server}''s stake released`);
  }

  /** Applies round `round`'s outcome (see the header for each case), closes the round and checks conservation. */
  settle(round: number, outcome: RoundOutcome): RoundSettlement {
    const op = 'settlement.settle';
    const state = this.live(op, round);
    const servers = [state.asserter, ...state.validators];
    this.checkOutcome(op, state, servers, outcome);
    const { u, R, S, Su, window } = this.config;
    const L = this.ledger;
    const before = L.totals();
    const start = L.journalLength;
    const payable = round + window;
    // A dispute settled after its window pays at once: the round can no longer be disputed.
    const reward = (id: string, why: string) => {
      if (R > 0n) L.mint(id, R, `round ${round}: reward R, ${why}`, payable > L.round ? payable : undefined);
    };
    if (outcome.kind === 'unchallenged' || outcome.kind === 'withheld-reveal') {
      L.burnEscrow(state.escrowId, u, `round ${round}: base fee u burnt (§3.2 step 1${outcome.kind === 'withheld-reveal' ? ', the user withheld its reveal' : ''})`);
      reward(state.asserter, 'unchallenged asserter (§3.2 step 3)');
    } else if (outcome.kind === 'asserter-silent') {
      L.refundEscrow(state.escrowId, u, undefined, `round ${round}: the asserter sent no response in time, fee u returned`);
      this.releaseNow(round, state.userLock, 'the round is void, user stake Su released');
      this.penalizeAndRelease(round, state.asserter, state.serverLocks.get(state.asserter)!, 'asserter sent no response in time');
    } else if (outcome.kind === 'dispute-withheld') {
      L.burnEscrow(state.escrowId, u, `round ${round}: hashes differed and the user raised no dispute, fee u burnt`);
    } else if (outcome.kind === 'match') {
      const refund = matchRefund(this.config);
      if (refund > 0n) L.refundEscrow(state.escrowId, refund, undefined, `round ${round}: refund floor(d·u) on a match (§3.2 step 6)`);
      L.burnEscrow(state.escrowId, u - refund, `round ${round}: base fee u − floor(d·u) burnt (§3.2 step 6)`);
      for (const s of servers) reward(s, 'hashes matched (§3.2 step 6)');
    } else if (outcome.kind === 'no-verdict') {
      L.refundEscrow(state.escrowId, u, undefined, `round ${round}: no verdict reached 2/3, fee u returned (§3.2 step 8)`);
    } else if (!outcome.verdict.userHonest) {
      L.slash(state.userLock, Su, undefined, `round ${round}: dishonest user slashed Su (§3.2 step 8)`);
      L.burnEscrow(state.escrowId, u, `round ${round}: dishonest user's base fee u burnt (§3.2 step 8)`);
    } else {
      L.refundEscrow(state.escrowId, u, undefined, `round ${round}: honest user's fee u returned (§3.2 step 8)`);
      const share = userCompensation(this.config);
      for (const s of outcome.verdict.dishonest) {
        const lock = state.serverLocks.get(s)!;
        if (share > 0n) L.slash(lock, share, state.user, `round ${round}: S/3 of dishonest '${s}' to the user (§3.2 step 8)`);
        L.slash(lock, S - share, undefined, `round ${round}: rest of dishonest '${s}''s S burnt (§3.2 step 8)`);
      }
      for (const s of outcome.verdict.honest) reward(s, 'honest in arbitration (§3.2 step 8)');
    }
    // The round's holds end once the outcome has taken what it takes: what is left unlocks on schedule.
    for (const lock of [state.userLock, ...state.serverLocks.values()]) if (L.hasLock(lock)) L.unhold(lock);
    this.open.delete(round);
    L.checkConservation();
    const after = L.totals();
    return { round, outcome: outcome.kind, minted: after.minted - before.minted, burnt: after.burnt - before.burnt, entries: L.journalFrom(start) };
  }

  private checkOutcome(op: string, state: RoundState, servers: readonly string[], outcome: RoundOutcome): void {
    const kind = (outcome as { kind?: unknown } | null)?.kind;
    if (!OUTCOME_KINDS.includes(kind as RoundOutcome['kind']))
      throw new ProtocolParamError(op, 'outcome.kind', `must be one of ${OUTCOME_KINDS.map((k) => `'${k}'`).join(', ')}, got ${String(kind)}`);
    const k = kind as RoundOutcome['kind'];
    if (state.challenged && !CHALLENGED_KINDS.includes(k))
      throw new ProtocolParamError(op, 'outcome.kind', `round ${state.round} was challenged, so it cannot settle as '${k}'`);
    if (!state.challenged && CHALLENGED_KINDS.includes(k))
      throw new ProtocolParamError(op, 'outcome.kind', `round ${state.round} was never challenged, so it cannot settle as '${k}'`);
    if ((k === 'match' || k === 'arbitrated') && state.validators.length === 0)
      throw new ProtocolParamError(op, 'outcome.kind', `round ${state.round} has no validator left (all were replaced), so it cannot settle as '${k}'`);
    if (outcome.kind !== 'arbitrated') return;
    const v = outcome.verdict as Partial<Verdict> | undefined;
    if (typeof v?.userHonest !== 'boolean') throw new ProtocolParamError(op, 'verdict.userHonest', 'must be a boolean');
    const listed = new Set<string>();
    for (const name of ['dishonest', 'honest'] as const) {
      const ids = v[name];
      if (!Array.isArray(ids)) throw new ProtocolParamError(op, `verdict.${name}`, 'must be an array of server ids');
      for (const id of ids) {
        if (!servers.includes(id)) throw new ProtocolParamError(op, `verdict.${name}`, `'${String(id)}' is not a server of round ${state.round}`);
        if (listed.has(id)) throw new ProtocolParamError(op, `verdict.${name}`, `'${id}' is listed twice`);
        listed.add(id);
      }
    }
    // A dishonest user voids the servers' judgement (§3.2 step 8 slashes only the user), so the lists may be partial then.
    if (!v.userHonest) return;
    const missing = servers.filter((s) => !listed.has(s));
    if (missing.length > 0) throw new ProtocolParamError(op, 'verdict', `servers ${missing.map((s) => `'${s}'`).join(', ')} are neither honest nor dishonest`);
    if (v.dishonest!.length === 0)
      throw new ProtocolParamError(op, 'verdict.dishonest', 'a mismatch with an honest user needs at least one dishonest server');
  }

  /** The open round `round` (its stakes are held until it settles, so none has been released). */
  private live(op: string, round: number): RoundState {
    const state = this.open.get(round);
    if (state === undefined) throw new ProtocolParamError(op, 'round', `round ${String(round)} is not open`);
    return state;
  }

  private needFree(op: string, id: string, amount: bigint, what: string): void {
    const free = this.ledger.free(id);
    if (free < amount) throw new LedgerError(op, `account '${id}' needs ${what} but has only ${free} free`);
  }
}
