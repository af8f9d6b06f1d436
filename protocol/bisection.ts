/**
 * Arbitration by trace bisection, beyond the paper's vote (§3.2 step 8), after Verde and opML:
 * when A's and B's results differ, bisect their Merkle traces (engine/trace.ts) to the first
 * leaf where they part, in O(log n) subtree-root comparisons, then re-execute that one leaf and
 * see whose leaf hash the recomputation matches.
 *
 * Every step of a run reads only the request and earlier leaves (engine/NUMERICS.md §20.8): an MLP
 * layer reads the previous layer's output; a decoder block reads its input and the key/value cache
 * rows its layer committed in every pass so far (its `kv` leaves), and the first block of a pass
 * the previous pass's logits, from which it picks its token. Those leaves all come before the
 * divergent one, so both traces agree on their hashes. The arbiter asks the parties to reveal
 * each one's tensor (`leavesToReveal` names them), accepts a reveal only if it hashes to the
 * agreed leaf, and runs the one step (the architecture's `replayStep`), whatever the
 * architecture. If a leaf the step reads is opened by neither party, or is one no honest run
 * commits, neither party is cleared.
 *
 * The party whose leaf matches the recomputation is named honest; if neither matches, both are
 * dishonest. A trace whose length or labels are not what the request determines is dishonest
 * without any re-execution.
 */
import type { SpmlModel } from '../engine/api.js';
import type { DType, IntArray } from '../engine/dtype.js';
import { ParamError, SpmlError } from '../engine/errors.js';
import { bytesToHex, hashData, hashTensor } from '../engine/hash.js';
import { tensor, type Tensor } from '../engine/tensor.js';
import { bisect, type TraceLeaf } from '../engine/trace.js';
import { engineOptions, taskInput, traceSchedule, type TraceStep } from './inference.js';
import type { Job } from './strategies.js';

/** A leaf's tensor as a party reveals it: enough to hash and to compute on. */
export interface RevealedState {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: IntArray;
}

/** One side of a dispute: its trace, and a way to reveal a leaf's tensor. */
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
  /** 'single-layer': the divergent leaf was re-executed alone; 'none': nothing was. */
  readonly method: 'single-layer' | 'none';
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

/**
 * The leaves whose tensors the arbiter needs to re-execute leaf `divergentIndex` of `job`'s run
 * (the architecture's replayInputs): a remote arbiter fetches these reveals in advance.
 */
export function leavesToReveal(model: SpmlModel, job: Job, divergentIndex: number): number[] {
  return model.runtime.replayInputs(taskInput(model, job.input), engineOptions(job.options, job.seed), divergentIndex);
}

/**
 * The reveal an honest party can always give, of any leaf of its run on `model`: it replays the
 * run leaf by leaf (replayStep, which gives exactly a whole run's bytes), keeping each leaf's
 * tensor on the host, so every later reveal costs only the leaves not yet replayed.
 */
export function revealFromModel(model: SpmlModel, job: Job): (index: number) => Promise<RevealedState> {
  const runtime = model.runtime;
  const opened: RevealedState[] = [];
  const open = async (index: number): Promise<RevealedState> => {
    const input = taskInput(model, job.input);
    const options = engineOptions(job.options, job.seed);
    const leaves = traceSchedule(model, job.input, job.options).length;
    if (!Number.isInteger(index) || index < 0 || index >= leaves) throw new ParamError('reveal', `leaf ${index} is outside [0, ${leaves})`);
    while (opened.length <= index) {
      const i = opened.length;
      const reads = runtime.replayInputs(input, options, i).map((j) => tensor(model.backend, opened[j]!.data, opened[j]!.shape, opened[j]!.dtype));
      const leaf = await runtime.replayStep(input, options, i, reads);
      opened.push({ dtype: leaf.dtype, shape: [...leaf.shape], data: await leaf.data() });
      for (const t of [...reads, leaf]) t.dispose();
    }
    return opened[index]!;
  };
  // One replay at a time: reveals asked for together share the leaves replayed so far.
  let queue: Promise<unknown> = Promise.resolve();
  return (index) => {
    const next = queue.then(() => open(index));
    queue = next.catch(() => undefined);
    return next;
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
  const unresolved = { ...noWork, comparisons, divergentIndex: index, label, honest: 'neither' as const };

  const inputs: Tensor[] = [];
  let recomputed: Tensor;
  try {
    for (const j of leavesToReveal(model, job, index)) {
      const state = await agreedState(model, a, b, j);
      // Neither party can open a leaf tensor both of them committed to.
      if (!state) return unresolved;
      inputs.push(state);
    }
    recomputed = await model.runtime.replayStep(taskInput(model, job.input), engineOptions(job.options, job.seed), index, inputs);
  } catch (e) {
    // The leaves both committed to are ones no honest run makes (a dtype or shape the step refuses).
    if (e instanceof SpmlError) return unresolved;
    throw e;
  } finally {
    for (const t of inputs) t.dispose();
  }
  const recomputedHash = await hashTensor(recomputed);
  recomputed.dispose();
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

/** Leaf `index`'s tensor as revealed by A, else by B, accepted only if it hashes to the agreed leaf. */
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
