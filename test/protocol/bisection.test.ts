/**
 * protocol/bisection.ts: planted divergences are found at the planted leaf, the party the
 * recomputation agrees with is named, and the arbiter's work is counted exactly.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import type { SpmlModel } from '../../engine/api.js';
import { loadMnist } from '../../tools/data/mnist.js';
import type { TraceLeaf } from '../../engine/trace.js';
import { arbitrateByBisection, revealFromModel, type DisputedRun } from '../../protocol/bisection.js';
import { ModelStore, runInference, type InferenceResult } from '../../protocol/inference.js';
import { fabricateResult, perturbModel, type Job } from '../../protocol/strategies.js';

const images = loadMnist('test').images;
const store = new ModelStore();
let mlp: SpmlModel;
let gpt: SpmlModel;
let mlpJob: Job;
let gptJob: Job;
let mlpHonest: InferenceResult;
let gptHonest: InferenceResult;

beforeAll(async () => {
  mlp = await store.load('mnist-mlp');
  gpt = await store.load('moby-gpt');
  mlpJob = { requestId: 'r1', modelHash: mlp.hash, input: { kind: 'pixels', pixels: bytesToHex(images.subarray(0, 784)), count: 1 }, options: {}, seed: 0n };
  gptJob = { requestId: 'r2', modelHash: gpt.hash, input: { kind: 'text', prompt: 'Call me Ishmael.' }, options: { maxTokens: 4 }, seed: 7n };
  mlpHonest = await runInference(mlp, mlpJob.input, mlpJob.options, mlpJob.seed);
  gptHonest = await runInference(gpt, gptJob.input, gptJob.options, gptJob.seed);
});

/** The honest trace with leaf `at` replaced by a wrong hash (and, like a real fork, every leaf after it). */
function planted(leaves: readonly TraceLeaf[], at: number, tag = 'x'): TraceLeaf[] {
  return leaves.map((l, i) => (i < at ? l : { label: l.label, tensorHash: bytesToHex(new TextEncoder().encode(`${tag}${i}`.padEnd(32, '.'))) }));
}

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

describe('moby-gpt: prefix re-execution up to the divergent leaf', () => {
  // Prompt of 16 tokens, 4 tokens out: 4 passes of 5 leaves. Prefill blocks 819200 MACs each and
  // its head 84992; step s blocks 4·64² + 2·64·256 + 2·(17+s)·64 each and heads 5312.
  const GPT_FULL = 3995200;

  it('a divergence planted at step0.h2 (leaf 7) is found; 8 of 20 layers are re-executed', async () => {
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: gptHonest.leaves }, { leaves: planted(gptHonest.leaves, 7) });
    expect(r).toEqual({
      divergentIndex: 7,
      label: 'step0.h2',
      comparisons: 6,
      method: 'prefix',
      reexecutedLayers: 8,
      fullLayers: 20,
      reexecutedMacs: 4 * 819200 + 84992 + 3 * 51328,
      fullMacs: GPT_FULL,
      savedFraction: 0.6,
      recomputedHash: gptHonest.leaves[7]!.tensorHash,
      honest: 'A',
    });
    expect((await arbitrateByBisection(gpt, gptJob, { leaves: planted(gptHonest.leaves, 7) }, { leaves: gptHonest.leaves })).honest).toBe('B');
  });

  it('a substituted block-2 weight is caught at prefill.h2 although the tokens agree', async () => {
    const cheap = await perturbModel(gpt, { tensor: 'h2.attn.wq', index: 0, delta: 100 });
    const sub = await runInference(cheap, gptJob.input, gptJob.options, gptJob.seed);
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: sub.leaves }, { leaves: gptHonest.leaves });
    expect(r).toMatchObject({ divergentIndex: 2, label: 'prefill.h2', reexecutedLayers: 3, reexecutedMacs: 3 * 819200, savedFraction: 0.85, honest: 'B' });
  });

  it('a planted divergence at the last leaf re-executes everything', async () => {
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: planted(gptHonest.leaves, 19) }, { leaves: gptHonest.leaves });
    expect(r).toMatchObject({ divergentIndex: 19, label: 'step2.logits', reexecutedLayers: 20, reexecutedMacs: GPT_FULL, savedFraction: 0, honest: 'B' });
  });

  it('if both parties agree on a wrong prefix, the recomputation clears neither', async () => {
    const shared = planted(gptHonest.leaves, 3, 'p');
    const other = [...shared.slice(0, 5), ...planted(gptHonest.leaves, 5, 'q').slice(5)];
    const r = await arbitrateByBisection(gpt, gptJob, { leaves: shared }, { leaves: other });
    expect(r).toMatchObject({ divergentIndex: 5, honest: 'neither' });
  });
});

describe('disputes bisection does not need', () => {
  it('identical traces: nothing to decide', async () => {
    const r = await arbitrateByBisection(mlp, mlpJob, { leaves: mlpHonest.leaves }, { leaves: mlpHonest.leaves });
    expect(r).toMatchObject({ divergentIndex: -1, comparisons: 1, method: 'none', reexecutedLayers: 0, honest: 'both' });
  });

  it('a trace of the wrong shape convicts its sender without re-execution', async () => {
    const short = await arbitrateByBisection(gpt, gptJob, { leaves: gptHonest.leaves.slice(0, 15) }, { leaves: gptHonest.leaves });
    expect(short).toMatchObject({ divergentIndex: 15, label: 'step2.h0', method: 'none', reexecutedLayers: 0, honest: 'B' });
    const relabelled = gptHonest.leaves.map((l, i) => (i === 3 ? { ...l, label: 'prefill.h9' } : l));
    expect(await arbitrateByBisection(gpt, gptJob, { leaves: gptHonest.leaves }, { leaves: relabelled })).toMatchObject({ divergentIndex: 3, honest: 'A' });
  });

  it('the arbiter must hold the requested model', async () => {
    await expect(arbitrateByBisection(gpt, mlpJob, { leaves: [] }, { leaves: [] })).rejects.toThrow(/is not the requested/);
  });
});
