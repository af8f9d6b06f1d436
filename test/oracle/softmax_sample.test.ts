/** expNeg, softmax and sample through the public op API vs integer oracles. */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { EXP2_NEG_Q15, MASKED, expNeg, getBackend, sample, softmax, tensor, type Dyadic } from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectExact } from './compare.js';
import { big, expNegOracle, philoxOracle, sampleRowOracle, softmaxRowOracle } from './oracle.js';

const backend = await getBackend('cpu');
const T = EXP2_NEG_Q15;
const I32_MAX = 2 ** 31 - 1;
const I32_MIN = -(2 ** 31);

/** A scale that maps differences of about `spread` onto u in a few hundred..few thousand steps. */
function softmaxScale(rng: Rng, spread: number): Dyadic {
  // M·2^-n ≈ (16·256 / spread) · 2^rng(-3..1): u spans up to ~16 halvings of the table.
  const target = ((16 * 256) / Math.max(1, spread)) * 2 ** rng.int(-3, 1);
  const e = Math.floor(Math.log2(target));
  return { multiplier: rng.int(2 ** 30, 2 ** 31 - 1), shift: Math.min(62, Math.max(0, 30 - e)) };
}

function anyScale(rng: Rng): Dyadic {
  const len = rng.int(0, 31);
  return { multiplier: len === 0 ? 0 : rng.int(2 ** (len - 1), 2 ** len - 1), shift: rng.int(0, 62) };
}

function softmaxOracle(values: readonly number[], len: number, s: Dyadic): bigint[] {
  const out: bigint[] = [];
  const xs = big(values);
  for (let start = 0; start < xs.length; start += len) out.push(...softmaxRowOracle(xs.slice(start, start + len), BigInt(s.multiplier), s.shift, T));
  return out;
}

function checkSoftmax(label: string, values: number[], shape: number[], s: Dyadic): void {
  const y = softmax(tensor(backend, values, shape, 'int32'), s);
  expect(y.dtype).toBe('int16');
  expectExact(label, y.dataSync(), softmaxOracle(values, shape[shape.length - 1]!, s));
}

describe('expNeg vs integer oracle', () => {
  it('random x (negative, zero, positive) and scales, with int32 extremes', () => {
    const rng = new Rng(0xe0001);
    for (let iter = 0; iter < 60; iter++) {
      const s = iter % 3 === 0 ? anyScale(rng) : softmaxScale(rng, 10 ** rng.int(0, 9));
      const xs = [0, -1, 1, I32_MAX, I32_MIN, I32_MIN + 1, MASKED];
      for (let i = 0; i < 200; i++) xs.push(rng.int(0, 3) === 0 ? rng.int(I32_MIN, I32_MAX) : -rng.int(0, 10 ** rng.int(0, 9)));
      const y = expNeg(tensor(backend, xs, [xs.length], 'int32'), s);
      const want = xs.map((x) => expNegOracle(x < 0 ? BigInt(-x) : 0n, BigInt(s.multiplier), s.shift, T));
      expectExact(`expNeg iter ${iter} M=${s.multiplier} n=${s.shift}`, y.dataSync(), want);
    }
  });

  it('exp(0) is 1.0 = 32768 and far tails are 0', () => {
    const s = { multiplier: 1, shift: 0 };
    expectExact('expNeg M=1 n=0', expNeg(tensor(backend, [0, 5, -4096, -4095, -1], [5], 'int32'), s).dataSync(), [32768, 32768, 0, 1, 32679]);
  });
});

