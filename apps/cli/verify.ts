/**
 * `spml verify`: recompute a claimed result from the model, the prompt, the options and the
 * seed, and say yes or no (engine/verify.ts). Exit status 0 when every given part of the claim
 * matches, 1 when one does not, 2 for bad input. Given the claimed trace leaves (the JSON that
 * `spml run --json` prints), a mismatch names the first layer output that differs.
 */
import { readFileSync } from 'node:fs';
import type { GenerateOptions } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import type { TraceLeaf } from '../../engine/trace.js';
import { verify, type Claim, type VerifyResult } from '../../engine/verify.js';
import { printFields, printJson } from './format_result.js';
import { loadFromFlags } from './load.js';

/** The flags every generating command takes (spml.ts's withGenerationOptions). */
export interface GenerationFlags {
  model: string;
  maxTokens: number;
  seed: bigint;
  temperature: number;
  topK?: number;
  topP?: number;
  backend: string;
  expectHash?: string;
  expectTrace?: string;
  json?: boolean;
}

export interface VerifyFlags extends GenerationFlags {
  prompt?: string;
  pixels?: string;
  expectLeaves?: string;
  tokenizer?: string;
}

/** The claimed leaves from a file: `spml run --json` output (its traceLeaves), or a bare array. */
function leavesFromFile(path: string): TraceLeaf[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ParamError('verify', `--expect-leaves ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const leaves = Array.isArray(doc) ? doc : (doc as { traceLeaves?: unknown })?.traceLeaves;
  if (!Array.isArray(leaves)) throw new ParamError('verify', `--expect-leaves ${path} holds no traceLeaves array (write it with \`spml run --json\`)`);
  return leaves as TraceLeaf[];
}

export function claimFromFlags(flags: Pick<VerifyFlags, 'expectHash' | 'expectTrace' | 'expectLeaves'>): Claim {
  if (flags.expectHash === undefined) throw new ParamError('verify', '--expect-hash <hex> is required: the output hash to check');
  return {
    outputHash: flags.expectHash,
    ...(flags.expectTrace !== undefined ? { traceRoot: flags.expectTrace } : {}),
    ...(flags.expectLeaves !== undefined ? { traceLeaves: leavesFromFile(flags.expectLeaves) } : {}),
  };
}

export function generateOptions(flags: GenerationFlags): GenerateOptions {
  return {
    maxTokens: flags.maxTokens,
    seed: flags.seed,
    temperature: flags.temperature,
    ...(flags.topK !== undefined ? { topK: flags.topK } : {}),
    ...(flags.topP !== undefined ? { topP: flags.topP } : {}),
  };
}

/** The verdict as text lines: what matched, what did not, and where a trace first differs. */
export function describeVerdict(r: VerifyResult): Record<string, string> {
  const line = (c: { claimed: string; computed: string; match: boolean }) => (c.match ? `matches (${c.computed})` : `DIFFERS: claimed ${c.claimed}, recomputed ${c.computed}`);
  const fields: Record<string, string> = { verdict: r.match ? 'verified: the claim matches the recomputation' : 'MISMATCH: the claim does not match the recomputation', 'output hash': line(r.outputHash) };
  if (r.traceRoot) fields['trace root'] = line(r.traceRoot);
  if (r.firstDifference !== undefined) {
    const d = r.firstDifference;
    fields['trace leaves'] = d === null ? `all ${r.traceLength} match` : `first difference at leaf ${d.index} of ${r.traceLength} (${d.label || 'past the end of the recomputed trace'}): claimed ${d.claimed?.tensorHash ?? 'nothing'}, recomputed ${d.computed?.tensorHash ?? 'nothing'}`;
  }
  return fields;
}

export async function verifyCommand(flags: VerifyFlags): Promise<number> {
  const claim = claimFromFlags(flags);
  if ((flags.prompt === undefined) === (flags.pixels === undefined)) throw new ParamError('verify', 'give exactly one input: --prompt <text> for a language model, or --pixels <file> for a classifier');
  const model = await loadFromFlags('verify', flags);
  const input = flags.prompt !== undefined ? { prompt: flags.prompt, ...generateOptions(flags) } : { pixels: readPixels(flags.pixels!) };
  const r = await verify(model, input, claim);
  if (flags.json) printJson({ model: model.name, backend: flags.backend, ...r });
  else printFields({ model: `${model.name} (${model.hash})`, backend: flags.backend, ...describeVerdict(r) });
  return r.match ? 0 : 1;
}

function readPixels(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ParamError('verify', `--pixels ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
