/**
 * Accuracy of the integer exp (expNeg, NUMERICS.md §9.3–9.4) and softmax (§9.5) against float64
 * exp and softmax of x·s, the scale passed being dyadicFromReal(s·log2(e)·2^8).
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import { EXP_SCALES, softmaxTailCase, sweepExpNeg, sweepSoftmax } from './sweeps.js';

const backend = await getBackend('cpu');

describe('expNeg vs 2^15·exp(x·s)', () => {
  it.each(EXP_SCALES.map((s) => [s]))('s = %d: |err| ≤ 1/2 + 0.0014·exp(x·s)·2^15', async (s) => {
    const r = await sweepExpNeg(backend, s);
    // u = ⌊d·s·log2(e)·2^8⌉ is off by ≤ 1/2 step: a factor 2^(±1/512), i.e. 0.001355 relative;
    // the table entry adds ≤ 0.5/16428 = 3.0e-5 relative; the final shift ≤ 1/2 LSB.
    // Measured: 0.0013737 (s = 5e-5), 0.0013501 (s = 1/16).
    expect(r.relBeyondHalf.max, r.relBeyondHalf.where).toBeLessThanOrEqual(0.0014);
  });

  it('absolute error ≤ 45 Q15 units; relative ≤ 1.65% where exp(x·s) ≥ 2^-10', async () => {
    let abs = 0;
    let rel = 0;
    for (const s of EXP_SCALES) {
      const r = await sweepExpNeg(backend, s);
      abs = Math.max(abs, r.abs.max);
      rel = Math.max(rel, r.rel.max);
    }
    // Measured: 44.21 Q15 units (near exp = 1, where 0.00135 relative is 44 units) and 1.603%
    // (near 2^-10 = 32 units, where the final half-LSB rounding is 1.56%).
    expect(abs).toBeLessThanOrEqual(45);
    expect(rel).toBeLessThanOrEqual(0.0165);
  });
});

describe('softmax vs float64 softmax of x·s', () => {
  it('random rows of 4..1024 entries: |p − p_ref| ≤ 0.00135, |Σp − 1| ≤ 0.0035', async () => {
    const r = await sweepSoftmax(backend, 5, 0);
    // Measured: 0.0012888 and 0.0033569 (a 1024-row with one clear winner, spread 10).
    expect(r.rows).toBe(360);
    expect(r.abs.max, r.abs.where).toBeLessThanOrEqual(0.00135);
    expect(r.sumDev.max, r.sumDev.where).toBeLessThanOrEqual(0.0035);
    // NUMERICS.md §9.5: Σp is within n/2 LSB of 2^14, n the number of nonzero weights (0.991).
    expect(r.sumDevOverHalfN.max, r.sumDevOverHalfN.where).toBeLessThanOrEqual(1);
  });

  it.each([
    [0.3, 0.0011, 0.0021],
    [0.9, 0.00045, 0.0006],
  ])('rows with a fraction %d of entries MASKED: |p − p_ref| ≤ %d, |Σp − 1| ≤ %d, masked p = 0', async (fraction, absBound, sumBound) => {
    // Measured: 0.0010368 / 0.0020142 (30% masked) and 0.00040103 / 0.00054932 (90% masked).
    const r = await sweepSoftmax(backend, 5 + fraction * 10, fraction);
    expect(r.maskedNonzero).toBe(0);
    expect(r.abs.max, r.abs.where).toBeLessThanOrEqual(absBound);
    expect(r.sumDev.max, r.sumDev.where).toBeLessThanOrEqual(sumBound);
    expect(r.sumDevOverHalfN.max, r.sumDevOverHalfN.where).toBeLessThanOrEqual(1);
  });

  it('worst case: one winner and L − 1 entries at the exp cut (u = 4095 or 4096)', async () => {
    // Each tail weight is E = 1 (true 0.501) or E = 0 (true 0.5) Q15 unit, and the error adds up
    // over the row: about (L−1)·2^-16 / (1 + (L−1)·2^-16) on the winner. Measured: 0.000229
    // (L = 16), 0.015370 (L = 1024), 0.499996 (L = 65536, the longest row allowed).
    const worst = async (len: number) => Math.max(await softmaxTailCase(backend, len, 4095), await softmaxTailCase(backend, len, 4096));
    expect(await worst(16)).toBeLessThanOrEqual(0.00025);
    expect(await worst(1024)).toBeLessThanOrEqual(0.0155);
    expect(await worst(65536)).toBeLessThanOrEqual(0.5);
  });
});
