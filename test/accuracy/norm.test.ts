/**
 * Accuracy of layerNorm and rmsNorm (NUMERICS.md §10) against float64 LayerNorm/RMSNorm, with
 * gamma, beta, eps and {M, n} converted as §10.2 says (see sweepNorm). Errors in output LSBs.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { getBackend } from '../../lib/index.js';
import { NORM_CS, sweepNorm, type NormCase } from './sweeps.js';

const backend = await getBackend('cpu');

/** Asserted max error in output LSBs over C ∈ {16, 64, 256, 768}, and the measured value. */
const BOUNDS: [NormCase['kind'], NormCase['inDtype'], NormCase['outDtype'], number, number][] = [
  ['layer', 'int8', 'int8', 0.65, 0.616],
  ['layer', 'int16', 'int8', 1.2, 1.1538],
  ['rms', 'int8', 'int8', 0.55, 0.521],
  ['rms', 'int16', 'int8', 0.8, 0.7631],
  // int16 outputs: the error is dominated by r = ⌊√Q⌋ (relative 1/√Q, large on near-constant
  // rows and small int16 inputs), by the mean rounded to whole int16 input steps (int16 input
  // is not widened), and by z's Q14 step (0.5·|g|·√C/(2^14·s_out), up to 9 LSB at C = 768).
  ['layer', 'int8', 'int16', 45, 41.92],
  ['layer', 'int16', 'int16', 225, 220.32],
  ['rms', 'int8', 'int16', 9.5, 9.04],
  ['rms', 'int16', 'int16', 150, 142.88],
];

describe.each(BOUNDS)('%sNorm %s → %s', (kind, inDtype, outDtype, bound, measured) => {
  it(`is within ${bound} output LSB of the float norm (measured ${measured}) and within 1.05× the error model`, async () => {
    let worst = 0;
    for (const c of NORM_CS) {
      const r = await sweepNorm(backend, { kind, c, inDtype, outDtype }, 6 + c);
      expect(r.err.count).toBeGreaterThan(40 * c);
      expect(r.err.max, r.err.where).toBeLessThanOrEqual(bound);
      // Every error is explained by the roundings of §10 (normErrorModel); measured ≤ 1.020.
      expect(r.modelRatio.max, r.modelRatio.where).toBeLessThanOrEqual(1.05);
      worst = Math.max(worst, r.err.max);
    }
    // The bound is tight: it is no more than 10% above what this sweep reaches.
    expect(worst).toBeGreaterThan(bound / 1.1);
  });
});
