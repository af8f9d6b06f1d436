/**
 * Arbitration by trace bisection, beyond the paper's vote (§3.2 step 8), after Verde and opML:
 * when A's and B's results differ, bisect their Merkle traces (engine/trace.ts) to the first
 * leaf where they part, in O(log n) subtree-root comparisons, then re-execute only up to that
 * leaf with the requested model and see whose leaf the recomputation matches.
 *
 * The model's architecture says how (engine/arch/architecture.ts, `replayStep`):
 * - single step, where a step reads only the previous leaf (the MLP's layers): leaf k's input is
 *   leaf k−1's tensor, on which both traces agree; a party reveals that tensor, the arbiter
 *   checks it against the agreed leaf hash, and runs step k alone (step 0 takes the request's
 *   input).
 * - prefix, where a step also reads state the trace does not commit to (a GPT block at step s
 *   reads the key/value cache of every earlier position): the arbiter re-runs the request and
 *   stops at the divergent leaf (generate's leafLimit), checking every recomputed leaf on the way.
 *
 * The party whose trace matches the recomputation is named honest; if neither matches, both are
 * dishonest. A trace whose length or labels are not what the request determines is dishonest
 * without any re-execution.
 */
import type { SpmlModel } from '../engine/api.js';
import type { DType, IntArray } from '../engine/dtype.js';
import { ParamError } from '../engine/errors.js';
import { bytesToHex, hashData, hashTensor } from '../engine/hash.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { bisect, type TraceLeaf } from '../engine/trace.js';
import { runPrefix, taskInput, traceSchedule, type TraceStep } from './inference.js';
import type { Job } from './strategies.js';

/** A layer output as a party reveals it: enough to hash and to compute on. */
export interface RevealedState {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: IntArray;
}

/** One side of a dispute: its trace, and (where steps replay singly) a way to reveal a leaf's tensor. */
export interface DisputedRun {
  readonly leaves: readonly TraceLeaf[];
  readonly reveal?: (index: number) => Promise<RevealedState>;
}

export type Verdict = 'A' | 'B' | 'neither' | 'both';

export interface BisectionResult {
  /** First leaf where the traces differ (−1 when they agree). */
  readonly divergentIndex: number;
  readonly label: string;
  /** Subtree roots compared by bisect (each one hash from each party). */
  readonly comparisons: number;
  readonly method: 'single-layer' | 'prefix' | 'none';
  /** Layers (trace leaves) the arbiter computed, and the leaves of a full run. */
  readonly reexecutedLayers: number;
  readonly fullLayers: number;
  /** Multiply-accumulates of those layers, and of a full run. */
  readonly reexecutedMacs: number;
  readonly fullMacs: number;
  /** (fullLayers − reexecutedLayers) / fullLayers. */
  readonly savedFraction: number;
  /** The arbiter's hash of the divergent leaf's tensor ('' when nothing was recomputed). */
  readonly recomputedHash: string;
  /** Whose trace matches the recomputation: 'both' when the traces agree, so there is nothing to decide. */
  readonly honest: Verdict;
}

/** The reveal an honest party can always give: replay its own model's steps 0..index again. */
export function revealFromModel(model: SpmlModel, job: Job): (index: number) => Promise<RevealedState> {
  return async (index) => {
    const runtime = model.runtime;
    if (!runtime.replayStep) throw new ParamError('reveal', `a ${model.kind} model replays a prefix; it reveals no leaf tensors`);
    const input = taskInput(model, job.input);
    const leaves = traceSchedule(model, job.input, job.options).length;
    if (!Number.isInteger(index) || index < 0 || index >= leaves) throw new ParamError('reveal', `leaf ${index} is outside [0, ${leaves})`);
    let h: Tensor | undefined;
    for (let i = 0; i <= index; i++) h = runtime.replayStep(input, i, h);
    return { dtype: h!.dtype, shape: [...h!.shape], data: await h!.data() };
  };
}

function wellFormed(leaves: readonly TraceLeaf[], schedule: readonly TraceStep[]): boolean {
  return leaves.length === schedule.length && leaves.every((l, i) => l.label === schedule[i]!.label && /^[0-9a-f]{64}$/.test(l.tensorHash));
}

