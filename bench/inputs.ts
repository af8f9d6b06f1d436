/**
 * Seeded inputs and summary statistics shared by the benches, so that every bench feeds the same
 * data to every backend and summarises timings the same way.
 */

/** mulberry32 words: a small seeded PRNG, so every run feeds the same inputs. */
export function randomWords(count: number, seed: number): Uint32Array {
  let s = seed >>> 0;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return out;
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
