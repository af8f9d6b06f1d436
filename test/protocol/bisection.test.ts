/**
 * protocol/bisection.ts: planted divergences are found at the planted leaf, the party the
 * recomputation agrees with is named, the arbiter re-executes exactly one leaf of every
 * architecture from the leaves it reads (NUMERICS.md §20.8), each revealed by a party and checked
 * against the agreed leaf hash, and its work is counted exactly.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import type { SpmlModel } from '../../engine/api.js';
import { hashData, hashTensor } from '../../engine/hash.js';
import { tensor } from '../../engine/tensor.js';
import { loadMnist } from '../../tools/data/mnist.js';
import type { TraceLeaf } from '../../engine/trace.js';
import { arbitrateByBisection, leavesToReveal, revealFromModel, type DisputedRun, type RevealedState } from '../../protocol/bisection.js';
import { engineOptions, ModelStore, runInference, taskInput, traceSchedule, type InferenceResult } from '../../protocol/inference.js';
import { fabricateResult, perturbModel, type Job } from '../../protocol/strategies.js';

const images = loadMnist('test').images;
const store = new ModelStore();
let mlp: SpmlModel;
let gpt: SpmlModel;
let llama: SpmlModel;
let mlpJob: Job;
let gptJob: Job;
let llamaJob: Job;
let mlpHonest: InferenceResult;
let gptHonest: InferenceResult;
let llamaHonest: InferenceResult;

beforeAll(async () => {
  mlp = await store.load('mnist-mlp');
  gpt = await store.load('moby-gpt');
  llama = await store.load('stories260k');
  mlpJob = { requestId: 'r1', modelHash: mlp.hash, input: { kind: 'pixels', pixels: bytesToHex(images.subarray(0, 784)), count: 1 }, options: {}, seed: 0n };
  // Sampled, so that replaying a pass's first block re-picks its token with the seed.
  gptJob = { requestId: 'r2', modelHash: gpt.hash, input: { kind: 'text', prompt: 'Call me Ishmael.' }, options: { maxTokens: 6, temperature: 0.8 }, seed: 7n };
  llamaJob = { requestId: 'r3', modelHash: llama.hash, input: { kind: 'text', prompt: 'Once upon a time' }, options: { maxTokens: 8, temperature: 0.8, topK: 40 }, seed: 42n };
  mlpHonest = await runInference(mlp, mlpJob.input, mlpJob.options, mlpJob.seed);
  gptHonest = await runInference(gpt, gptJob.input, gptJob.options, gptJob.seed);
  llamaHonest = await runInference(llama, llamaJob.input, llamaJob.options, llamaJob.seed);
});

/** The honest trace with leaf `at` replaced by a wrong hash (and, like a real fork, every leaf after it). */
function planted(leaves: readonly TraceLeaf[], at: number, tag = 'x'): TraceLeaf[] {
  return leaves.map((l, i) => (i < at ? l : { label: l.label, tensorHash: bytesToHex(new TextEncoder().encode(`${tag}${i}`.padEnd(32, '.'))) }));
}

const hashOf = (s: RevealedState) => bytesToHex(hashData(s.dtype, s.shape, s.data));

/** A cache leaf [planes, H, T, D] whose values (its last plane) are negated: a cache forged outright. */
function negatedValues(s: RevealedState): RevealedState {
  const data = s.data.slice();
  const plane = data.length / s.shape[0]!;
  for (let i = data.length - plane; i < data.length; i++) data[i] = Math.min(127, -data[i]!);
  return { ...s, data };
}

/** The state with its first element moved by one: a tampered tensor of the same dtype and shape. */
function nudged(s: RevealedState): RevealedState {
  const data = s.data.slice();
  data[0] = data[0]! > 0 ? data[0]! - 1 : data[0]! + 1;
  return { ...s, data };
}

/**
 * A party that really computes its run leaf by leaf, but at leaf `at` commits `forge(honest
 * tensor)` and computes every later leaf from what it committed; `uses` lets it also feed a step
 * other input tensors than the ones it committed (a cache it does not show). It reveals what it
 * committed, or what it used where `uses` says.
 */
