/**
 * Accuracy of GELU and SiLU as lut(x, geluTable/siluTable(s_in, s_out)) (NUMERICS.md §7) against
 * float64 GELU (tanh form, as the tables define it) and SiLU, over all 256 int8 inputs.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import { LUT_CASES, geluTanhVsErf, sweepLut } from './sweeps.js';

const backend = await getBackend('cpu');
const name = (c: (typeof LUT_CASES)[number]) =>
  `s_in=${c.inScale.multiplier}·2^-${c.inScale.shift}, s_out=${c.outScale.multiplier}·2^-${c.outScale.shift}, ${c.outDtype}`;

describe.each(['gelu', 'silu'] as const)('%s by lookup table', (fn) => {
  it.each(LUT_CASES.map((c) => [name(c), c] as const))('is within 1/2 output LSB of the real function, %s', async (_, c) => {
    const r = await sweepLut(backend, fn, c);
    // Every entry is the correctly rounded value, so ≤ 1/2 LSB. Measured max over all cases:
    // GELU 0.499989, SiLU 0.499683 (float64 reference).
    expect(r.err.count + r.err.skipped).toBe(256);
    expect(r.err.count).toBeGreaterThanOrEqual(190);
    expect(r.err.max, r.err.where).toBeLessThanOrEqual(0.5);
    expect(r.badSaturation).toBe(0);
  });
});

describe('tanh-form GELU vs erf-form GELU (information)', () => {
  it('the tables, built from the tanh form, stay within 2.35 LSB of erf-GELU in these cases', async () => {
    // The tanh form differs from x·Φ(x) by at most 4.73e-4 (at x ≈ ±2.70); in output LSBs that
    // is what the table's 1/2 LSB adds to. Measured: 0.515 LSB (int8 cases), 2.315 LSB (int16).
    expect(geluTanhVsErf(8).max).toBeLessThanOrEqual(4.75e-4);
    let worst = 0;
    for (const c of LUT_CASES) worst = Math.max(worst, (await sweepLut(backend, 'gelu', c)).erfDev.max);
    expect(worst).toBeLessThanOrEqual(2.35);
  });
});