const sum = (steps: readonly TraceStep[]) => steps.reduce((n, s) => n + s.macs, 0);

/**
 * Decide a dispute between A and B over `job`, run on `model` (the requested model, which the
 * arbiter holds).
 */
export async function arbitrateByBisection(model: SpmlModel, job: Job, a: DisputedRun, b: DisputedRun): Promise<BisectionResult> {
  if (model.hash !== job.modelHash) throw new ParamError('arbitrateByBisection', `the arbiter's model ${model.hash} is not the requested ${job.modelHash}`);
  const schedule = traceSchedule(model, job.input, job.options);
  const fullLayers = schedule.length;
  const fullMacs = sum(schedule);
  const verdictOf = (aOk: boolean, bOk: boolean): Verdict => (aOk && bOk ? 'both' : aOk ? 'A' : bOk ? 'B' : 'neither');
  const noWork = { comparisons: 0, method: 'none' as const, reexecutedLayers: 0, fullLayers, reexecutedMacs: 0, fullMacs, savedFraction: 1, recomputedHash: '' };

  const aFormed = wellFormed(a.leaves, schedule);
  const bFormed = wellFormed(b.leaves, schedule);
  if (!aFormed || !bFormed) {
    // A malformed trace convicts its sender; bisection needs two traces of the same shape.
    const bad = !aFormed ? a.leaves : b.leaves;
    let at = schedule.findIndex((s, i) => bad[i]?.label !== s.label || !/^[0-9a-f]{64}$/.test(bad[i]!.tensorHash));
    if (at < 0) at = schedule.length;
    return { ...noWork, divergentIndex: at, label: schedule[at]?.label ?? '', honest: aFormed ? 'A' : bFormed ? 'B' : 'neither' };
  }

  const { index, comparisons } = bisect(a.leaves, b.leaves);
  if (index < 0) return { ...noWork, comparisons, divergentIndex: -1, label: '', honest: 'both' };
  const label = schedule[index]!.label;

  if (model.runtime.replayStep) {
    const state = index === 0 ? undefined : await agreedState(model, a, b, index - 1);
    if (index > 0 && !state) {
      // Neither party can open the leaf tensor both of them committed to.
      return { ...noWork, comparisons, divergentIndex: index, label, honest: 'neither' };
    }
    const recomputedHash = await hashTensor(model.runtime.replayStep(taskInput(model, job.input), index, state));
    return {
      divergentIndex: index,
      label,
      comparisons,
      method: 'single-layer',
      reexecutedLayers: 1,
      fullLayers,
      reexecutedMacs: schedule[index]!.macs,
      fullMacs,
      savedFraction: (fullLayers - 1) / fullLayers,
      recomputedHash,
      honest: verdictOf(a.leaves[index]!.tensorHash === recomputedHash, b.leaves[index]!.tensorHash === recomputedHash),
    };
  }

  const mine = (await runPrefix(model, job.input, job.options, job.seed, index + 1)).leaves;
  const matches = (theirs: readonly TraceLeaf[]) => mine.every((leaf, i) => leaf.tensorHash === theirs[i]!.tensorHash);
  return {
    divergentIndex: index,
    label,
    comparisons,
    method: 'prefix',
    reexecutedLayers: mine.length,
    fullLayers,
    reexecutedMacs: sum(schedule.slice(0, mine.length)),
    fullMacs,
    savedFraction: (fullLayers - mine.length) / fullLayers,
    recomputedHash: mine[index]?.tensorHash ?? '',
    honest: verdictOf(matches(a.leaves), matches(b.leaves)),
  };
}

/** Layer `index`'s output as revealed by A, else by B, accepted only if it hashes to the agreed leaf. */
async function agreedState(model: SpmlModel, a: DisputedRun, b: DisputedRun, index: number): Promise<Tensor | undefined> {
  const agreed = a.leaves[index]!.tensorHash;
  for (const party of [a, b]) {
    if (!party.reveal) continue;
    try {
      const s = await party.reveal(index);
      if (bytesToHex(hashData(s.dtype, s.shape, s.data)) === agreed) return tensor(model.backend, s.data, s.shape, s.dtype);
    } catch {
      // A party that cannot reveal simply gives the arbiter nothing; the other may.
    }
  }
  return undefined;
}
