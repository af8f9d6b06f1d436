/** Issue 3 bad input for generation: vocabulary, context length and sampling parameters. */
import { describe, expect, it } from 'vitest';
import { ParamError, SpmlError, ValueRangeError } from '../../lib/index.js';
import { generate } from '../../engine/generate.js';
import { TINY, tinyModel } from './tiny_gpt.js';

async function codeOf(p: Promise<unknown>): Promise<SpmlError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SpmlError);
    return e as SpmlError;
  }
  throw new Error('expected a rejection');
}

describe('generate rejects bad input with typed errors', () => {
  it('a character outside the vocabulary names the character and its position', async () => {
    const model = await tinyModel();
    const e = await codeOf(generate(model, 'abcZ', { maxTokens: 1 }));
    expect(e).toBeInstanceOf(ValueRangeError);
    expect(e.message).toContain('"Z"');
    expect(e.message).toContain('position 3');
  });

  it('a request longer than the context is refused, not truncated', async () => {
    const model = await tinyModel();
    const prompt = 'a'.repeat(TINY.contextLength - 4);
    const e = await codeOf(generate(model, prompt, { maxTokens: 5 }));
    expect(e).toBeInstanceOf(ValueRangeError);
    expect(e.message).toContain(`context of ${TINY.contextLength}`);
    await expect(generate(model, prompt, { maxTokens: 4 })).resolves.toBeDefined();
    await expect(codeOf(generate(model, 'a'.repeat(TINY.contextLength + 1), { maxTokens: 0 }))).resolves.toBeInstanceOf(ValueRangeError);
  });

  it.each([
    [{ temperature: -0.1 }, 'temperature'],
    [{ temperature: Number.NaN }, 'temperature'],
    [{ topP: 0 }, 'topP'],
    [{ topP: 1.01 }, 'topP'],
    [{ topK: 0 }, 'topK'],
    [{ topK: 1.5 }, 'topK'],
    [{ maxTokens: -1 }, 'maxTokens'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 1n << 64n }, 'seed'],
  ])('%o is a PARAM error naming %s', async (opts, field) => {
    const model = await tinyModel();
    const e = await codeOf(generate(model, 'abc', { maxTokens: 2, ...opts }));
    expect(e).toBeInstanceOf(ParamError);
    expect(e.message).toContain(field);
  });

  it('an empty prompt is refused', async () => {
    const model = await tinyModel();
    expect(await codeOf(generate(model, '', { maxTokens: 2 }))).toBeInstanceOf(ParamError);
  });

  it('top-k 1 is greedy whatever the seed', async () => {
    const model = await tinyModel();
    const greedy = await generate(model, 'the sea', { maxTokens: 12, temperature: 0 });
    for (const seed of [1n, 2n, 3n]) {
      const r = await generate(model, 'the sea', { maxTokens: 12, temperature: 1.3, topK: 1, seed });
      expect(r.tokens).toEqual(greedy.tokens);
    }
  });
});
