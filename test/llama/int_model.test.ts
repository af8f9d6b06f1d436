/**
 * The integer llama (engine/arch/llama/model.ts, NUMERICS.md §20.7) on stories260K quantized
 * with engine/arch/llama/quantize.ts: its greedy text against the float reference's, byte-identical
 * logits with and without the KV cache, and a .spml round trip.
 */
import { describe, expect, it } from 'vitest';
import { argmax, hashTensor, slice, type Tensor } from '../../lib/index.js';
import { getBackend } from '../../lib/index.js';
import type { LlamaConfig } from '../../engine/arch/llama/config.js';
import { floatLlamaForward } from '../../engine/arch/llama/float.js';
import { llamaArchitecture } from '../../engine/arch/llama/index.js';
import type { LlamaModel } from '../../engine/arch/llama/model.js';
import { decodeModel, encodeModel } from '../../engine/format/format.js';
import { generate } from '../../engine/generate.js';
import { ModelFormatError } from '../../engine/errors.js';
import { generate as generateApi, loadModel } from '../../engine/api.js';
import { BOS, greedy } from './stories.js';
import { storiesCheckpoint, storiesIntModel, storiesModel, storiesTokenizer } from './int_llama.js';

const lastRow = (logits: Tensor, vocab: number): Tensor => slice(logits, [logits.shape[0]! - 1, 0], [1, vocab]);

async function greedyWithCache(model: LlamaModel, prompt: number[], steps: number) {
  const session = model.session();
  let logits = session.forward(prompt);
  const out: number[] = [];
  const rows: Int32Array[] = [];
  for (let s = 0; s < steps; s++) {
    const row = lastRow(logits, model.vocabSize);
    rows.push((await row.data()) as Int32Array);
    out.push((await argmax(row).data())[0]!);
    if (s + 1 < steps) logits = session.forward([out[s]!]);
  }
  return { tokens: out, rows };
}

describe('integer llama on stories260K', () => {
  const STEPS = 48;

  it('greedy text agrees with the float reference', async () => {
    const ck = storiesCheckpoint();
    const tok = storiesTokenizer();
    const prompt = [BOS, ...tok.encode('Once upon a time')];
    const model = await storiesModel();
    const float = greedy((t) => floatLlamaForward(ck.config as LlamaConfig, ck.tensors, t), 512, prompt, STEPS);
    const int = (await greedyWithCache(model, prompt, STEPS)).tokens;
    const agree = int.findIndex((id, i) => id !== float[i]);
    const text = (ids: number[]) => tok.decode([...prompt.slice(1), ...ids]);
    console.log(`float: ${JSON.stringify(text(float))}\nint8:  ${JSON.stringify(text(int))}\nagree on the first ${agree < 0 ? STEPS : agree} of ${STEPS} tokens`);
    expect(agree < 0 ? STEPS : agree).toBeGreaterThanOrEqual(20);
    expect(model.tokenizer.decode([...prompt, ...int])).toBe(text(int));
    expect(model.tokenizer.encode('Once upon a time')).toEqual(prompt);
    // Through the library's generation loop (§20.4): BOS-prefixed prompt, greedy, same text.
    const run = await generate(model, 'Once upon a time', { maxTokens: 20 });
    expect(run.tokens).toEqual(int.slice(0, 20));
    expect('Once upon a time' + run.completion).toBe(text(int.slice(0, 20)));
  });

  it('gives byte-identical logits with and without the KV cache', async () => {
    const model = await storiesModel();
    const tok = storiesTokenizer();
    const prompt = [BOS, ...tok.encode('One day')];
    const steps = 12;
    const cached = await greedyWithCache(model, prompt, steps);
    const seq = [...prompt];
    for (let s = 0; s < steps; s++) {
      const row = lastRow(model.session().forward(seq), model.vocabSize);
      expect(Array.from((await row.data()) as Int32Array), `step ${s}`).toEqual(Array.from(cached.rows[s]!));
      seq.push(cached.tokens[s]!);
    }
    // Prefill in chunks equals prefill at once.
    const whole = await model.session().forward(seq).data();
    const session = model.session();
    const chunks: number[] = [];
    for (const part of [seq.slice(0, 1), seq.slice(1, 7), seq.slice(7, 8), seq.slice(8)]) chunks.push(...(await session.forward(part).data()));
    expect(chunks).toEqual(Array.from(whole));
  });

  it('round-trips through a .spml file with the same hashes', async () => {
    const int = storiesIntModel();
    const file = llamaArchitecture.toFile(int, { name: 'stories260K' } as never);
    const bytes = encodeModel(file);
    const back = llamaArchitecture.fromFile(decodeModel(bytes));
    expect(encodeModel(llamaArchitecture.toFile(back, { name: 'stories260K' } as never))).toEqual(bytes);
    const backend = await getBackend('cpu');
    const ids = [BOS, ...storiesTokenizer().encode('Once upon a time')];
    const a = llamaArchitecture.instantiate(backend, int).session().forward(ids);
    const b = llamaArchitecture.instantiate(backend, back).session().forward(ids);
    expect(await hashTensor(b)).toBe(await hashTensor(a));
    // loadModel (engine/api.ts) reads the same bytes into a model that generates the same run.
    const loaded = await loadModel(bytes);
    const opts = { maxTokens: 8, temperature: 0.8, seed: 5n };
    const viaFile = await generateApi(loaded, 'Once upon a time', opts);
    const direct = await generate(llamaArchitecture.instantiate(backend, int), 'Once upon a time', opts);
    expect(viaFile.outputHash).toBe(direct.outputHash);
    expect(viaFile.traceRoot).toBe(direct.traceRoot);
    expect(viaFile.tokens).toEqual(direct.tokens);
    // A file whose vocabulary is missing or is not a tokenizer is refused on load.
    const decoded = decodeModel(bytes);
    for (const vocab of [undefined, 'x', JSON.stringify({ tokens: [], scores: [], bos: 1, eos: 2, unk: 0 })]) {
      expect(() => llamaArchitecture.fromFile({ ...decoded, meta: { ...decoded.meta, vocab } })).toThrow(ModelFormatError);
    }
  });
});
