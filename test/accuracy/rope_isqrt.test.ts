/**
 * Accuracy of rope (NUMERICS.md §12) against the float64 rotation by the exact angle p·θ_i, and
 * exactness of isqrt (§6.4).
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import { sweepIsqrt, sweepRope } from './sweeps.js';

const backend = await getBackend('cpu');

describe('rope vs the exact rotation', () => {
  it.each([
    ['int8', 0.51, 0.5031],
    ['int16', 2.05, 2.029],
  ] as const)('%s: within %d input LSB where not saturated (measured %d)', async (dtype, bound, _measured) => {
    const r = await sweepRope(backend, dtype, 7);
    expect(r.err.count).toBeGreaterThan(30000);
    expect(r.err.max, r.err.where).toBeLessThanOrEqual(bound);
    // Beyond the final 1/2 LSB, the error is the Q14 tables' rounding times the pair's length:
    // ≤ ‖(δcos, δsin)‖ ≤ √2/2 Q14 steps. Measured 0.466 (int8), 0.661 (int16).
    expect(r.tableExcess.max, r.tableExcess.where).toBeLessThanOrEqual(Math.SQRT1_2);
  });
});

describe('isqrt', () => {
  it('is exactly floor(sqrt(v)) on random, square ±1 and edge values, and 0 for v < 0', async () => {
    const r = await sweepIsqrt(backend, 8);
    expect(r.checked).toBeGreaterThan(50000);
    expect(r.wrong, r.firstWrong).toBe(0);
  });
});
