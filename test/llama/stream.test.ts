/**
 * Streaming generation (engine/generate.ts onToken, engine/api.ts generateStream): the tokens
 * and texts streamed are the ones generate returns, with the same hashes, on stories260k (BPE)
 * and moby-gpt (characters); and a character split over byte tokens is never emitted in halves.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import { generate, generateStream, loadModel, type GeneratedToken, type LoadedLanguageModel } from '../../engine/api.js';
import { ParamError } from '../../engine/errors.js';
import { textStream } from '../../engine/text_stream.js';

const CASES = [
  { model: 'stories260k', prompt: 'Once upon a time', options: { maxTokens: 48, temperature: 0.8, seed: 42n } },
  { model: 'stories260k', prompt: 'Lily', options: { maxTokens: 20 } },
  { model: 'moby-gpt', prompt: 'Call me Ishmael. ', options: { maxTokens: 30, temperature: 0.8, seed: 7n } },
] as const;

describe.each(CASES)('$model on "$prompt"', ({ model: name, prompt, options }) => {
  it('the stream and the callback give generate’s tokens and completion, and the same hashes', async () => {
    const model = await loadModel(name);
    const plain = await generate(model, prompt, options);
    const called: GeneratedToken[] = [];
    const stream = generateStream(model, prompt, { ...options, onToken: (t) => called.push(t) });
    const streamed: GeneratedToken[] = [];
    for await (const t of stream) streamed.push(t);
    const result = await stream.result;
    expect(streamed).toEqual(called);
    expect(streamed.map((t) => t.index)).toEqual(plain.tokens.map((_, i) => i));
    expect(streamed.map((t) => t.id)).toEqual(plain.tokens);
    expect(streamed.map((t) => t.text).join('')).toBe(plain.completion);
    expect([result.outputHash, result.traceRoot, result.modelHash, result.text]).toEqual([plain.outputHash, plain.traceRoot, plain.modelHash, plain.text]);
  });
});

describe('streamed text', () => {
  it('holds back a character until its last byte token, on a real byte-fallback sequence', async () => {
    const model = (await loadModel('stories260k')) as LoadedLanguageModel;
    const tok = model.runtime.tokenizer;
    // Emoji and CJK are not in the 512-token vocabulary: each is 3 or 4 byte tokens.
    const ids = tok.encode('a 😀 and 日本 ok').slice(1);
    const stream = textStream(tok);
    const pieces = ids.map((id) => stream.push(id));
    pieces.push(stream.end());
    expect(pieces.filter((p) => p === '').length).toBeGreaterThanOrEqual(5);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    expect(pieces.some((p) => p.includes('😀'))).toBe(true);
    expect(pieces.join('')).toBe(tok.decode(ids));
  });

  it('a character cut off by the end comes, as U+FFFD, with the last token', async () => {
    const model = (await loadModel('stories260k')) as LoadedLanguageModel;
    const tok = model.runtime.tokenizer;
    const ids = tok.encode('ok 😀').slice(1, -2);
    const stream = textStream(tok);
    const pieces = ids.map((id) => stream.push(id));
    expect(pieces.join('')).not.toContain('\uFFFD');
    expect(pieces.join('') + stream.end()).toBe(tok.decode(ids));
    expect(tok.decode(ids).endsWith('\uFFFD')).toBe(true);
  });

  it('an onToken that is not a function is a ParamError', async () => {
    const model = await loadModel('moby-gpt');
    await expect(generate(model, 'Call', { onToken: 'yes' as unknown as () => void })).rejects.toBeInstanceOf(ParamError);
    const stream = generateStream(model, 'Call', { maxTokens: 0.5 });
    await expect((async () => { for await (const _ of stream) void _; })()).rejects.toBeInstanceOf(ParamError);
  });
});
