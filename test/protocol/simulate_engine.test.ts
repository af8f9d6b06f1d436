/**
 * `spml simulate --engine-rounds`: rounds played through the real network (engine, signatures,
 * arbitration, bigint ledger) land within the same theoretical bounds as the economics mode.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { makeConfig, parseStrategies } from '../../protocol/simulate/index.js';
import { engineSample } from '../../protocol/simulate/engine_sample.js';

describe('engine-backed simulation sample', () => {
  const config = makeConfig({ nodes: 20, r: 0.2, p: 0.3, n: 1, strategies: parseStrategies('honest:0.7,cheat:0.2,cheat-q=0.5:0.1'), seed: 7, rounds: 400 });

  it('matches theory within its bounds, slashes no honest server, conserves the ledger, and replays exactly', async () => {
    const first = await engineSample(config, 400);
    for (const r of first.rates) expect(r.within, `${r.name}: ${r.realized} vs ${r.theory} ± ${r.bound}`).toBe(true);
    const byName = Object.fromEntries(first.rates.map((r) => [r.name, r]));
    expect(byName['honest servers slashed']!.realized).toBe(0);
    expect(byName['undetected fraud / cheats']!.count).toBeGreaterThan(100);
    expect(first.arbitrations).toBeGreaterThan(20);
    expect(first.ledgerConserved).toBe(true);
    expect(first.bisectionSaved).toBeCloseTo(2 / 3, 6);
    const again = await engineSample(config, 400);
    expect(again.rates).toEqual(first.rates);
  });
});
