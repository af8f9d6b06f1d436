/** layerNorm and rmsNorm through the public op API vs the BigInt oracle. */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend, layerNorm, rmsNorm, tensor, type Dyadic, type Tensor } from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectExact } from './compare.js';
import { big, isqrtOracle, normRowOracle, type IntDType } from './oracle.js';

const backend = await getBackend('cpu');
const OUT_DTYPES: IntDType[] = ['int8', 'int16', 'int32'];

interface NormCase {
  x: number[];
  xDtype: 'int8' | 'int16';
  rows: number;
  c: number;
  gamma: number[];
  beta?: number[];
  eps: number;
  scale: Dyadic;
  outDtype: IntDType;
}

function run(kind: 'layer' | 'rms', nc: NormCase): Tensor {
  const x = tensor(backend, nc.x, [nc.rows, nc.c], nc.xDtype);
  const gamma = tensor(backend, nc.gamma, [nc.c], 'int16');
  if (kind === 'rms') return rmsNorm(x, gamma, { eps: nc.eps, scale: nc.scale, outDtype: nc.outDtype });
  const beta = nc.beta ? tensor(backend, nc.beta, [nc.c], 'int32') : undefined;
  return layerNorm(x, gamma, { beta, eps: nc.eps, scale: nc.scale, outDtype: nc.outDtype });
}

function oracle(kind: 'layer' | 'rms', nc: NormCase): bigint[] {
  const xs = big(nc.x);
  const gamma = big(nc.gamma);
  const beta = kind === 'layer' && nc.beta ? big(nc.beta) : undefined;
  const o = {
    widen: nc.xDtype === 'int8' ? 256n : 1n,
    subtractMean: kind === 'layer',
    eps: BigInt(nc.eps),
    m: BigInt(nc.scale.multiplier),
    n: nc.scale.shift,
    outDtype: nc.outDtype,
  };
  const out: bigint[] = [];
  for (let r = 0; r < nc.rows; r++) out.push(...normRowOracle(xs.slice(r * nc.c, (r + 1) * nc.c), gamma, beta, o));
  return out;
}

function check(label: string, nc: NormCase, kinds: ('layer' | 'rms')[] = ['layer', 'rms']): void {
  for (const kind of kinds) {
    const y = run(kind, nc);
    expect(y.dtype).toBe(nc.outDtype);
    expectExact(`${kind}Norm ${label} ${nc.xDtype}→${nc.outDtype} C=${nc.c} eps=${nc.eps} M=${nc.scale.multiplier} n=${nc.scale.shift}`, y.dataSync(), oracle(kind, nc));
  }
}

/** z·γ is at most 2^29; a shift near 29 - outBits + 31 lands the output in range. */
function normScale(rng: Rng, outDtype: IntDType, gammaBits: number): Dyadic {
  const outBits = outDtype === 'int8' ? 7 : outDtype === 'int16' ? 15 : 31;
  const shift = Math.max(0, Math.min(62, 14 + gammaBits - outBits + 31 - 2 + rng.int(-3, 3)));
  return { multiplier: rng.int(2 ** 30, 2 ** 31 - 1), shift };
}

