/**
 * The read-only face of a network's ledger (protocol/ledger.ts): balances, totals, the journal and the
 * conservation check, and none of the methods that move money or time. A network hands this out in
 * place of its Ledger, so a caller of `spml/protocol` — from TypeScript or plain JavaScript — can read
 * every account but can neither lock, slash, mint nor transfer behind the protocol's back.
 */
import type { RoundClock } from './clock.js';
import type { AccountView, JournalEntry, Ledger, LedgerTotals } from './ledger.js';

export interface LedgerView {
  /** The current round (the network's clock, read-only). */
  readonly round: number;
  readonly clock: RoundClock;
  readonly journalLength: number;
  totals(): LedgerTotals;
  account(id: string): AccountView;
  free(id: string): bigint;
  has(id: string): boolean;
  accountIds(): string[];
  journal(): readonly JournalEntry[];
  journalFrom(start: number): readonly JournalEntry[];
  checkConservation(): void;
}

/** A frozen object of closures over `ledger`: no path from it leads back to the Ledger itself. */
export function ledgerView(ledger: Ledger): LedgerView {
  return Object.freeze({
    get round() {
      return ledger.round;
    },
    get clock() {
      return ledger.clock;
    },
    get journalLength() {
      return ledger.journalLength;
    },
    totals: () => ledger.totals(),
    account: (id: string) => ledger.account(id),
    free: (id: string) => ledger.free(id),
    has: (id: string) => ledger.has(id),
    accountIds: () => ledger.accountIds(),
    journal: () => ledger.journal(),
    journalFrom: (start: number) => ledger.journalFrom(start),
    checkConservation: () => ledger.checkConservation(),
  });
}
