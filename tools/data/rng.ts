/**
 * Seeded data generator (mulberry32) for tests, benches and tools. Deliberately not the engine's
 * Philox, so that test inputs never depend on the code under test.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [lo, hi], inclusive; exact for spans up to 2^32. */
  int(lo: number, hi: number): number {
    const span = hi - lo + 1;
    if (span <= 2 ** 32) return lo + Math.floor((this.u32() / 2 ** 32) * span);
    // Wider spans (int32 full range and beyond): combine two draws.
    return lo + Math.floor(((this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53) * span);
  }

  /** Uniform double in [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  ints(n: number, lo: number, hi: number): number[] {
    return Array.from({ length: n }, () => this.int(lo, hi));
  }
}