describe('softmax vs integer oracle', () => {
  it('random rows with masked entries and fully masked rows', () => {
    const rng = new Rng(0xe0010);
    for (let iter = 0; iter < 80; iter++) {
      const len = rng.int(1, 70);
      const rows = rng.int(1, 5);
      const spread = 10 ** rng.int(0, 8);
      const center = rng.int(-(2 ** 30), 2 ** 30);
      const maskRate = rng.int(0, 3); // 0: none
      const values: number[] = [];
      for (let r = 0; r < rows; r++) {
        const fullyMasked = rng.int(0, 9) === 0;
        for (let j = 0; j < len; j++) {
          if (fullyMasked || (maskRate > 0 && rng.int(0, 4 - maskRate) === 0)) values.push(MASKED);
          else values.push(center + rng.int(-spread, spread));
        }
      }
      const s = iter % 5 === 0 ? anyScale(rng) : softmaxScale(rng, spread);
      checkSoftmax(`softmax iter ${iter} [${rows}, ${len}]`, values, [rows, len], s);
    }
  });

  it('fully masked rows are all 0, a single live entry is 16384', () => {
    const s = { multiplier: 2 ** 30, shift: 30 };
    const values = [MASKED, MASKED, MASKED, MASKED, 7, MASKED, I32_MIN + 1, MASKED];
    checkSoftmax('masked', values, [2, 4], s);
    expect(Array.from(softmax(tensor(backend, values, [2, 4], 'int32'), s).dataSync())).toEqual([0, 0, 0, 0, 16384, 0, 0, 0]);
  });

  it('extreme rows: int32 max and min + 1 together, difference 2^32 − 2', () => {
    const rng = new Rng(0xe0011);
    const rows = [
      [I32_MAX, I32_MIN + 1],
      [I32_MIN + 1, I32_MAX, MASKED, I32_MAX],
      [I32_MIN + 1, I32_MIN + 1, I32_MIN + 2],
      [I32_MAX, I32_MAX - 1, I32_MAX - 255, I32_MAX - 256, I32_MIN + 1],
    ];
    const scales: Dyadic[] = [
      { multiplier: 1, shift: 0 },
      { multiplier: 1, shift: 24 },
      { multiplier: 1, shift: 32 },
      { multiplier: 2 ** 31 - 1, shift: 62 },
      { multiplier: 2 ** 31 - 1, shift: 40 },
      { multiplier: 2 ** 31 - 1, shift: 0 },
      { multiplier: 0, shift: 0 },
      anyScale(rng),
    ];
    for (const row of rows) for (const s of scales) checkSoftmax(`extreme [${row}] M=${s.multiplier} n=${s.shift}`, row, [1, row.length], s);
  });

  it('uniform rows, ties in p, and long rows (L = 4096, 65536)', () => {
    const rng = new Rng(0xe0012);
    for (const len of [1, 2, 3, 6, 7, 4096]) checkSoftmax(`uniform L=${len}`, new Array<number>(len).fill(-5), [len], { multiplier: 2 ** 30, shift: 28 });
    for (let iter = 0; iter < 4; iter++) {
      const len = 4096;
      const spread = 10 ** rng.int(1, 6);
      const values = Array.from({ length: 2 * len }, () => (rng.int(0, 15) === 0 ? MASKED : rng.int(-spread, spread)));
      checkSoftmax(`L=4096 iter ${iter}`, values, [2, len], softmaxScale(rng, spread));
    }
    // Longest legal row, all equal: Σe = 2^16·2^15 = 2^31.
    const full = new Array<number>(65536).fill(123);
    checkSoftmax('L=65536 equal', full, [65536], { multiplier: 2 ** 30, shift: 30 });
    full[777] = 124;
    checkSoftmax('L=65536 one larger', full, [65536], { multiplier: 2 ** 30, shift: 22 });
  });

  it('rank-3 input', () => {
    const rng = new Rng(0xe0013);
    const shape = [2, 3, 17];
    const values = rng.ints(2 * 3 * 17, -5000, 5000);
    checkSoftmax('rank 3', values, shape, softmaxScale(rng, 5000));
  });
});

