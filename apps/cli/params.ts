/**
 * `spml params`: what the PoSP/spML economics (paper §2.2 Theorem 1, §3.3 Proposition 1, §3.4)
 * say about one parameter set: the minimum challenge probability, whether a given p makes honesty
 * dominant, the expected payoffs, opML's undetected-fraud rate and warnings.
 *
 * Values stay strings until protocol/economics parses them as exact decimals, so `--r 0.1` means
 * exactly one tenth; a bad value is a ProtocolParamError, which spml.ts prints as one line.
 */
import type { Command } from 'commander';
import { analyseEconomics, DEFAULT_RC_PER_C, type EconomicsReport } from '../../protocol/economics/index.js';
import type { Decimal } from '../../protocol/economics/decimal.js';
import { printFields, printJson } from './format_result.js';

interface ParamsFlags {
  C?: string;
  R?: string;
  S?: string;
  r?: string;
  n?: string;
  RA?: string;
  RV?: string;
  U1?: string;
  U2?: string;
  G?: string;
  beta?: string;
  phi?: string;
  p?: string;
  RC?: string;
  json?: boolean;
}

export function registerParams(program: Command): void {
  program
    .command('params')
    .description('minimum challenge probability, payoffs and warnings for PoSP/spML parameters (paper Theorem 1, Proposition 1)')
    .option('--C <C>', 'cost of computing f(x) once, > 0 (required)')
    .option('--R <R>', 'server reward, >= 0 (required)')
    .option('--S <S>', 'stake slashed from a dishonest node, > 0 (required)')
    .option('--r <r>', 'fraction of nodes the asserter controls, 0 <= r < 1 (required)')
    .option('--n <n>', 'validators per challenge, an integer >= 1 (required)')
    .option('--RA <RA>', 'asserter reward (default R)')
    .option('--RV <RV>', 'validators’ total reward (default R)')
    .option('--U1 <U1>', 'cheater’s profit when not challenged (default RA + G)')
    .option('--U2 <U2>', 'cheater’s profit when challenged with all validators colluding (default RA + RV + G)')
    .option('--G <G>', 'outside gain from a fraud, >= 0 (default 0; not with --U1/--U2)')
    .option('--beta <beta>', 'imperfect comparison: probability a fraud is missed (default 0)')
    .option('--phi <phi>', 'imperfect comparison: probability honest work is flagged (default 0; beta + phi < 1)')
    .option('--p <p>', 'challenge probability to check against Theorem 1, in [0, 1]')
    .option('--RC <RC>', `opML validator's net gain from a fraud proof (default ${DEFAULT_RC_PER_C}·C, as in §3.4)`)
    .option('--json', 'print the result as JSON (decimals as strings)')
    .action((flags: ParamsFlags) => {
      process.exitCode = paramsCommand(flags);
    });
}

export function paramsCommand(flags: ParamsFlags): number {
  const { json, ...input } = flags;
  const report = analyseEconomics({ ...input, C: input.C, R: input.R, S: input.S, r: input.r, n: input.n });
  if (json) printJson(report);
  else printReport(report, flags.RC === undefined);
  return 0;
}

const num = (d: Decimal) => d.toSignificantDigits(6).toString();
const pct = (d: Decimal) => `${d.mul(100).toSignificantDigits(4).toString()}%`;

function printReport(report: EconomicsReport, defaultRC: boolean): void {
  const { params: q, threshold: t } = report;
  const fields: Record<string, string> = {};
  fields.parameters = `C = ${num(q.C)}, R = ${num(q.R)}, S = ${num(q.S)}, r = ${num(q.r)}, n = ${q.n}, RA = ${num(q.RA)}, RV = ${num(q.RV)}, U1 = ${num(q.U1)}, U2 = ${num(q.U2)}`;
  if (t.pMin !== null) fields['Theorem 1 p_min'] = `${num(t.pMin)} (${pct(t.pMin)}): ${t.reason}`;
  else if (t.pMax !== null) fields['Theorem 1 p_max'] = `${num(t.pMax)} (${pct(t.pMax)}): ${t.reason}`;
  else fields['Theorem 1'] = t.reason;
  fields['Proposition 1 p_min'] = `${num(report.proposition1PMin)} (${pct(report.proposition1PMin)}) [n = 1, RA = RV = R, U1 = R, U2 = 2R]`;
  if (report.theorem1) {
    const { p, lhs, rhs, holds } = report.theorem1;
    fields[`Theorem 1 at p = ${p.toString()}`] = holds ? `holds: ${num(lhs)} > ${num(rhs)}, honesty is dominant` : `fails: ${num(lhs)} <= ${num(rhs)}, cheating pays`;
  }
  if (report.payoffs) {
    const w = report.payoffs;
    const at = report.theorem1 ? `p = ${w.p.toString()}` : 'p = p_min, where they are equal';
    fields[`payoff of honesty`] = `${num(w.honest)} at ${at} (asserter and its validators, Appendix A); asserter alone RA − C = ${num(w.asserterHonest)}`;
    fields[`payoff of cheating`] = `${num(w.cheat)} at ${at}`;
  }
  const g = report.outsideGain;
  fields['outside gain G'] = `${num(q.G)}; ${g.kind === 'below' ? `some p works while G < ${num(g.maxG ?? q.G)}, infeasible beyond` : g.kind === 'unbounded' ? 'some p works for every G' : 'infeasible for every G'} (U1 = RA + G, U2 = RA + RV + G)`;
  if (report.imperfect) {
    const w = report.imperfect;
    fields['imperfect comparison'] = `beta = ${num(q.beta)}, phi = ${num(q.phi)}: p_min = ${num(w.pMin)}${w.pMax === null ? '' : `, p_max = ${num(w.pMax)}`}; ${w.reason}`;
  }
  const o = report.opml;
  const rc = `RC = ${num(o.RC)}${defaultRC ? ` (default ${DEFAULT_RC_PER_C}·C)` : ''}`;
  fields['opML undetected fraud'] = o.undetectedFraud === null ? `${o.reason} (${rc})` : `${num(o.undetectedFraud)} (${pct(o.undetectedFraud)}) with ${rc}`;
  fields.warnings = report.warnings.length === 0 ? 'none' : String(report.warnings.length);
  printFields(fields);
  for (const w of report.warnings) console.log(`warning ${w.code}: ${w.message}`);
}
