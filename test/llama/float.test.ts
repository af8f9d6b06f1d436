/**
 * The llama float64 reference (engine/arch/llama/float.ts) on the stories260K checkpoint read by
 * engine/format/llama2c.ts: greedy decoding from BOS + "Once upon a time" gives the text the
 * checkpoint's README states (shared/models/stories260K/README.md).
 */
import { describe, expect, it } from 'vitest';
import { readLlama2c } from '../../engine/format/llama2c.js';
import { floatLlamaForward } from '../../engine/arch/llama/float.js';
import type { LlamaConfig } from '../../engine/arch/llama/config.js';
import { BOS, greedy, readStoriesFile, Tok512 } from './stories.js';

const EXPECTED = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park.';

describe('llama float reference on stories260K', () => {
  it('reads the checkpoint into a llama config', () => {
    const ck = readLlama2c(readStoriesFile('stories260K.bin'));
    expect(ck.config).toEqual({
      arch: 'llama',
      vocabSize: 512,
      contextLength: 512,
      width: 64,
      hiddenWidth: 172,
      layers: 5,
      heads: 8,
      kvHeads: 4,
      normEps: 1e-5,
      ropeBase: 10000,
      sharedClassifier: true,
    });
    expect(ck.tensors.get('h0.attn.wk')!.shape).toEqual([64, 32]);
  });

  it('decodes the README text greedily', () => {
    const ck = readLlama2c(readStoriesFile('stories260K.bin'));
    const tok = new Tok512(readStoriesFile('tok512.bin'));
    const prompt = tok.encode('Once upon a time');
    const cfg = ck.config as LlamaConfig;
    const steps = 32;
    const out = greedy((t) => floatLlamaForward(cfg, ck.tensors, t), cfg.vocabSize, [BOS, ...prompt], steps);
    const text = tok.decode([...prompt, ...out]);
    expect(text.slice(0, EXPECTED.length)).toBe(EXPECTED);
  });
});