async function forgedRun(model: SpmlModel, job: Job, at: number, forge: (s: RevealedState) => RevealedState, uses?: { step: number; leaf: number; state: RevealedState }): Promise<DisputedRun> {
  const runtime = model.runtime;
  const input = taskInput(model, job.input);
  const options = engineOptions(job.options, job.seed);
  const schedule = traceSchedule(model, job.input, job.options);
  const states: RevealedState[] = [];
  for (let i = 0; i < schedule.length; i++) {
    const reads = runtime.replayInputs(input, options, i).map((j) => (uses && i === uses.step && j === uses.leaf ? uses.state : states[j]!));
    const leaf = await runtime.replayStep(input, options, i, reads.map((s) => tensor(model.backend, s.data, s.shape, s.dtype)));
    const s = { dtype: leaf.dtype, shape: [...leaf.shape], data: (await leaf.data()).slice() };
    states.push(i === at ? forge(s) : s);
  }
  const shown = uses ? states.map((s, i) => (i === uses.leaf ? uses.state : s)) : states;
  return { leaves: states.map((s, i) => ({ label: schedule[i]!.label, tensorHash: hashOf(s) })), reveal: async (i) => shown[i]! };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

// MLP layers on one image: 784·256, 256·128 and 128·10 multiply-accumulates.
const MLP_MACS = [200704, 32768, 1280];
const MLP_FULL = 234752;

describe('mnist-mlp: one layer re-executed from the agreed state', () => {
  it.each([
    [0, 'layer0', 3],
    [1, 'layer1', 3],
    [2, 'logits', 2],
  ])('a divergence planted at leaf %i (%s) is found and the honest side named', async (at, label, comparisons) => {
    const honest: DisputedRun = { leaves: mlpHonest.leaves, reveal: revealFromModel(mlp, mlpJob) };
    const forged: DisputedRun = { leaves: planted(mlpHonest.leaves, at), reveal: revealFromModel(mlp, mlpJob) };
    const r = await arbitrateByBisection(mlp, mlpJob, honest, forged);
    expect(r).toEqual({
      divergentIndex: at,
      label,
      comparisons,
      method: 'single-layer',
      reexecutedLayers: 1,
      fullLayers: 3,
      reexecutedMacs: MLP_MACS[at],
      fullMacs: MLP_FULL,
      savedFraction: 2 / 3,
      recomputedHash: mlpHonest.leaves[at]!.tensorHash,
      honest: 'A',
    });
    expect((await arbitrateByBisection(mlp, mlpJob, forged, honest)).honest).toBe('B');
    expect(leavesToReveal(mlp, mlpJob, at)).toEqual(at === 0 ? [] : [at - 1]);
  });

  it('a substituted model is caught at layer1, the first layer using the changed weight', async () => {
    const cheap = await perturbModel(mlp, { tensor: 'w1', index: 257, delta: 100 });
    const sub = await runInference(cheap, mlpJob.input, mlpJob.options, mlpJob.seed);
    // Each side reveals from the model it actually ran; layer 0 is the same in both.
    const r = await arbitrateByBisection(mlp, mlpJob, { leaves: sub.leaves, reveal: revealFromModel(cheap, mlpJob) }, { leaves: mlpHonest.leaves, reveal: revealFromModel(mlp, mlpJob) });
    expect(r).toMatchObject({ divergentIndex: 1, label: 'layer1', reexecutedLayers: 1, reexecutedMacs: 32768, honest: 'B' });
  });

  it('two different wrong leaves: neither matches the recomputation', async () => {
    const r = await arbitrateByBisection(mlp, mlpJob, { leaves: planted(mlpHonest.leaves, 1, 'a') }, { leaves: planted(mlpHonest.leaves, 1, 'b'), reveal: revealFromModel(mlp, mlpJob) });
    expect(r).toMatchObject({ divergentIndex: 1, honest: 'neither' });
  });

  it('a reveal that does not open the agreed leaf is not used; without a good one, neither wins', async () => {
    const lie = async () => ({ dtype: 'int8' as const, shape: [1, 256], data: new Int8Array(256) });
    const withB = await arbitrateByBisection(mlp, mlpJob, { leaves: planted(mlpHonest.leaves, 2), reveal: lie }, { leaves: mlpHonest.leaves, reveal: revealFromModel(mlp, mlpJob) });
    expect(withB).toMatchObject({ divergentIndex: 2, honest: 'B' });
    const none = await arbitrateByBisection(mlp, mlpJob, { leaves: planted(mlpHonest.leaves, 2), reveal: lie }, { leaves: mlpHonest.leaves });
    expect(none).toMatchObject({ divergentIndex: 2, honest: 'neither', reexecutedLayers: 0 });
  });

  it('a made-up answer diverges at layer0, which the arbiter recomputes from the request\'s pixels', async () => {
    const fake = fabricateResult(mlp, mlpJob, 'cheat');
    const r = await arbitrateByBisection(mlp, mlpJob, { leaves: mlpHonest.leaves }, { leaves: fake.leaves });
    expect(r).toMatchObject({ divergentIndex: 0, label: 'layer0', reexecutedMacs: 200704, honest: 'A' });
  });
});

describe('moby-gpt: one leaf re-executed from the leaves it reads, its cache included', () => {
  // Prompt of 16 tokens, 6 tokens out: 6 passes of 9 leaves (kv0, h0, …, kv3, h3, logits), C = 64,
  // M = 256, V = 83. A block's cache rows cost T·2·64² (k, v), its output T·(2·64² + 2·64·256 +
  // 2·P·64) over P positions; a head T·83·64.
  const N = 9;
  const kvMacs = (T: number) => T * 2 * 64 * 64;
  const hMacs = (T: number, P: number) => T * (2 * 64 * 64 + 2 * 64 * 256 + 2 * P * 64);
  const GPT_FULL = sum([16, 1, 1, 1, 1, 1].map((T, p) => 4 * (kvMacs(T) + hMacs(T, 16 + p)) + T * 83 * 64));
  let honest: DisputedRun;

  beforeAll(() => {
    honest = { leaves: gptHonest.leaves, reveal: revealFromModel(gpt, gptJob) };
  });

  it('the trace commits each block\'s cache rows before its output, and replaying every leaf reproduces it', async () => {
    expect(gptHonest.leaves).toHaveLength(6 * N);
    expect(gptHonest.leaves.slice(N, 2 * N).map((l) => l.label)).toEqual(['step0.kv0', 'step0.h0', 'step0.kv1', 'step0.h1', 'step0.kv2', 'step0.h2', 'step0.kv3', 'step0.h3', 'step0.logits']);
    expect(sum(traceSchedule(gpt, gptJob.input, gptJob.options).map((s) => s.macs))).toBe(GPT_FULL);
    for (const [i, leaf] of gptHonest.leaves.entries()) expect(hashOf(await honest.reveal!(i)), leaf.label).toBe(leaf.tensorHash);
    // Keys and values of 4 heads of 16 dimensions, for the 16 prompt positions, then for one.
    expect((await honest.reveal!(0)).shape).toEqual([2, 4, 16, 16]);
    expect((await honest.reveal!(N)).shape).toEqual([2, 4, 1, 16]);
  });

  it('a block output tampered deep in the run (step3.h2) is caught there: one leaf re-executed, a small fraction of the run', async () => {
    const at = 4 * N + 5;
    const forged = await forgedRun(gpt, gptJob, at, nudged);
    // The block's input (step3.h1), then the kv2 rows of every pass up to its own.
    expect(leavesToReveal(gpt, gptJob, at)).toEqual([4 * N + 3, 4, N + 4, 2 * N + 4, 3 * N + 4, 4 * N + 4]);
    const r = await arbitrateByBisection(gpt, gptJob, honest, forged);
    expect(r).toEqual({
      divergentIndex: at,
      label: 'step3.h2',
      comparisons: 7,
      method: 'single-layer',
      reexecutedLayers: 1,
      fullLayers: 6 * N,
      reexecutedMacs: hMacs(1, 20),
      fullMacs: GPT_FULL,
      savedFraction: (6 * N - 1) / (6 * N),
      recomputedHash: gptHonest.leaves[at]!.tensorHash,
      honest: 'A',
    });
    expect(r.reexecutedMacs / r.fullMacs).toBeLessThan(0.01);
    expect((await arbitrateByBisection(gpt, gptJob, forged, honest)).honest).toBe('B');
  });

  it('the first block of a pass re-picks its token from the previous pass\'s logits with the request\'s seed', async () => {
    const at = 3 * N + 1;
    expect(leavesToReveal(gpt, gptJob, at)).toEqual([3 * N - 1, 0, N, 2 * N, 3 * N]);
    const r = await arbitrateByBisection(gpt, gptJob, honest, { leaves: planted(gptHonest.leaves, at) });
    expect(r).toMatchObject({ divergentIndex: at, label: 'step2.h0', reexecutedLayers: 1, recomputedHash: gptHonest.leaves[at]!.tensorHash, honest: 'A' });
    // Seed 2 samples another token (43, not 81) from the same logits: the same leaves re-executed
    // under it do not give the run's.
    const other = await arbitrateByBisection(gpt, { ...gptJob, seed: 2n }, honest, { leaves: planted(gptHonest.leaves, at) });
    expect(other).toMatchObject({ divergentIndex: at, honest: 'neither' });
  });

  it('a party that forges its cache rows (step2.kv1) is caught at the kv leaf, before the block that reads them', async () => {
    const at = 3 * N + 2;
    const forged = await forgedRun(gpt, gptJob, at, nudged);
    // The block reading the forged rows diverges too, but after the rows themselves.
    expect(forged.leaves[at + 1]!.tensorHash).not.toBe(gptHonest.leaves[at + 1]!.tensorHash);
    expect(leavesToReveal(gpt, gptJob, at)).toEqual([at - 1]);
    const r = await arbitrateByBisection(gpt, gptJob, forged, honest);
    expect(r).toMatchObject({ divergentIndex: at, label: 'step2.kv1', method: 'single-layer', reexecutedLayers: 1, reexecutedMacs: kvMacs(1), honest: 'B' });
  });

  it('a block that reads a cache row other than the one committed is caught: the row it reveals does not open the agreed kv leaf', async () => {
    // The party commits prefill.kv1 honestly, but step2.h1 reads a forged copy of it.
    const at = 3 * N + 3;
    const hidden = negatedValues(await honest.reveal!(2));
    const forged = await forgedRun(gpt, gptJob, -1, (s) => s, { step: at, leaf: 2, state: hidden });
    expect(forged.leaves.slice(0, at)).toEqual(gptHonest.leaves.slice(0, at));
    expect(forged.leaves[at]!.tensorHash).not.toBe(gptHonest.leaves[at]!.tensorHash);
    expect(leavesToReveal(gpt, gptJob, at)).toContain(2);

    expect(await arbitrateByBisection(gpt, gptJob, forged, honest)).toMatchObject({ divergentIndex: at, label: 'step2.h1', reexecutedLayers: 1, honest: 'B' });
    // Alone, the forger cannot open prefill.kv1 with the row it used: nothing is re-executed.
    expect(await arbitrateByBisection(gpt, gptJob, forged, { leaves: gptHonest.leaves })).toMatchObject({ divergentIndex: at, honest: 'neither', reexecutedLayers: 0 });
    // Load-bearing: were its revealed row taken unchecked, the replay would confirm its leaf.
    const input = taskInput(gpt, gptJob.input);
    const options = engineOptions(gptJob.options, gptJob.seed);
    const unchecked = await Promise.all(leavesToReveal(gpt, gptJob, at).map((j) => forged.reveal!(j)));
    const replayed = await gpt.runtime.replayStep(input, options, at, unchecked.map((s) => tensor(gpt.backend, s.data, s.shape, s.dtype)));
    expect(await hashTensor(replayed)).toBe(forged.leaves[at]!.tensorHash);
  });

  it('a substituted block-2 weight is caught at prefill.h2 although the tokens agree', async () => {
    const cheap = await perturbModel(gpt, { tensor: 'h2.attn.wq', index: 0, delta: 100 });
    const sub = await runInference(cheap, gptJob.input, gptJob.options, gptJob.seed);
    // wq makes no cache row: prefill.kv2 agrees, and the block's output is the first leaf to differ.
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: sub.leaves, reveal: revealFromModel(cheap, gptJob) }, honest);
    expect(r).toMatchObject({ divergentIndex: 5, label: 'prefill.h2', reexecutedLayers: 1, reexecutedMacs: hMacs(16, 16), honest: 'B' });
  });

  it('a divergence planted at the last leaf re-executes the last head alone', async () => {
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: planted(gptHonest.leaves, 6 * N - 1) }, honest);
    expect(r).toMatchObject({ divergentIndex: 6 * N - 1, label: 'step4.logits', reexecutedLayers: 1, reexecutedMacs: 83 * 64, honest: 'B' });
  });

  it('if both parties agree on a wrong prefix, the recomputation clears neither', async () => {
    const shared = planted(gptHonest.leaves, 3, 'p');
    const other = [...shared.slice(0, 5), ...planted(gptHonest.leaves, 5, 'q').slice(5)];
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: shared, reveal: honest.reveal! }, { leaves: other, reveal: honest.reveal! });
    expect(r).toMatchObject({ divergentIndex: 5, honest: 'neither' });
  });

  it('an agreed leaf of a shape no honest run commits clears neither, though it opens', async () => {
    const odd: RevealedState = { dtype: 'int16', shape: [1, 64], data: new Int16Array(64) };
    const leaves = gptHonest.leaves.map((l, i) => (i === 3 ? { ...l, tensorHash: hashOf(odd) } : l));
    const reveal = async (i: number) => (i === 3 ? odd : honest.reveal!(i));
    const r = await arbitrateByBisection(gpt, gptJob, { leaves, reveal }, { leaves: [...leaves.slice(0, 5), ...planted(leaves, 5).slice(5)], reveal });
    expect(r).toMatchObject({ divergentIndex: 5, honest: 'neither', reexecutedLayers: 0 });
  });
});

