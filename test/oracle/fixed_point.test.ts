/**
 * The scalar primitives of kernels/cpu/fixed_point.ts and Philox against BigInt oracles. These
 * are the units under test, so they are imported directly; the oracles (./oracle.ts) are not.
 */
import { describe, expect, it } from 'vitest';
import { EXP2_NEG_Q15 } from '../../engine/constants.js';
import { divRoundHalfAway, divRoundHalfUp, expNegQ15, floorDiv, isqrt, mulShiftRound, requantizeScalar, umul32 } from '../../kernels/cpu/fixed_point.js';
import { philox4x32 } from '../../kernels/cpu/philox.js';
import { Rng } from '../../tools/data/rng.js';
import {
  divHalfAwayOracle,
  divHalfUpOracle,
  expNegOracle,
  isqrtOracle,
  mulShiftRoundOracle,
  philoxOracle,
  roundShift,
  TWO31,
  umul32Oracle,
} from './oracle.js';

/** Integer with a random bit length in [0, bits], so small and large magnitudes are both hit. */
function logUniform(rng: Rng, bits: number): number {
  const len = rng.int(0, bits);
  if (len === 0) return 0;
  return rng.int(2 ** (len - 1), 2 ** len - 1);
}

const A_EDGES = [0, 1, 2, 3, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32 - 2, 2 ** 32 - 1];
const M_EDGES = [0, 1, 2, 3, 65535, 65536, 2 ** 30 - 1, 2 ** 30, 2 ** 31 - 2, 2 ** 31 - 1];
const N_EDGES = [0, 1, 2, 15, 16, 17, 30, 31, 32, 33, 34, 47, 52, 53, 54, 60, 61, 62];

function checkMulShiftRound(a: number, m: number, n: number): void {
  const got = mulShiftRound(a, m, n);
  const want = mulShiftRoundOracle(BigInt(a), BigInt(m), n);
  if (BigInt(got) !== want) expect(`R(${a}, ${m}, ${n}) = ${got}`).toBe(`R(${a}, ${m}, ${n}) = ${want}`);
}

describe('mulShiftRound vs BigInt', () => {
  it('edge grid', () => {
    for (const a of A_EDGES) for (const m of M_EDGES) for (const n of N_EDGES) checkMulShiftRound(a, m, n);
  });

  it('uniform random a, M, n', () => {
    const rng = new Rng(0x5eed0001);
    for (let i = 0; i < 20000; i++) checkMulShiftRound(rng.int(0, 2 ** 32 - 1), rng.int(0, 2 ** 31 - 1), rng.int(0, 62));
  });

  it('log-uniform random a, M (uncapped results dominate)', () => {
    const rng = new Rng(0x5eed0002);
    for (let i = 0; i < 20000; i++) checkMulShiftRound(logUniform(rng, 32), logUniform(rng, 31), rng.int(0, 62));
  });

  it('exact ties a·M = (2t+1)·2^(n-1) round up', () => {
    const rng = new Rng(0x5eed0003);
    let ties = 0;
    for (let i = 0; i < 5000; i++) {
      const n = rng.int(1, 62);
      const p = rng.int(0, Math.min(30, n - 1)); // M = 2^p
      const room = n - 1 - p; // a = odd · 2^room < 2^32
      if (room > 31) continue;
      const odd = 2 * rng.int(0, Math.max(0, 2 ** (31 - room) - 1)) + 1;
      const a = odd * 2 ** room;
      if (a > 2 ** 32 - 1) continue;
      const m = 2 ** p;
      // The exact quotient is odd/2: half up gives (odd + 1) / 2.
      expect(roundShift(BigInt(a), BigInt(m), n)).toBe(BigInt((odd + 1) / 2));
      checkMulShiftRound(a, m, n);
      ties++;
    }
    expect(ties).toBeGreaterThan(1000);
  });

  it('results at the 2^31 cap', () => {
    // a·M/2^n lands on 2^31 - 1, 2^31, 2^31 + 1 (capped), and the rounding boundary just below 2^31.
    const cases: [number, number, number][] = [
      [2 ** 31 - 1, 1, 0],
      [2 ** 31, 1, 0],
      [2 ** 31 + 1, 1, 0],
      [2 ** 32 - 1, 2 ** 30, 31],
      [2 ** 32 - 1, 2 ** 30, 30],
      [2 ** 32 - 2, 2 ** 30, 31],
      [2 ** 32 - 3, 2 ** 30, 31],
      [2 ** 32 - 1, 2 ** 31 - 1, 62],
      [2 ** 32 - 1, 2 ** 31 - 1, 32],
      [2 ** 32 - 1, 2 ** 31 - 1, 33],
    ];
    for (const [a, m, n] of cases) checkMulShiftRound(a, m, n);
  });

  it('requantizeScalar = sign(x)·R(|x|) over int32', () => {
    const rng = new Rng(0x5eed0004);
    const xs = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1];
    for (let i = 0; i < 5000; i++) xs.push(rng.int(-(2 ** 31), 2 ** 31 - 1));
    for (const x of xs) {
      const m = logUniform(rng, 31);
      const n = rng.int(0, 62);
      const r = mulShiftRoundOracle(BigInt(Math.abs(x)), BigInt(m), n);
      const want = x < 0 ? -r : r;
      const got = requantizeScalar(x, m, n);
      if (BigInt(got) !== want) expect(`requantizeScalar(${x}, ${m}, ${n}) = ${got}`).toBe(`= ${want}`);
    }
  });
});

