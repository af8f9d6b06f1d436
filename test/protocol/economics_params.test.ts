/**
 * Parameter validation of protocol/economics (paper §2.2): defaults, and a ProtocolParamError that
 * names the parameter and its allowed range for each bad value.
 */
import { describe, expect, it } from 'vitest';
import { ProtocolParamError } from '../../protocol/errors.js';
import { Econ, expectedPayoffs, opmlUndetectedFraud, parseEconomicParams, theorem1Sides, type EconomicParamsInput } from '../../protocol/economics/index.js';

const good: EconomicParamsInput = { C: 1, R: '1.2', S: 150, r: '0.1', n: 1 };

function rejection(f: () => unknown): ProtocolParamError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolParamError) return e;
    throw e;
  }
  throw new Error('expected a ProtocolParamError');
}

describe('parseEconomicParams', () => {
  it('defaults RA = RV = R, U1 = RA + G, U2 = RA + RV + G, beta = phi = 0', () => {
    const q = parseEconomicParams(good);
    expect([q.RA, q.RV, q.U1, q.U2, q.G, q.beta, q.phi].map(String)).toEqual(['1.2', '1.2', '1.2', '2.4', '0', '0', '0']);
    expect(q.defaultGains).toBe(true);
    const g = parseEconomicParams({ ...good, RA: 2, RV: '0.5', G: 7 });
    expect([g.U1, g.U2].map(String)).toEqual(['9', '9.5']);
    const explicit = parseEconomicParams({ ...good, U1: 3 });
    expect([explicit.U1, explicit.U2].map(String)).toEqual(['3', '2.4']);
    expect(explicit.defaultGains).toBe(false);
  });

  it('accepts the edges of each range', () => {
    const q = parseEconomicParams({ C: '1e-9', R: 0, S: '0.001', r: 0, n: '1', RA: 0, RV: 0, beta: '0.5', phi: '0.4999' });
    expect(q.n).toBe(1);
    expect(parseEconomicParams({ ...good, n: 10n as unknown }).n).toBe(10);
    expect(parseEconomicParams({ ...good, r: new Econ('0.999') }).r.toString()).toBe('0.999');
  });

  it.each([
    ['C', 0, 'C > 0'],
    ['C', -1, 'C > 0'],
    ['R', '-0.1', 'R >= 0'],
    ['S', 0, 'S > 0'],
    ['r', '-0.01', '0 <= r < 1'],
    ['r', 1, '0 <= r < 1'],
    ['n', 0, 'an integer >= 1'],
    ['n', '1.5', 'an integer >= 1'],
    ['n', 'two', 'an integer >= 1'],
    ['RA', -1, 'RA >= 0'],
    ['RV', -2, 'RV >= 0'],
    ['G', '-5', 'G >= 0'],
    ['beta', '-0.1', '0 <= beta < 1'],
    ['phi', 1, '0 <= phi < 1'],
    ['U1', 'lots', 'any finite number'],
    ['U2', Infinity, 'any finite number'],
    ['C', NaN, 'C > 0'],
    ['S', 'Infinity', 'S > 0'],
    ['R', {}, 'R >= 0'],
  ] as const)('%s = %s is refused, naming the range %s', (name, value, range) => {
    const e = rejection(() => parseEconomicParams({ ...good, [name]: value }));
    expect(e.param).toBe(name);
    expect(e.code).toBe('PROTOCOL');
    expect(e.message).toContain(`parameter '${name}'`);
    expect(e.message).toContain(range);
  });

  it('refuses a missing required parameter', () => {
    for (const name of ['C', 'R', 'S', 'r', 'n'] as const) {
      const e = rejection(() => parseEconomicParams({ ...good, [name]: undefined }));
      expect(e.param).toBe(name);
      expect(e.message).toContain('is required');
    }
  });

  it('refuses beta + phi >= 1 and G together with U1 or U2', () => {
    expect(rejection(() => parseEconomicParams({ ...good, beta: '0.6', phi: '0.4' })).message).toContain('beta + phi < 1, got beta + phi = 1');
    expect(rejection(() => parseEconomicParams({ ...good, G: 1, U1: 3 })).param).toBe('G');
    expect(rejection(() => parseEconomicParams({ ...good, G: 1, U2: 3 })).param).toBe('G');
  });

  it('refuses a probability outside [0, 1] and a non-positive opML RC', () => {
    const q = parseEconomicParams(good);
    expect(rejection(() => theorem1Sides(q, '-0.1')).message).toContain('0 <= p <= 1');
    expect(rejection(() => expectedPayoffs(q, '1.01')).param).toBe('p');
    const e = rejection(() => opmlUndetectedFraud({ C: 1, R: '1.2', S: 150, RC: 0 }));
    expect(e.param).toBe('RC');
    expect(e.message).toContain('RC > 0');
  });
});