describe('stories260k (llama): one leaf re-executed from the leaves it reads, its 12-bit key planes included', () => {
  // 5 prompt tokens, 8 out: 8 passes of 11 leaves. C = 64, F = 172, 8 heads sharing 4 kv heads of
  // 8 dimensions (KV = 32), V = 512. A block's cache rows cost T·2·64·32, its output
  // T·(2·64² + 3·64·172 + 3·P·64); a head T·512·64.
  const N = 11;
  const kvMacs = (T: number) => T * 2 * 64 * 32;
  const hMacs = (T: number, P: number) => T * (2 * 64 * 64 + 3 * 64 * 172 + 3 * P * 64);
  const LLAMA_FULL = sum([5, 1, 1, 1, 1, 1, 1, 1].map((T, p) => 5 * (kvMacs(T) + hMacs(T, 5 + p)) + T * 512 * 64));
  let honest: DisputedRun;

  beforeAll(() => {
    honest = { leaves: llamaHonest.leaves, reveal: revealFromModel(llama, llamaJob) };
  });

  it('the cache leaf holds the two key planes and the values, repeated to 8 heads, as the cache does', async () => {
    expect(llamaHonest.leaves).toHaveLength(8 * N);
    expect(sum(traceSchedule(llama, llamaJob.input, llamaJob.options).map((s) => s.macs))).toBe(LLAMA_FULL);
    const rows = await honest.reveal!(N + 4);
    expect([llamaHonest.leaves[N + 4]!.label, rows.dtype, rows.shape]).toEqual(['step0.kv2', 'int8', [3, 8, 1, 8]]);
    // Query heads 2h and 2h + 1 share kv head h.
    const head = (plane: number, h: number) => Array.from(rows.data.subarray((plane * 8 + h) * 8, (plane * 8 + h + 1) * 8));
    for (let plane = 0; plane < 3; plane++) expect(head(plane, 6)).toEqual(head(plane, 7));
    for (const [i, leaf] of llamaHonest.leaves.entries()) expect(hashOf(await honest.reveal!(i)), leaf.label).toBe(leaf.tensorHash);
  });

  it('a block output tampered deep in the run (step5.h3) is caught there: one leaf re-executed, a small fraction of the run', async () => {
    const at = 6 * N + 7;
    const forged = await forgedRun(llama, llamaJob, at, nudged);
    expect(leavesToReveal(llama, llamaJob, at)).toEqual([6 * N + 5, ...[0, 1, 2, 3, 4, 5, 6].map((p) => p * N + 6)]);
    const r = await arbitrateByBisection(llama, llamaJob, honest, forged);
    expect(r).toMatchObject({
      divergentIndex: at,
      label: 'step5.h3',
      method: 'single-layer',
      reexecutedLayers: 1,
      fullLayers: 8 * N,
      reexecutedMacs: hMacs(1, 11),
      fullMacs: LLAMA_FULL,
      recomputedHash: llamaHonest.leaves[at]!.tensorHash,
      honest: 'A',
    });
    expect(r.reexecutedMacs / r.fullMacs).toBeLessThan(0.02);
    expect((await arbitrateByBisection(llama, llamaJob, forged, honest)).honest).toBe('B');
  });

  it('a party that forges a low key plane (step3.kv2) is caught at the kv leaf', async () => {
    const at = 4 * N + 4;
    // One element of the low plane (plane 1) moved by one: the 12-bit key it stands for changes.
    const forged = await forgedRun(llama, llamaJob, at, (s) => {
      const data = s.data.slice();
      data[64] = data[64]! > 0 ? data[64]! - 1 : data[64]! + 1;
      return { ...s, data };
    });
    expect(forged.leaves[at + 1]!.tensorHash).not.toBe(llamaHonest.leaves[at + 1]!.tensorHash);
    const r = await arbitrateByBisection(llama, llamaJob, honest, forged);
    expect(r).toMatchObject({ divergentIndex: at, label: 'step3.kv2', reexecutedLayers: 1, reexecutedMacs: kvMacs(1), honest: 'A' });
  });

  it('a block that reads a cache row other than the one committed is caught, and the check of the revealed row is what catches it', async () => {
    const at = 5 * N + 1;
    const hidden = negatedValues(await honest.reveal!(0));
    const forged = await forgedRun(llama, llamaJob, -1, (s) => s, { step: at, leaf: 0, state: hidden });
    expect(forged.leaves.slice(0, at)).toEqual(llamaHonest.leaves.slice(0, at));
    expect(await arbitrateByBisection(llama, llamaJob, honest, forged)).toMatchObject({ divergentIndex: at, label: 'step4.h0', reexecutedLayers: 1, honest: 'A' });
    expect(await arbitrateByBisection(llama, llamaJob, { leaves: llamaHonest.leaves }, forged)).toMatchObject({ divergentIndex: at, honest: 'neither' });
    const unchecked = await Promise.all(leavesToReveal(llama, llamaJob, at).map((j) => forged.reveal!(j)));
    const input = taskInput(llama, llamaJob.input);
    const replayed = await llama.runtime.replayStep(input, engineOptions(llamaJob.options, llamaJob.seed), at, unchecked.map((s) => tensor(llama.backend, s.data, s.shape, s.dtype)));
    expect(await hashTensor(replayed)).toBe(forged.leaves[at]!.tensorHash);
  });
});

