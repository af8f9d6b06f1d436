/**
 * Checked conversion of economics parameters to decimals (paper §2.2: C > 0, S > 0, 0 ≤ r < 1 …).
 *
 * Every refusal is a ProtocolParamError that names the parameter, the allowed range and the value
 * given, so a CLI user or a caller can fix the one input that is wrong.
 */
import { ProtocolParamError } from '../errors.js';
import { Decimal, Econ } from './decimal.js';

/** Converts a string, finite number or Decimal to an Econ decimal; anything else is refused. */
export function toDecimal(op: string, name: string, value: unknown, range: string): Decimal {
  if (value === undefined || value === null || value === '') throw new ProtocolParamError(op, name, `is required (${range})`);
  let d: Decimal;
  try {
    if (typeof value === 'number' || typeof value === 'string' || Decimal.isDecimal(value)) d = new Econ(value as Decimal.Value);
    else throw new TypeError('not a number');
  } catch {
    throw new ProtocolParamError(op, name, `must be a number (${range}), got ${describe(value)}`);
  }
  if (!d.isFinite()) throw new ProtocolParamError(op, name, `must be a finite number (${range}), got ${describe(value)}`);
  return d;
}

/** A decimal checked against a lower bound (inclusive or not) and an optional upper bound. */
export function decimalIn(
  op: string,
  name: string,
  value: unknown,
  bounds: { min?: Decimal.Value; minOpen?: boolean; max?: Decimal.Value; maxOpen?: boolean },
): Decimal {
  const range = rangeText(name, bounds);
  const d = toDecimal(op, name, value, range);
  const { min, max } = bounds;
  const tooLow = min !== undefined && (bounds.minOpen ? d.lte(min) : d.lt(min));
  const tooHigh = max !== undefined && (bounds.maxOpen ? d.gte(max) : d.gt(max));
  if (tooLow || tooHigh) throw new ProtocolParamError(op, name, `must satisfy ${range}, got ${d.toString()}`);
  return d;
}

/** An integer parameter (such as the validator count n) in [min, 2^53 − 1]. */
export function integerAtLeast(op: string, name: string, value: unknown, min: number): number {
  const range = `an integer >= ${min}`;
  if (typeof value === 'bigint') value = value.toString();
  const d = toDecimal(op, name, value, range);
  if (!d.isInteger() || d.lt(min) || d.gt(Number.MAX_SAFE_INTEGER)) throw new ProtocolParamError(op, name, `must be ${range}, got ${d.toString()}`);
  return d.toNumber();
}

/** A probability p in [0, 1] (the challenge probability of §2.1 step 2). */
export function probability(op: string, value: unknown, name = 'p'): Decimal {
  return decimalIn(op, name, value, { min: 0, max: 1 });
}

function rangeText(name: string, b: { min?: Decimal.Value; minOpen?: boolean; max?: Decimal.Value; maxOpen?: boolean }): string {
  const lo = b.min === undefined ? '' : `${String(b.min)} ${b.minOpen ? '<' : '<='} `;
  const hi = b.max === undefined ? '' : ` ${b.maxOpen ? '<' : '<='} ${String(b.max)}`;
  if (b.min !== undefined && b.max === undefined) return `${name} ${b.minOpen ? '>' : '>='} ${String(b.min)}`;
  return `${lo}${name}${hi}`;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
