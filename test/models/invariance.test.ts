/**
 * Issue 3 invariance: generating with the KV cache gives byte-identical logits and tokens to
 * recomputing the full prefix, and a prompt's result never depends on what else runs beside it.
 */
import { describe, expect, it } from 'vitest';
import { argmax, hashTensor, slice, type Tensor } from '../../lib/index.js';
import type { GptModel } from '../../engine/arch/gpt/model.js';
import { generate } from '../../engine/generate.js';
import { Rng } from '../../tools/data/rng.js';
import { TINY, tinyModel } from './tiny_gpt.js';

function lastRow(logits: Tensor, vocab: number): Tensor {
  return slice(logits, [logits.shape[0]! - 1, 0], [1, vocab]);
}

/** Greedy decoding by recomputing the whole prefix at every step (no cache reuse). */
async function greedyByRecompute(model: GptModel, prompt: number[], steps: number) {
  const seq = [...prompt];
  const rows: Int32Array[] = [];
  for (let s = 0; s < steps; s++) {
    const row = lastRow(model.session().forward(seq), TINY.vocabSize);
    rows.push(await row.data() as Int32Array);
    seq.push((await argmax(row).data())[0]!);
  }
  return { tokens: seq.slice(prompt.length), rows };
}

async function greedyWithCache(model: GptModel, prompt: number[], steps: number) {
  const session = model.session();
  let logits = session.forward(prompt);
  const out: number[] = [];
  const rows: Int32Array[] = [];
  for (let s = 0; s < steps; s++) {
    const row = lastRow(logits, TINY.vocabSize);
    rows.push(await row.data() as Int32Array);
    out.push((await argmax(row).data())[0]!);
    logits = session.forward([out[s]!]);
  }
  return { tokens: out, rows };
}

describe('KV cache', () => {
  it('gives byte-identical logits and tokens to recomputing the prefix', async () => {
    const model = await tinyModel();
    const rng = new Rng(3);
    for (const promptLength of [1, 5, 17]) {
      const prompt = rng.ints(promptLength, 0, TINY.vocabSize - 1);
      const steps = TINY.contextLength - promptLength - 1;
      const a = await greedyByRecompute(model, prompt, steps);
      const b = await greedyWithCache(model, prompt, steps);
      expect(b.tokens).toEqual(a.tokens);
      a.rows.forEach((row, i) => expect(Array.from(b.rows[i]!), `step ${i}`).toEqual(Array.from(row)));
    }
  });

  it('prefilling in chunks equals prefilling at once', async () => {
    const model = await tinyModel();
    const ids = new Rng(4).ints(30, 0, TINY.vocabSize - 1);
    const whole = await model.session().forward(ids).data();
    const session = model.session();
    const parts = [ids.slice(0, 1), ids.slice(1, 12), ids.slice(12, 13), ids.slice(13)];
    const chunks: number[] = [];
    for (const p of parts) chunks.push(...(await session.forward(p).data()));
    expect(chunks).toEqual(Array.from(whole));
  });
});

describe('independence', () => {
  it("a prompt's generation does not depend on other sessions running beside it", async () => {
    const model = await tinyModel();
    const opts = { maxTokens: 20, seed: 99n, temperature: 0.9 };
    const alone = await generate(model, 'the whale', opts);
    // Interleave two other generations' steps with a fresh run of the same prompt.
    const noise = [generate(model, 'call me ishmael', { ...opts, seed: 1n }), generate(model, 'zzz', { maxTokens: 30, temperature: 0 })];
    const again = generate(model, 'the whale', opts);
    const beside = (await Promise.all([...noise, again]))[2]!;
    expect(beside.tokens).toEqual(alone.tokens);
    expect(beside.outputHash).toBe(alone.outputHash);
    expect(beside.traceRoot).toBe(alone.traceRoot);
  });

  it('the same request twice gives the same hashes; another seed gives another sample', async () => {
    const model = await tinyModel();
    const a = await generate(model, 'a sea', { maxTokens: 25, seed: 5n, temperature: 1 });
    const b = await generate(model, 'a sea', { maxTokens: 25, seed: 5n, temperature: 1 });
    const c = await generate(model, 'a sea', { maxTokens: 25, seed: 6n, temperature: 1 });
    expect(b.outputHash).toBe(a.outputHash);
    expect(b.traceRoot).toBe(a.traceRoot);
    expect(c.tokens).not.toEqual(a.tokens);
    expect(c.outputHash).not.toBe(a.outputHash);
  });

  it('the output hash is the hash of the generated ids as an int32 tensor', async () => {
    const model = await tinyModel();
    const r = await generate(model, 'sea', { maxTokens: 6 });
    const { tensor } = await import('../../lib/index.js');
    expect(r.outputHash).toBe(await hashTensor(tensor(model.backend, r.tokens, [r.tokens.length], 'int32')));
  });
});
