/**
 * protocol/strategies.ts: each behaviour's answer compared with the honest one, on the shipped
 * models, and each choice replayed from its key.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import type { SpmlModel } from '../../engine/api.js';
import { loadMnist } from '../../tools/data/mnist.js';
import { bisect, merkleRoot } from '../../engine/trace.js';
import { ModelStore, runInference, traceSchedule, type InferenceResult } from '../../protocol/inference.js';
import { inputHash } from '../../protocol/messages/encode.js';
import type { InferenceInput } from '../../protocol/messages/types.js';
import {
  fabricateResult,
  formCoalition,
  keyedUnit,
  perturbModel,
  serve,
  userInputs,
  type Job,
  type ServeContext,
  type ServerStrategy,
} from '../../protocol/strategies.js';

const images = loadMnist('test').images;
const digits: InferenceInput = { kind: 'pixels', pixels: bytesToHex(images.subarray(0, 2 * 784)), count: 2 };
const prompt: InferenceInput = { kind: 'text', prompt: 'Call me Ishmael.' };

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
  mlpJob = { requestId: 'req-1', modelHash: mlp.hash, input: digits, options: {}, seed: 0n };
  gptJob = { requestId: 'req-2', modelHash: gpt.hash, input: prompt, options: { maxTokens: 4 }, seed: 7n };
  mlpHonest = await runInference(mlp, digits, {}, 0n);
  gptHonest = await runInference(gpt, prompt, { maxTokens: 4 }, 7n);
});

const ctx = (job: Job, nodeId: string, extra: Partial<ServeContext> = {}): ServeContext => ({ nodeId, role: 'asserter', job, store, ...extra });

describe('honest and cheating servers', () => {
  it('honest computes the requested model', async () => {
    const s = await serve({ kind: 'honest' }, ctx(mlpJob, 'n1'));
    expect(s).toEqual({ result: mlpHonest, computed: true, deviated: false });
  });

  it.each(['mlp', 'gpt'] as const)('cheat (%s) answers without computing: a different output hash, a well-formed made-up trace', async (which) => {
    const [job, honest, model] = which === 'mlp' ? [mlpJob, mlpHonest, mlp] : [gptJob, gptHonest, gpt];
    const s = await serve({ kind: 'cheat' }, ctx(job, 'n1'));
    expect(s.computed).toBe(false);
    expect(s.deviated).toBe(true);
    expect(s.result.outputHash).not.toBe(honest.outputHash);
    expect(s.result.output).toHaveLength(honest.output.length);
    expect(s.result.modelHash).toBe(job.modelHash);
    expect(s.result.inputHash).toBe(inputHash(job.input));
    expect(s.result.leaves.map((l) => l.label)).toEqual(traceSchedule(model, job.input, job.options).map((x) => x.label));
    expect(s.result.traceRoot).toBe(merkleRoot(s.result.leaves));
    // Nothing of the made-up trace matches, so bisection stops at the first leaf.
    expect(bisect(honest.leaves, s.result.leaves).index).toBe(0);
    // Replayed from the same key, the same lie; another node tells another.
    expect((await serve({ kind: 'cheat' }, ctx(job, 'n1'))).result).toEqual(s.result);
    expect((await serve({ kind: 'cheat' }, ctx(job, 'n2'))).result.outputHash).not.toBe(s.result.outputHash);
  });

  it('cheat-sometimes cheats on a keyed fraction q of requests', async () => {
    const outcomes = async (q: number) => {
      const cheated: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        const job = { ...mlpJob, requestId: `req-${i}` };
        cheated.push(!(await serve({ kind: 'cheat-sometimes', q }, ctx(job, 'n1'))).computed);
      }
      return cheated;
    };
    expect((await outcomes(0)).some(Boolean)).toBe(false);
    expect((await outcomes(1)).every(Boolean)).toBe(true);
    const half = await outcomes(0.5);
    const count = half.filter(Boolean).length;
    expect(count).toBe(Array.from({ length: 40 }, (_, i) => keyedUnit(`cheat-sometimes:n1:req-${i}:0`) < 0.5).filter(Boolean).length);
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(30);
    expect(await outcomes(0.5)).toEqual(half);
    await expect(serve({ kind: 'cheat-sometimes', q: 1.5 }, ctx(mlpJob, 'n1'))).rejects.toMatchObject({ code: 'PROTOCOL', param: 'q' });
  });

  it('fabricateResult makes MLP labels that are the argmax of its made-up logits', () => {
    const r = fabricateResult(mlp, mlpJob, 'k');
    expect(r.output).toHaveLength(2);
    expect(r.leaves[2]!.tensorHash).toBe(r.outputHash);
  });
});

describe('model substitution', () => {
  it('mnist-mlp with w1[257] raised: plausible labels, another model hash, output hash and trace from layer1 on', async () => {
    const cheap = store.add(await perturbModel(mlp, { tensor: 'w1', index: 257, delta: 100 }));
    expect(cheap.hash).not.toBe(mlp.hash);
    const s = await serve({ kind: 'substitute', modelHash: cheap.hash }, ctx(mlpJob, 'n1'));
    expect(s).toMatchObject({ computed: true, deviated: true });
    expect(s.result.modelHash).toBe(mlp.hash); // it claims the requested model
    expect(s.result.output).toEqual(mlpHonest.output);
    expect(s.result.outputHash).not.toBe(mlpHonest.outputHash);
    // w1 is first used by layer 1: layer 0 agrees, layer 1 is the first leaf to differ.
    expect(bisect(mlpHonest.leaves, s.result.leaves)).toEqual({ index: 1, comparisons: 3 });
    expect(s.result.leaves[1]!.label).toBe('layer1');
  });

  it('moby-gpt with a head row lowered: other tokens, first divergence at prefill.logits', async () => {
    const cheap = store.add(await perturbModel(gpt, { tensor: 'head.wte', index: 65, delta: -255 }));
    const s = await serve({ kind: 'substitute', modelHash: cheap.hash }, ctx(gptJob, 'n1'));
    expect(s.result.outputHash).not.toBe(gptHonest.outputHash);
    expect(bisect(gptHonest.leaves, s.result.leaves)).toEqual({ index: 8, comparisons: 7 });
    expect(s.result.leaves[8]!.label).toBe('prefill.logits');
  });

  it('moby-gpt with one block-2 weight changed: the same tokens, yet the trace departs at prefill.h2', async () => {
    // The output hash alone cannot see this substitution; the trace root can.
    const cheap = store.add(await perturbModel(gpt, { tensor: 'h2.attn.wq', index: 0, delta: 100 }));
    const s = await serve({ kind: 'substitute', modelHash: cheap.hash }, ctx(gptJob, 'n1'));
    expect(s.result.outputHash).toBe(gptHonest.outputHash);
    expect(s.result.traceRoot).not.toBe(gptHonest.traceRoot);
    expect(bisect(gptHonest.leaves, s.result.leaves)).toEqual({ index: 5, comparisons: 7 });
    expect(s.result.leaves[5]!.label).toBe('prefill.h2');
  });

  it('perturbModel names a missing tensor, an index out of range and a change that changes nothing', async () => {
    await expect(perturbModel(mlp, { tensor: 'w9', index: 0, delta: 1 })).rejects.toThrow(/no tensor 'w9'/);
    await expect(perturbModel(mlp, { tensor: 'w2', index: 1280, delta: 1 })).rejects.toThrow(/index 1280 is outside \[0, 1280\)/);
    await expect(perturbModel(mlp, { tensor: 'w2', index: 0, delta: 0 })).rejects.toThrow(/unchanged/);
  });
});

describe('coalitions', () => {
  const nodes = Array.from({ length: 10 }, (_, i) => `n${i}`);
  const coalition = formCoalition('c1', nodes, 0.35, 'seed');

  it('formCoalition takes floor(r·n) of the nodes by a keyed shuffle', () => {
    expect(coalition.members).toHaveLength(3);
    expect(new Set(coalition.members).size).toBe(3);
    expect(coalition.members.every((m) => nodes.includes(m))).toBe(true);
    expect(formCoalition('c1', nodes, 0.35, 'seed')).toEqual(coalition);
    expect(formCoalition('c1', nodes, 0.35, 'other').members).not.toEqual(coalition.members);
    expect(formCoalition('c1', nodes, 0, 'seed').members).toEqual([]);
    expect(() => formCoalition('c1', nodes, -0.1, 'seed')).toThrow(/parameter 'r'/);
  });

  it('colluding: members as asserters give the coalition\'s one wrong answer; member validators echo it', async () => {
    const strategy: ServerStrategy = { kind: 'colluding', coalition };
    const [m1, m2, m3] = coalition.members as [string, string, string];
    const outsider = nodes.find((n) => !coalition.members.includes(n))!;
    const a1 = await serve(strategy, ctx(mlpJob, m1));
    const a2 = await serve(strategy, ctx(mlpJob, m2));
    expect(a1.result.outputHash).not.toBe(mlpHonest.outputHash);
    expect(a2.result).toEqual(a1.result);
    const echo = await serve(strategy, ctx(mlpJob, m3, { role: 'validator', asserter: { nodeId: m1, result: a1.result } }));
    expect(echo).toEqual({ result: a1.result, computed: false, deviated: true });
    // An asserter outside the coalition gets an honest validator (Property 1).
    const fair = await serve(strategy, ctx(mlpJob, m3, { role: 'validator', asserter: { nodeId: outsider, result: mlpHonest } }));
    expect(fair).toEqual({ result: mlpHonest, computed: true, deviated: false });
  });

  it('lazy: copies a coalition asserter\'s result, right or wrong, and computes otherwise', async () => {
    const strategy: ServerStrategy = { kind: 'lazy', coalition };
    const [m1, m2] = coalition.members as [string, string];
    const outsider = nodes.find((n) => !coalition.members.includes(n))!;
    const asAsserter = await serve(strategy, ctx(gptJob, m1));
    expect(asAsserter).toEqual({ result: gptHonest, computed: true, deviated: false });
    const wrong = fabricateResult(gpt, gptJob, 'x');
    const copied = await serve(strategy, ctx(gptJob, m2, { role: 'validator', asserter: { nodeId: m1, result: wrong } }));
    expect(copied).toEqual({ result: wrong, computed: false, deviated: true });
    const computed = await serve(strategy, ctx(gptJob, m2, { role: 'validator', asserter: { nodeId: outsider, result: wrong } }));
    expect(computed.result.outputHash).toBe(gptHonest.outputHash);
  });
});

describe('users', () => {
  it('an honest user sends A and B the same input; a split-input user sends B another', () => {
    expect(userInputs({ kind: 'honest' }, prompt, 'k')).toEqual({ toA: prompt, toB: prompt });
    const text = userInputs({ kind: 'split-input' }, prompt, 'k');
    expect(text.toA).toEqual(prompt);
    expect(text.toB).toEqual({ kind: 'text', prompt: 'Call me Ishmael' });
    const pics = userInputs({ kind: 'split-input' }, digits, 'k');
    expect(pics.toA).toEqual(digits);
    expect(inputHash(pics.toB)).not.toBe(inputHash(digits));
    if (pics.toB.kind !== 'pixels') throw new Error('pixels stay pixels');
    const diff = [...Buffer.from(pics.toB.pixels, 'hex')].filter((p, i) => p !== images[i]).length;
    expect(diff).toBe(1);
    expect(userInputs({ kind: 'split-input' }, digits, 'k')).toEqual(pics);
  });

  it('the split input changes B\'s output hash too', async () => {
    const { toB } = userInputs({ kind: 'split-input' }, prompt, 'k');
    const b = await runInference(gpt, toB, { maxTokens: 4 }, 7n);
    expect(b.inputHash).not.toBe(gptHonest.inputHash);
    expect(b.outputHash).not.toBe(gptHonest.outputHash);
  });
});
