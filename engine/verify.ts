/**
 * Verification: recompute a claimed result from the model, the input, the options and the seed,
 * and say whether it matches. This is what a validator does in PoSP (a result is trusted when an
 * independent recomputation gives the same hashes), and what a user does with a server's answer.
 *
 * The claim is an output hash, optionally a trace root, and optionally the trace's leaves (one
 * hash per layer output, engine/NUMERICS.md §20): with the leaves, a mismatch names the first
 * layer output that differs, which is where the two computations parted.
 */
import type { SpmlModel } from './api.js';
import { classify, generate, type GenerateOptions } from './api.js';
import { ParamError } from './errors.js';
import type { TraceLeaf } from './trace.js';

/** What someone claims a run produced. */
export interface Claim {
  /** The claimed output hash (64 hex digits). */
  readonly outputHash: string;
  /** The claimed trace root, checked when given. */
  readonly traceRoot?: string;
  /** The claimed trace leaves in order, checked when given; a mismatch names the first that differs. */
  readonly traceLeaves?: readonly TraceLeaf[];
}

/** A language model's input: the prompt and the generation options (seed included). */
export type GenerateInput = { readonly prompt: string } & GenerateOptions;
/** A classifier's input: rows of bytes 0..255 (pixels for an image model). */
export interface ClassifyInput {
  readonly pixels: Uint8Array;
  readonly count?: number;
}

export interface HashCheck {
  readonly claimed: string;
  readonly computed: string;
  readonly match: boolean;
}

export interface FirstDifference {
  /** Index of the first leaf that differs, or where one trace ends early. */
  readonly index: number;
  /** The recomputed leaf's label there ('' past the end of the recomputed trace). */
  readonly label: string;
  readonly claimed?: TraceLeaf;
  readonly computed?: TraceLeaf;
}

export interface VerifyResult {
  /** Every part of the claim that was given matches the recomputation. */
  readonly match: boolean;
  readonly modelHash: string;
  readonly outputHash: HashCheck;
  readonly traceRoot?: HashCheck;
  /** With claimed leaves: the first leaf that differs, or null when all match. */
  readonly firstDifference?: FirstDifference | null;
  /** Leaves of the recomputed run. */
  readonly traceLength: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

function checkHex(field: string, value: unknown): string {
  if (typeof value !== 'string' || !HEX64.test(value.toLowerCase())) {
    throw new ParamError('verify', `${field} must be 64 hex digits (a SHA-256), got ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

function checkLeaves(leaves: unknown): TraceLeaf[] {
  if (!Array.isArray(leaves)) throw new ParamError('verify', 'traceLeaves must be an array of { label, tensorHash }');
  return leaves.map((l: unknown, i) => {
    const leaf = l as Partial<TraceLeaf> | null;
    if (typeof leaf?.label !== 'string') throw new ParamError('verify', `traceLeaves[${i}].label must be a string`);
    return { label: leaf.label, tensorHash: checkHex(`traceLeaves[${i}].tensorHash`, leaf.tensorHash) };
  });
}

/** The first index where two traces differ in label or hash, or where one of them ends. */
export function firstDifference(claimed: readonly TraceLeaf[], computed: readonly TraceLeaf[]): FirstDifference | null {
  const n = Math.max(claimed.length, computed.length);
  for (let i = 0; i < n; i++) {
    const a = claimed[i];
    const b = computed[i];
    if (!a || !b || a.label !== b.label || a.tensorHash !== b.tensorHash) {
      return { index: i, label: b?.label ?? '', ...(a ? { claimed: a } : {}), ...(b ? { computed: b } : {}) };
    }
  }
  return null;
}

function generateWithTrace(model: SpmlModel, input: GenerateInput) {
  const { prompt, ...options } = input;
  return generate(model, prompt, { ...options, keepTrace: true });
}

const check = (claimed: string, computed: string): HashCheck => ({ claimed, computed, match: claimed === computed });

/**
 * Recompute `input` on `model` and compare with `claim`. A language model takes
 * `{ prompt, ...generateOptions }`, a classifier `{ pixels, count? }`; the options must be the
 * ones the claimed run used (the seed, for sampling, included).
 */
export async function verify(model: SpmlModel, input: GenerateInput | ClassifyInput, claim: Claim): Promise<VerifyResult> {
  if (claim === null || typeof claim !== 'object') throw new ParamError('verify', 'claim must be an object with at least an outputHash');
  const outputHash = checkHex('outputHash', claim.outputHash);
  const traceRoot = claim.traceRoot === undefined ? undefined : checkHex('traceRoot', claim.traceRoot);
  const claimedLeaves = claim.traceLeaves === undefined ? undefined : checkLeaves(claim.traceLeaves);
  const run = 'prompt' in input ? await generateWithTrace(model, input) : await classify(model, input.pixels, input.count, { keepTrace: true });
  const leaves = run.traceLeaves ?? [];
  const outputCheck = check(outputHash, run.outputHash);
  const rootCheck = traceRoot === undefined ? undefined : check(traceRoot, run.traceRoot);
  const difference = claimedLeaves === undefined ? undefined : firstDifference(claimedLeaves, leaves);
  return {
    match: outputCheck.match && (rootCheck?.match ?? true) && (difference ?? null) === null,
    modelHash: model.hash,
    outputHash: outputCheck,
    ...(rootCheck ? { traceRoot: rootCheck } : {}),
    ...(difference !== undefined ? { firstDifference: difference } : {}),
    traceLength: leaves.length,
  };
}
