/**
 * Building blocks of the economics simulation (protocol/simulate): the seeded generator against
 * the published xoshiro128** output, the alias table's frequencies, the strategies spec, the
 * population split, and config checks that name the parameter.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolParamError } from '../../protocol/errors.js';
import { AliasTable, buildPopulation, makeConfig, parseStrategies, validateConfig, Xoshiro128 } from '../../protocol/simulate/index.js';

describe('Xoshiro128', () => {
  it('matches the reference xoshiro128** output from state {1, 2, 3, 4}', () => {
    const g = Xoshiro128.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => g.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('is deterministic per seed, differs across seeds, and uses all 53 bits of the seed', () => {
    const take = (seed: number) => {
      const g = new Xoshiro128(seed);
      return Array.from({ length: 8 }, () => g.nextU32());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    expect(take(2 ** 40 + 42)).not.toEqual(take(42));
  });

  it('gives floats in [0, 1) whose decile counts pass a chi-square test', () => {
    const g = new Xoshiro128(7);
    const bins = new Array<number>(10).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const x = g.next();
      expect(x >= 0 && x < 1).toBe(true);
      bins[Math.floor(x * 10)]!++;
    }
    const chi2 = bins.reduce((s, b) => s + (b - draws / 10) ** 2 / (draws / 10), 0);
    expect(chi2).toBeLessThan(27.88); // χ²₉ at p = 0.001
  });

  it('refuses a seed outside [0, 2^53)', () => {
    expect(() => new Xoshiro128(-1)).toThrow(ProtocolParamError);
    expect(() => new Xoshiro128(1.5)).toThrow(/seed/);
  });
});

describe('AliasTable', () => {
  it('draws indices in proportion to their weights', () => {
    const weights = [1, 2, 3, 4];
    const t = new AliasTable(weights);
    const g = new Xoshiro128(1);
    const counts = [0, 0, 0, 0];
    const draws = 400_000;
    for (let i = 0; i < draws; i++) counts[t.pick(g.next())]!++;
    counts.forEach((c, i) => {
      const p = weights[i]! / 10;
      expect(Math.abs(c / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
    });
  });

  it('refuses empty or non-positive weights', () => {
    expect(() => new AliasTable([])).toThrow(ProtocolParamError);
    expect(() => new AliasTable([1, 0])).toThrow(/weight 1 must be/);
  });
});

describe('parseStrategies', () => {
  it('reads honest, cheat and cheat-q=<q> with fractions', () => {
    expect(parseStrategies('honest:0.8,cheat:0.1,cheat-q=0.3:0.1')).toEqual([
      { name: 'honest', cheatProb: 0, fraction: 0.8 },
      { name: 'cheat', cheatProb: 1, fraction: 0.1 },
      { name: 'cheat-q=0.3', cheatProb: 0.3, fraction: 0.1 },
    ]);
  });

  it.each([
    ['honest:0.5', /sum to 1/],
    ['honest', /needs a fraction/],
    ['liar:1', /unknown strategy "liar"/],
    ['cheat-q=1.5:1', /q in "cheat-q=1.5"/],
    ['honest:0.5,honest:0.5', /listed twice/],
    ['honest:1,', /empty entry/],
    ['honest:x', /fraction of "honest"/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseStrategies(spec)).toThrow(ProtocolParamError);
    expect(() => parseStrategies(spec)).toThrow(message);
  });
});

describe('population and config', () => {
  it('puts round(r·N) coalition nodes first and splits the rest by largest remainder', () => {
    const pop = buildPopulation(makeConfig({ nodes: 101, r: 0.1, strategies: parseStrategies('honest:0.5,cheat:0.25,cheat-q=0.5:0.25') }));
    expect(pop.coalition).toBe(10);
    expect(pop.groups.map((g) => [g.name, g.count])).toEqual([
      ['coalition', 10],
      ['honest', 45], // 91 · 0.5 = 45.5; the .75 remainders of 22.75 win the two spare nodes
      ['cheat', 23],
      ['cheat-q=0.5', 23],
    ]);
    expect(Array.from(pop.isCoalition.subarray(0, 11))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(pop.cheatProb[10]).toBe(0);
    expect(pop.cheatProb[100]).toBe(0.5);
    expect(pop.groups.reduce((s, g) => s + g.selectionShare, 0)).toBeCloseTo(1, 12);
  });

  it.each([
    [{ nodes: 1 }, 'nodes'],
    [{ n: 100 }, 'n'],
    [{ r: 1 }, 'r'],
    [{ p: 1.2 }, 'p'],
    [{ econ: { d: 1 } }, 'd'],
    [{ econ: { S: 0 } }, 'S'],
    [{ userCheat: -0.1 }, 'userCheat'],
  ])('refuses %j, naming %s', (input, param) => {
    try {
      validateConfig(makeConfig(input));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolParamError);
      expect((e as ProtocolParamError).param).toBe(param);
    }
  });
});
