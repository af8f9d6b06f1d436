/**
 * The `--strategies` spec: how the nodes outside the coalition behave as asserters (paper §2.2,
 * the asserter's choice "Fraud" or "Not Fraud").
 *
 * Grammar: comma-separated `strategy:fraction` entries whose fractions sum to 1, where strategy is
 *   honest         never cheats
 *   cheat          always cheats
 *   cheat-q=<q>    cheats with probability q in [0, 1], independently each round
 * e.g. `honest:0.8,cheat:0.1,cheat-q=0.3:0.1`. The coalition (`--r`) is separate: the spec shares
 * out the nodes that are not in it. As validators these nodes compute honestly, which Property 1
 * makes their dominant strategy when they do not collude with the asserter.
 */
import { ProtocolParamError } from '../errors.js';

export interface StrategyGroup {
  /** As written in the spec, e.g. `cheat-q=0.3`. */
  name: string;
  /** Probability that the node cheats when it is the asserter. */
  cheatProb: number;
  /** Share of the non-coalition nodes. */
  fraction: number;
}

const OP = 'parseStrategies';
const NUMBER = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

function unitNumber(text: string, what: string): number {
  const v = Number(text);
  if (!NUMBER.test(text) || !(v >= 0 && v <= 1)) throw new ProtocolParamError(OP, 'strategies', `${what} must be a number in [0, 1], got "${text}"`);
  return v;
}

export function parseStrategies(spec: string): StrategyGroup[] {
  const entries = spec.split(',').map((s) => s.trim());
  if (spec.trim() === '' || entries.some((e) => e === '')) throw new ProtocolParamError(OP, 'strategies', `empty entry in "${spec}" (expected e.g. honest:0.9,cheat:0.1)`);
  const groups: StrategyGroup[] = [];
  for (const entry of entries) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) throw new ProtocolParamError(OP, 'strategies', `entry "${entry}" needs a fraction, as in "${entry}:0.5"`);
    const name = entry.slice(0, colon);
    const fraction = unitNumber(entry.slice(colon + 1), `the fraction of "${name}"`);
    let cheatProb: number;
    if (name === 'honest') cheatProb = 0;
    else if (name === 'cheat') cheatProb = 1;
    else if (name.startsWith('cheat-q=')) cheatProb = unitNumber(name.slice('cheat-q='.length), `q in "${name}"`);
    else throw new ProtocolParamError(OP, 'strategies', `unknown strategy "${name}" (expected honest, cheat or cheat-q=<q>)`);
    if (groups.some((g) => g.name === name)) throw new ProtocolParamError(OP, 'strategies', `strategy "${name}" is listed twice`);
    groups.push({ name, cheatProb, fraction });
  }
  const sum = groups.reduce((a, g) => a + g.fraction, 0);
  if (Math.abs(sum - 1) > 1e-9) throw new ProtocolParamError(OP, 'strategies', `fractions must sum to 1, got ${+sum.toFixed(12)} in "${spec}"`);
  return groups;
}