describe('disputes bisection does not need', () => {
  it('identical traces: nothing to decide', async () => {
    const r = await arbitrateByBisection(mlp, mlpJob, { leaves: mlpHonest.leaves }, { leaves: mlpHonest.leaves });
    expect(r).toMatchObject({ divergentIndex: -1, comparisons: 1, method: 'none', reexecutedLayers: 0, honest: 'both' });
  });

  it('a trace of the wrong shape convicts its sender without re-execution', async () => {
    const short = await arbitrateByBisection(gpt, gptJob, { leaves: gptHonest.leaves.slice(0, 27) }, { leaves: gptHonest.leaves });
    expect(short).toMatchObject({ divergentIndex: 27, label: 'step2.kv0', method: 'none', reexecutedLayers: 0, honest: 'B' });
    const relabelled = gptHonest.leaves.map((l, i) => (i === 3 ? { ...l, label: 'prefill.h9' } : l));
    expect(await arbitrateByBisection(gpt, gptJob, { leaves: gptHonest.leaves }, { leaves: relabelled })).toMatchObject({ divergentIndex: 3, honest: 'A' });
  });

  it('the arbiter must hold the requested model', async () => {
    await expect(arbitrateByBisection(gpt, mlpJob, { leaves: [] }, { leaves: [] })).rejects.toThrow(/is not the requested/);
  });

  it('a reveal outside the run is refused', async () => {
    await expect(revealFromModel(gpt, gptJob)(6 * 9)).rejects.toThrow(/outside \[0, 54\)/);
    expect(() => leavesToReveal(gpt, gptJob, -1)).toThrow(/outside \[0, 54\)/);
  });
});