describe('sample vs BigInt oracle (Philox + integer weights)', () => {
  interface Case {
    values: number[];
    rows: number;
    v: number;
    scale: Dyadic;
    seed: bigint;
    step: bigint;
    topK: number;
    topP: number;
  }

  function check(label: string, c: Case, asNumbers = false): void {
    const logits = tensor(backend, c.values, [c.rows, c.v], 'int32');
    const y = sample(logits, {
      scale: c.scale,
      seed: asNumbers ? Number(c.seed) : c.seed,
      step: asNumbers ? Number(c.step) : c.step,
      topK: c.topK,
      topP: c.topP,
    });
    const xs = big(c.values);
    const want = Array.from({ length: c.rows }, (_, r) =>
      sampleRowOracle(xs.slice(r * c.v, (r + 1) * c.v), r, { m: BigInt(c.scale.multiplier), n: c.scale.shift, seed: c.seed, step: c.step, topK: c.topK, topP: c.topP }, T),
    );
    expectExact(`${label} topK=${c.topK} topP=${c.topP} seed=${c.seed} step=${c.step}`, y.dataSync(), want);
  }

  const rand64 = (rng: Rng): bigint => (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());

  it('many seeds and steps, topK / topP variations, tied logits', () => {
    const rng = new Rng(0xe0020);
    let distinctPicks = new Set<number>();
    for (let iter = 0; iter < 400; iter++) {
      const v = rng.int(1, 120);
      const rows = rng.int(1, 3);
      const tied = rng.int(0, 2) === 0; // many equal logits: order falls back to index
      const spread = tied ? 4 : 10 ** rng.int(1, 6);
      const values = Array.from({ length: rows * v }, () => (rng.int(0, 19) === 0 ? MASKED : rng.int(-spread, spread)));
      const topKChoices = [0, 1, 2, rng.int(1, v), v, v + 5];
      const topPChoices = [65536, 1, 32768, rng.int(1, 65536), 65535];
      const c: Case = {
        values,
        rows,
        v,
        scale: softmaxScale(rng, spread),
        seed: iter % 7 === 0 ? BigInt(iter) : rand64(rng),
        step: iter % 5 === 0 ? BigInt(iter) : rand64(rng),
        topK: topKChoices[rng.int(0, topKChoices.length - 1)]!,
        topP: topPChoices[rng.int(0, topPChoices.length - 1)]!,
      };
      check(`iter ${iter} [${rows}, ${v}]`, c);
      if (v > 50 && c.topK === 0 && c.topP === 65536) distinctPicks = new Set([...distinctPicks, ...Array.from(sample(tensor(backend, values, [rows, v], 'int32'), c).dataSync())]);
    }
    expect(distinctPicks.size).toBeGreaterThan(5); // sampling really spreads, so indices matter
  });

  it('one row over many consecutive steps follows the oracle draw by draw', () => {
    const rng = new Rng(0xe0021);
    const v = 50;
    const values = rng.ints(v, -300, 300);
    const scale = softmaxScale(rng, 300);
    const seed = 0x0123456789abcdefn;
    for (let step = 0n; step < 200n; step++) check(`step ${step}`, { values, rows: 1, v, scale, seed, step, topK: 0, topP: 65536 });
    for (let step = 2n ** 32n - 3n; step < 2n ** 32n + 3n; step++) check(`carry step ${step}`, { values, rows: 1, v, scale, seed, step, topK: 10, topP: 50000 });
  });

  it('seed and step as numbers equal the same bigints; extreme seeds', () => {
    const rng = new Rng(0xe0022);
    const v = 33;
    const values = rng.ints(3 * v, -1000, 1000);
    const scale = softmaxScale(rng, 1000);
    for (const seed of [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n]) {
      check(`numbers seed=${seed}`, { values, rows: 3, v, scale, seed, step: 7n, topK: 0, topP: 65536 }, true);
    }
    check('max seed/step', { values, rows: 3, v, scale, seed: 2n ** 64n - 1n, step: 2n ** 64n - 1n, topK: 0, topP: 65536 });
  });

  it('a long tail of weight-1 entries makes every u a prefix sum boundary (cum > u, not ≥)', () => {
    // With M = 1, n = 0, a difference of 4000 gives u = 4000: k = 15 halvings, E = 1. One logit
    // at 4000 and V - 1 at 0 give weights [32768, 1, 1, ...]: prefix sums are every integer in
    // [32768, W), so u lands exactly on one about half the time and the strict comparison,
    // and the index order of the tied logits, decide the pick.
    expect(expNegOracle(4000n, 1n, 0, T)).toBe(1n);
    const v = 20000;
    const values = new Array<number>(v).fill(0);
    values[v - 1] = 4000;
    const scale = { multiplier: 1, shift: 0 };
    for (let step = 0n; step < 24n; step++) check(`weight-1 tail step ${step}`, { values, rows: 1, v, scale, seed: 0xfeedn, step, topK: 0, topP: 65536 });
    for (let step = 0n; step < 8n; step++) check(`weight-1 tail topK step ${step}`, { values, rows: 1, v, scale, seed: 0xbeefn, step, topK: 15000, topP: 65536 });
    for (let step = 0n; step < 8n; step++) check(`weight-1 tail topP step ${step}`, { values, rows: 1, v, scale, seed: 0xbeefn, step, topK: 0, topP: 40000 });
  });

  it('degenerate rows: fully masked, single entry, extreme logits, M = 0', () => {
    const cases: [number[], Dyadic][] = [
      [[MASKED, MASKED, MASKED], { multiplier: 2 ** 30, shift: 30 }],
      [[5], { multiplier: 2 ** 30, shift: 30 }],
      [[I32_MAX, I32_MIN + 1, MASKED, I32_MAX], { multiplier: 1, shift: 0 }],
      [[I32_MIN + 1, I32_MIN + 1, I32_MIN + 1], { multiplier: 2 ** 31 - 1, shift: 62 }],
      [[3, 1, 4, 1, 5, 9, 2, 6], { multiplier: 0, shift: 0 }],
    ];
    for (const [values, scale] of cases) {
      for (let s = 0n; s < 20n; s++) check(`degenerate [${values}]`, { values, rows: 1, v: values.length, scale, seed: 99n, step: s, topK: 0, topP: 65536 });
    }
  });

  it('the oracle row draw uses Philox word 0 of counter (step_lo, step_hi, row, 0)', () => {
    // Two rows with identical logits draw independently: row index is in the counter.
    const w0 = philoxOracle([5n, 0n, 0n, 0n], [1n, 0n])[0]!;
    const w1 = philoxOracle([5n, 0n, 1n, 0n], [1n, 0n])[0]!;
    expect(w0).not.toBe(w1);
  });
});