describe('umul32 vs BigInt', () => {
  it('edges and random', () => {
    const rng = new Rng(0x5eed0010);
    const vals = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    const pairs: [number, number][] = [];
    for (const a of vals) for (const b of vals) pairs.push([a, b]);
    for (let i = 0; i < 20000; i++) pairs.push([rng.u32(), rng.u32()]);
    for (let i = 0; i < 5000; i++) pairs.push([logUniform(rng, 32), logUniform(rng, 32)]);
    for (const [a, b] of pairs) {
      const [hi, lo] = umul32(a, b);
      const [wh, wl] = umul32Oracle(BigInt(a), BigInt(b));
      if (BigInt(hi) !== wh || BigInt(lo) !== wl) expect(`umul32(${a}, ${b}) = [${hi}, ${lo}]`).toBe(`= [${wh}, ${wl}]`);
    }
  });
});

describe('isqrt vs BigInt Newton', () => {
  const check = (v: number) => {
    const got = isqrt(v);
    const want = isqrtOracle(BigInt(v));
    if (BigInt(got) !== want) expect(`isqrt(${v}) = ${got}`).toBe(`isqrt(${v}) = ${want}`);
  };

  it('oracle sanity', () => {
    for (let v = 0n; v < 2000n; v++) {
      const r = isqrtOracle(v);
      expect(r * r <= v && (r + 1n) * (r + 1n) > v).toBe(true);
    }
  });

  it('random v up to 2^53 - 1', () => {
    const rng = new Rng(0x5eed0020);
    for (let i = 0; i < 20000; i++) check(logUniform(rng, 53));
    for (let i = 0; i < 5000; i++) check(rng.int(2 ** 52, 2 ** 53 - 1));
  });

  it('perfect squares and squares ± 1', () => {
    const rng = new Rng(0x5eed0021);
    const maxRoot = 94906265; // floor(sqrt(2^53 - 1))
    const roots = [1, 2, 3, 46340, 46341, 65535, 65536, 2 ** 24, maxRoot - 1, maxRoot];
    for (let i = 0; i < 5000; i++) roots.push(rng.int(1, maxRoot));
    for (const r of roots) {
      const sq = r * r; // exact: below 2^53
      check(sq - 1);
      check(sq);
      if (sq + 1 <= Number.MAX_SAFE_INTEGER) check(sq + 1);
    }
    check(Number.MAX_SAFE_INTEGER);
    check(2 ** 53 - 2);
    check(0);
    check(-1);
  });
});

