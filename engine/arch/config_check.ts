/**
 * The checks every architecture's checkConfig uses, with its errors in one form. A leaf module:
 * an architecture's config.ts imports it rather than config.ts, which reaches the registry, so
 * that the architectures load in any order.
 */
import { ParamError } from '../errors.js';

export function configChecker(op: string) {
  return {
    bad(msg: string): never {
      throw new ParamError(op, `invalid model config: ${msg}`);
    },
    posInt: (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi,
  };
}
