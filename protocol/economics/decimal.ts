/**
 * The number type of the PoSP/spML economics (paper §2.2 Theorem 1, §3.3 Proposition 1, §3.4).
 *
 * A private decimal.js constructor at 100 significant digits: sums and products of the values
 * people type (0.1, 1.2, 150) are exact, so Theorem 1's inequality is decided exactly; only the
 * divisions that give thresholds (p_min, p_max) and high powers rⁿ round, at the 100th digit.
 * Its own clone keeps these settings away from every other user of decimal.js in the process.
 */
import { Decimal } from 'decimal.js';

export const Econ = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 60 });

/** What the economics functions accept for a number: a decimal string, a finite JS number or a Decimal. */
export type DecimalInput = string | number | Decimal;

export { Decimal };