describe('division helpers vs BigInt', () => {
  it('floorDiv, divRoundHalfUp, divRoundHalfAway', () => {
    const rng = new Rng(0x5eed0030);
    for (let i = 0; i < 10000; i++) {
      const b = Math.max(1, logUniform(rng, 31));
      const a = logUniform(rng, 51);
      const na = rng.int(0, 1) ? -a : a;
      expect(BigInt(floorDiv(a, b))).toBe(BigInt(a) / BigInt(b));
      expect(BigInt(divRoundHalfUp(a, b))).toBe(divHalfUpOracle(BigInt(a), BigInt(b)));
      expect(BigInt(divRoundHalfAway(na, b))).toBe(divHalfAwayOracle(BigInt(na), BigInt(b)));
    }
    // Exact ties both signs: (2t+1)/2.
    for (let t = 0; t < 200; t++) {
      expect(divRoundHalfAway(2 * t + 1, 2)).toBe(t + 1);
      expect(divRoundHalfAway(-(2 * t + 1), 2)).toBe(-(t + 1));
    }
  });
});

describe('expNegQ15 vs integer oracle', () => {
  it('random d and scales, plus edges', () => {
    const rng = new Rng(0x5eed0040);
    const ds = [0, 1, 2, 255, 256, 4095, 4096, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
    for (let i = 0; i < 20000; i++) {
      const d = i < ds.length * 20 ? ds[i % ds.length]! : logUniform(rng, 32);
      const m = logUniform(rng, 31);
      const n = rng.int(0, 62);
      const got = expNegQ15(d, m, n);
      const want = expNegOracle(BigInt(d), BigInt(m), n, EXP2_NEG_Q15);
      if (BigInt(got) !== want) expect(`E(${d}, ${m}, ${n}) = ${got}`).toBe(`= ${want}`);
    }
  });

  it('every u in [0, 16·256] through M = 1, n = 0', () => {
    for (let u = 0; u <= 16 * 256 + 3; u++) {
      expect(BigInt(expNegQ15(u, 1, 0))).toBe(expNegOracle(BigInt(u), 1n, 0, EXP2_NEG_Q15));
    }
    expect(expNegQ15(0, 1, 0)).toBe(32768);
    expect(expNegQ15(4096, 1, 0)).toBe(0);
    expect(mulShiftRoundOracle(2n ** 32n - 1n, 2n ** 31n - 1n, 0)).toBe(TWO31);
  });
});

describe('Philox4x32-10', () => {
  const hex = (ws: readonly (number | bigint)[]) => ws.map((w) => BigInt(w).toString(16).padStart(8, '0')).join(' ');
  // Known-answer vectors published with Random123 (kat_vectors, philox4x32_10).
  const KAT: [number[], number[], string][] = [
    [[0, 0, 0, 0], [0, 0], '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], '408f276d 41c83b0e a20bc7c6 6d5451fd'],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], 'd16cfe09 94fdcceb 5001e420 24126ea1'],
  ];

  it('BigInt oracle reproduces the Random123 KAT vectors', () => {
    for (const [c, k, want] of KAT) expect(hex(philoxOracle(c.map(BigInt), k.map(BigInt)))).toBe(want);
  });

  it('philox4x32 reproduces the Random123 KAT vectors', () => {
    for (const [c, k, want] of KAT) expect(hex(philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!))).toBe(want);
  });

  it('philox4x32 = BigInt oracle on random counters and keys', () => {
    const rng = new Rng(0x5eed0050);
    for (let i = 0; i < 3000; i++) {
      const c = [rng.u32(), rng.u32(), rng.u32(), rng.u32()];
      const k = [rng.u32(), rng.u32()];
      const got = philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!);
      const want = philoxOracle(c.map(BigInt), k.map(BigInt));
      expect(hex(got)).toBe(hex(want));
    }
  });
});