describe('layerNorm / rmsNorm vs BigInt', () => {
  it('random rows, int8 and int16, gamma/beta, eps, every outDtype', () => {
    const rng = new Rng(0x40a0001);
    for (let iter = 0; iter < 120; iter++) {
      const xDtype = rng.int(0, 1) ? 'int8' : 'int16';
      const [lo, hi] = xDtype === 'int8' ? [-128, 127] : [-32768, 32767];
      const c = rng.int(1, 96);
      const rows = rng.int(1, 4);
      const outDtype = OUT_DTYPES[rng.int(0, 2)]!;
      const gammaBits = rng.int(0, 15);
      const spread = rng.int(0, 2) === 0 ? rng.int(0, 5) : hi; // sometimes nearly constant rows
      const center = rng.int(lo + spread, hi - spread);
      const nc: NormCase = {
        x: Array.from({ length: rows * c }, () => center + rng.int(-spread, spread)),
        xDtype,
        rows,
        c,
        gamma: rng.ints(c, -(2 ** gammaBits), 2 ** gammaBits - 1),
        beta: rng.int(0, 1) ? rng.ints(c, rng.int(0, 1) ? -(2 ** 31) : -(2 ** 20), rng.int(0, 1) ? 2 ** 31 - 1 : 2 ** 20) : undefined,
        eps: [0, 1, rng.int(0, 2 ** 16), rng.int(0, 2 ** 31 - 1)][rng.int(0, 3)]!,
        scale: rng.int(0, 5) === 0 ? { multiplier: rng.int(0, 2 ** 31 - 1), shift: rng.int(0, 62) } : normScale(rng, outDtype, gammaBits),
        outDtype,
      };
      check(`iter ${iter}`, nc);
    }
  });

  it('constant rows: r = 0 without eps (z = 0), r > 0 with eps', () => {
    const rng = new Rng(0x40a0002);
    for (const xDtype of ['int8', 'int16'] as const) {
      for (const v of xDtype === 'int8' ? [-128, -1, 0, 1, 127] : [-32768, -1, 0, 1, 32767]) {
        for (const eps of [0, 1, 3, 2 ** 31 - 1]) {
          const c = 10;
          check(`constant ${v}`, {
            x: new Array<number>(2 * c).fill(v),
            xDtype,
            rows: 2,
            c,
            gamma: rng.ints(c, -32768, 32767),
            beta: rng.ints(c, -(2 ** 31), 2 ** 31 - 1),
            eps,
            scale: { multiplier: 2 ** 30, shift: 30 },
            outDtype: 'int32',
          });
        }
      }
    }
  });

  it('mean ties round half away from zero', () => {
    // int16 rows with Σw/C = k + 1/2, both signs.
    for (const x of [[1, 0], [-1, 0], [3, 0], [-3, 0], [5, -2], [-5, 2], [1, 0, 0, 1, 1, 0, 0, 0]]) {
      check(`tie [${x}]`, { x, xDtype: 'int16', rows: 1, c: x.length, gamma: new Array<number>(x.length).fill(32767), eps: 0, scale: { multiplier: 1, shift: 0 }, outDtype: 'int32' }, ['layer']);
    }
  });

  it('extreme rows at C = 16384: ±32768, max Q, gamma extremes, large eps', () => {
    const rng = new Rng(0x40a0003);
    const c = 16384;
    const rows: number[][] = [
      new Array<number>(c).fill(-32768), // RMS: Q = 2^44
      Array.from({ length: c }, (_, i) => (i % 2 ? 32767 : -32768)), // LayerNorm: maximal Σd²
      Array.from({ length: c }, (_, i) => (i === 0 ? -32768 : 32767)), // one outlier
      Array.from({ length: c }, () => (rng.int(0, 1) ? 32767 : -32768)),
    ];
    const gammas = [new Array<number>(c).fill(-32768), new Array<number>(c).fill(32767), Array.from({ length: c }, (_, i) => (i % 3 === 0 ? -32768 : i % 3 === 1 ? 32767 : 0))];
    for (const [ri, x] of rows.entries()) {
      const gamma = gammas[ri % gammas.length]!;
      for (const eps of [0, 2 ** 31 - 1]) {
        check(`extreme row ${ri}`, {
          x,
          xDtype: 'int16',
          rows: 1,
          c,
          gamma,
          beta: ri % 2 ? new Array<number>(c).fill(2 ** 31 - 1) : undefined,
          eps,
          scale: ri % 2 ? { multiplier: 2 ** 31 - 1, shift: 31 } : { multiplier: 2 ** 30, shift: 37 },
          outDtype: (['int8', 'int16', 'int32'] as const)[ri % 3]!,
        });
      }
    }
    // The maximal Q really is near the documented bound.
    const q = rows[0]!.reduce((s, v) => s + BigInt(v) * BigInt(v), 0n);
    expect(q).toBe(2n ** 44n);
    expect(isqrtOracle(q)).toBe(2n ** 22n);
  });

  it('int8 rows at C = 16384 (widened ×256) and large eps dominating', () => {
    const rng = new Rng(0x40a0004);
    const c = 16384;
    const x = Array.from({ length: c }, () => (rng.int(0, 1) ? 127 : -128));
    check('int8 C=16384', { x, xDtype: 'int8', rows: 1, c, gamma: rng.ints(c, -32768, 32767), beta: rng.ints(c, -(2 ** 31), 2 ** 31 - 1), eps: 2 ** 31 - 1, scale: { multiplier: 2 ** 30 + 12345, shift: 35 }, outDtype: 'int16' });
    const small = rng.ints(64, -3, 3);
    check('eps dominates', { x: small, xDtype: 'int16', rows: 1, c: 64, gamma: rng.ints(64, -32768, 32767), eps: 2 ** 31 - 1, scale: { multiplier: 2 ** 31 - 1, shift: 20 }, outDtype: 'int32' });
  });

  it('rank-3 input and C = 1', () => {
    const rng = new Rng(0x40a0005);
    const x = tensor(backend, rng.ints(2 * 3 * 8, -128, 127), [2, 3, 8], 'int8');
    const gammaVals = rng.ints(8, -32768, 32767);
    const gamma = tensor(backend, gammaVals, [8], 'int16');
    const scale = { multiplier: 2 ** 30 + 7, shift: 36 };
    const y = rmsNorm(x, gamma, { eps: 5, scale, outDtype: 'int8' });
    expect(y.shape).toEqual([2, 3, 8]);
    const xs = big(x.dataSync());
    const want: bigint[] = [];
    for (let r = 0; r < 6; r++) want.push(...normRowOracle(xs.slice(r * 8, r * 8 + 8), big(gammaVals), undefined, { widen: 256n, subtractMean: false, eps: 5n, m: BigInt(scale.multiplier), n: scale.shift, outDtype: 'int8' }));
    expectExact('rank 3', y.dataSync(), want);
    for (const v of [-32768, -1, 0, 1, 32767]) {
      check(`C=1 x=${v}`, { x: [v], xDtype: 'int16', rows: 1, c: 1, gamma: [-32768], beta: [-(2 ** 31)], eps: 0, scale: { multiplier: 2 ** 31 - 1, shift: 31 }, outDtype: 'int32' });
    }
  });
});
