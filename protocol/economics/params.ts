/**
 * The parameters of PoSP's game (paper §2.1 and §2.2), validated once.
 *
 * - C: cost of computing f(x), > 0.          - R: spML server reward (§3.2), >= 0.
 * - S: stake slashed from a dishonest node, > 0.
 * - r: fraction of nodes the asserter controls (Assumption 3), 0 <= r < 1 (r = 1 leaves no honest
 *   validator, so no challenge can ever detect anything).
 * - n: validators per challenge (§2.1 step 3), an integer >= 1.
 * - RA, RV: asserter and validator rewards (§2.1 step 4); spML pays R to both (§3.3), so both default to R.
 * - U1, U2: the asserter's most profitable cheat when not challenged / challenged with all n validators
 *   colluding. They default to §3.3's special case U1 = RA, U2 = RA + RV (a cheat earns the rewards
 *   without paying C), plus any outside gain G (what the fraud itself is worth to the cheater).
 *   G only shifts those defaults, so giving G together with an explicit U1 or U2 is refused.
 * - beta, phi: error rates of an imperfect output comparison (missed fraud, false alarm), each >= 0
 *   with beta + phi < 1 (at 1 the comparison carries no information). Both default to 0.
 */
import { ProtocolParamError } from '../errors.js';
import { Decimal, Econ } from './decimal.js';
import { decimalIn, integerAtLeast, toDecimal } from './parse.js';

const OP = 'params';

export interface EconomicParamsInput {
  C: unknown;
  R: unknown;
  S: unknown;
  r: unknown;
  n: unknown;
  RA?: unknown;
  RV?: unknown;
  U1?: unknown;
  U2?: unknown;
  G?: unknown;
  beta?: unknown;
  phi?: unknown;
}

declare const validated: unique symbol;

/** Parameters that passed parseEconomicParams; every economics function takes only these. */
export interface EconomicParams {
  readonly C: Decimal;
  readonly R: Decimal;
  readonly S: Decimal;
  readonly r: Decimal;
  readonly n: number;
  readonly RA: Decimal;
  readonly RV: Decimal;
  readonly U1: Decimal;
  readonly U2: Decimal;
  readonly G: Decimal;
  readonly beta: Decimal;
  readonly phi: Decimal;
  /** True when U1 and U2 are the defaults RA + G and RA + RV + G (§3.3's special case when G = 0). */
  readonly defaultGains: boolean;
  readonly [validated]: true;
}

const given = (v: unknown) => v !== undefined && v !== null && v !== '';

export function parseEconomicParams(input: EconomicParamsInput): EconomicParams {
  const C = decimalIn(OP, 'C', input.C, { min: 0, minOpen: true });
  const R = decimalIn(OP, 'R', input.R, { min: 0 });
  const S = decimalIn(OP, 'S', input.S, { min: 0, minOpen: true });
  const r = decimalIn(OP, 'r', input.r, { min: 0, max: 1, maxOpen: true });
  const n = integerAtLeast(OP, 'n', input.n, 1);
  const RA = given(input.RA) ? decimalIn(OP, 'RA', input.RA, { min: 0 }) : R;
  const RV = given(input.RV) ? decimalIn(OP, 'RV', input.RV, { min: 0 }) : R;
  const G = given(input.G) ? decimalIn(OP, 'G', input.G, { min: 0 }) : new Econ(0);
  if (given(input.G) && (given(input.U1) || given(input.U2)))
    throw new ProtocolParamError(OP, 'G', 'sets the defaults U1 = RA + G and U2 = RA + RV + G; give either G or U1/U2, not both');
  const U1 = given(input.U1) ? toDecimal(OP, 'U1', input.U1, 'any finite number') : RA.add(G);
  const U2 = given(input.U2) ? toDecimal(OP, 'U2', input.U2, 'any finite number') : RA.add(RV).add(G);
  const beta = given(input.beta) ? decimalIn(OP, 'beta', input.beta, { min: 0, max: 1, maxOpen: true }) : new Econ(0);
  const phi = given(input.phi) ? decimalIn(OP, 'phi', input.phi, { min: 0, max: 1, maxOpen: true }) : new Econ(0);
  if (beta.add(phi).gte(1)) throw new ProtocolParamError(OP, 'beta', `must satisfy beta + phi < 1, got beta + phi = ${beta.add(phi).toString()}`);
  const defaultGains = !given(input.U1) && !given(input.U2);
  return { C, R, S, r, n, RA, RV, U1, U2, G, beta, phi, defaultGains } as EconomicParams;
}

/** rⁿ: the chance that all n validators of a challenge belong to the asserter (Assumption 3). */
export const allCollude = (p: EconomicParams): Decimal => p.r.pow(p.n);

/** (1 − r)ⁿ: the chance that none of the n validators belongs to the asserter. */
export const noneCollude = (p: EconomicParams): Decimal => new Econ(1).sub(p.r).pow(p.n);

/** 1 − rⁿ − (1 − r)ⁿ: the chance that some but not all validators collude (Theorem 1's C term). */
export const someCollude = (p: EconomicParams): Decimal => new Econ(1).sub(allCollude(p)).sub(noneCollude(p));
