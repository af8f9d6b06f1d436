/**
 * p sweeps (protocol/simulate/sweep.ts, paper §2.2 Theorem 1): the simulated cheating and honest
 * profit curves cross next to the theoretical p_min, and the CLI's SVG chart of the sweep
 * (apps/cli/simulate.ts#sweepSvg) is well-formed XML with p_min marked where it belongs.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolParamError } from '../../protocol/errors.js';
import { atP, coalitionLines, makeConfig, networkColluders, parseSweep, sweep, sweepValues } from '../../protocol/simulate/index.js';
import { sweepSvg } from '../../apps/cli/simulate.js';
import { expectWellFormed } from '../helpers/xml.js';

describe('parseSweep', () => {
  it('reads p=from:to:step into an exact grid', () => {
    const r = parseSweep('p=0.001:0.02:0.001');
    expect(r).toEqual({ from: 0.001, to: 0.02, step: 0.001 });
    const v = sweepValues(r);
    expect(v).toHaveLength(20);
    expect(v[6]).toBe(0.007);
    expect(v[19]).toBe(0.02);
  });

  it.each(['p=0.1:0.01:0.01', 'p=0:1', 'p=0:2:0.1', 'p=0:0.1:0', 'p=a:b:c', 'p=0:1:0.00001'])('refuses %s', (spec) => {
    expect(() => parseSweep(spec)).toThrow(ProtocolParamError);
  });
});

describe('sweep', () => {
  it('crosses within 0.0015 of the theoretical p_min, with the points inside their 4σ bounds', async () => {
    const res = await sweep(makeConfig({ rounds: 100_000 }), parseSweep('p=0.001:0.02:0.001'));
    const pMin = res.pMin.network!;
    expect(pMin).toBeCloseTo(1 / ((1 - 9 / 99) * 151.2), 12);
    expect(res.pMin.theorem1).toBeCloseTo(0.0073486, 6);
    expect(res.simulatedCrossing).not.toBeNull();
    expect(Math.abs(res.simulatedCrossing! - pMin)).toBeLessThan(0.0015);
    const lines = coalitionLines(res.config.econ, 1, 0, networkColluders(res.config));
    let inside = 0;
    for (const q of res.points) {
      expect(q.cheat.theory).toBeCloseTo(atP(lines.cheat, q.p), 12);
      if (Math.abs(q.cheat.simulated - q.cheat.theory) <= q.cheat.bound && Math.abs(q.honest.simulated - q.honest.theory) <= q.honest.bound) inside++;
    }
    expect(inside).toBeGreaterThanOrEqual(19);
    // Theory: cheating wins below p_min, honesty above.
    for (const q of res.points) expect(q.honest.theory > q.cheat.theory).toBe(q.p > pMin);

    const svg = sweepSvg(res, [{ x: 0.0073486, label: 'Theorem 1 exact' }]);
    expectWellFormed(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain(`p_min = ${pMin.toPrecision(4)}`);
    const markers = [...svg.matchAll(/<line class="marker" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(markers).toHaveLength(2);
    // The p_min line lies between the 0.005 and 0.010 ticks, 45.5% of the way (0.007275).
    const tick = (label: string) => Number(new RegExp(`<text x="([\\d.]+)"[^>]*>${label.replace('.', '\\.')}</text>`).exec(svg)![1]);
    const [t5, t10] = [tick('0.005'), tick('0.010')];
    expect((markers[0]! - t5) / (t10 - t5)).toBeCloseTo((pMin - 0.005) / 0.005, 2);
    for (const label of ['honest (theory)', 'cheat (theory)', 'honest (simulated)', 'cheat (simulated)']) expect(svg).toContain(label);
  });

  it('with r = 0 sweeps a lone cheater, whose p_min is C / (R + S)', async () => {
    const res = await sweep(makeConfig({ r: 0, rounds: 20_000 }), parseSweep('p=0.002:0.01:0.004'));
    expect(res.config.r).toBe(0.01);
    expect(res.pMin.network).toBeCloseTo(1 / 151.2, 12);
    expect(res.pMin.theorem1).toBeCloseTo(1 / 151.2, 12);
    expect(res.points).toHaveLength(3);
  });
});
