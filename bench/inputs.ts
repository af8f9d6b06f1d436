/**
 * Seeded inputs and summary statistics shared by the benches, so that every bench feeds the same
 * data to every backend and summarises timings the same way.
 */
import { Rng } from '../tools/data/rng.js';

/** Seeded 32-bit words (tools/data/rng.ts), so every run feeds the same inputs. */
export function randomWords(count: number, seed: number): Uint32Array {
  const rng = new Rng(seed);
  return Uint32Array.from({ length: count }, () => rng.u32());
}

export const randomInt8 = (n: number, seed: number): Int8Array => Int8Array.from(randomWords(n, seed), (w) => ((w & 0xff) << 24) >> 24);
export const randomInt16 = (n: number, seed: number): Int16Array => Int16Array.from(randomWords(n, seed), (w) => ((w & 0xffff) << 16) >> 16);
/** int32 in [-2^16, 2^16): attention-score-like magnitudes. */
export const randomInt32 = (n: number, seed: number): Int32Array => Int32Array.from(randomWords(n, seed), (w) => (w % 0x20000) - 0x10000);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
