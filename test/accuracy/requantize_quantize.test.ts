/**
 * Accuracy of requantize (NUMERICS.md §4) against the exact real x·M·2^−n, and of the
 * quantize/dequantize round trip (§1.3) against the input value. Errors are exact rationals
 * (BigInt), so the bounds are sharp.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import { sweepQuantize, sweepRequantize } from './sweeps.js';

const backend = await getBackend('cpu');

describe('requantize vs the exact real x·M·2^-n', () => {
  it('is within 1/2 output LSB where not saturated, and ties go away from zero', async () => {
    const r = await sweepRequantize(backend, 1);
    // Measured: 0.5 exactly (at the ties), over 84 843 unsaturated outputs of int8/int16/int32.
    expect(r.err.count).toBeGreaterThan(80000);
    expect(r.err.max, r.err.where).toBeLessThanOrEqual(0.5);
    // 13 286 exact ties in the sweep, every one rounded away from zero.
    expect(r.ties).toBeGreaterThan(10000);
    expect(r.tiesAway).toBe(r.ties);
    expect(r.badSaturation).toBe(0);
  });
});

describe('quantize/dequantize round trip', () => {
  it('is within s/2 (int8, int16) and within s/2 + 0.75·2^-52·|v| (int32)', async () => {
    const r = await sweepQuantize(backend, 2);
    // int8/int16: (k+1/2)·s is a double (≤ 48 significant bits), so fl(v/s) never crosses a
    // rounding boundary and q·M is exact: measured max |err| = s/2 exactly, at the ties.
    for (const d of ['int8', 'int16'] as const) {
      expect(r.err[d].count).toBeGreaterThan(15000);
      expect(r.err[d].max, r.err[d].where).toBeLessThanOrEqual(0.5);
    }
    // int32: fl(v/s) and fl(q·M) each round (relative 2^-53), so the error can pass s/2 by a
    // few ulps of v. Measured: (|err| − s/2) ≤ 0.7115·2^-52·|v|; |err|/s − 1/2 ≤ 2.81e-7.
    expect(r.excessUlps.max, r.excessUlps.where).toBeLessThanOrEqual(0.75);
    expect(r.err.int32.max - 0.5, r.err.int32.where).toBeLessThanOrEqual(3e-7);
    expect(r.err.int32.max).toBeGreaterThanOrEqual(0.5); // the sweep does reach the ties
    // Exact ties (v = (k+1/2)·s) are rounded away from zero.
    expect(r.ties).toBeGreaterThan(1000);
    expect(r.tiesAway).toBe(r.ties);
  });
});
