/**
 * opML's rate of undetected fraud, for comparison with spML (paper §3.4, "Empirical Evaluation").
 *
 * opML's game: a validator may check the server's result at cost C. A fraud it detects slashes the
 * server S and nets the validator RC (its reward minus the cost of the fraud-proof procedure).
 *
 *                        server fraud     server not fraud
 *   validator checks     RC, −S           −C, R − C
 *   validator does not    0,  R            0, R − C
 *
 * There is no pure equilibrium (when C < S + R), so both mix. The server is indifferent when the
 * validator checks with probability q: R − q(S + R) = R − C, so q = C / (S + R). The validator is
 * indifferent when the server cheats with probability x: x·RC − (1 − x)C = 0, so x = C / (RC + C).
 * A fraud goes undetected when the server cheats and the validator does not check:
 *
 *   x(1 − q) = (S + R − C)C / [(S + R)(RC + C)].
 *
 * The paper's figure: RC = 100C, R = 1.2C, S = 150C gives 150.2 / 15271.2 ≈ 0.98%.
 */
import { Decimal, type DecimalInput } from './decimal.js';
import { decimalIn } from './parse.js';

export interface OpmlFraud {
  readonly RC: Decimal;
  /** q = C / (S + R): how often the validator checks. Null when no mixed equilibrium exists. */
  readonly checkProbability: Decimal | null;
  /** x = C / (RC + C): how often the server cheats. Null when no mixed equilibrium exists. */
  readonly fraudProbability: Decimal | null;
  /** x(1 − q): how often a fraud goes undetected. Null when no mixed equilibrium exists. */
  readonly undetectedFraud: Decimal | null;
  readonly reason: string;
}

export function opmlUndetectedFraud(input: { C: DecimalInput; R: DecimalInput; S: DecimalInput; RC: DecimalInput }): OpmlFraud {
  const C = decimalIn('opml', 'C', input.C, { min: 0, minOpen: true });
  const R = decimalIn('opml', 'R', input.R, { min: 0 });
  const S = decimalIn('opml', 'S', input.S, { min: 0, minOpen: true });
  const RC = decimalIn('opml', 'RC', input.RC, { min: 0, minOpen: true });
  const stakePlusReward = S.add(R);
  if (C.gte(stakePlusReward))
    return {
      RC,
      checkProbability: null,
      fraudProbability: null,
      undetectedFraud: null,
      reason: 'no mixed equilibrium: C >= S + R, so honest work never pays more than a detected fraud',
    };
  const checkProbability = C.div(stakePlusReward);
  const fraudProbability = C.div(RC.add(C));
  const undetectedFraud = stakePlusReward.sub(C).mul(C).div(stakePlusReward.mul(RC.add(C)));
  return { RC, checkProbability, fraudProbability, undetectedFraud, reason: 'mixed-strategy Nash equilibrium' };
}
