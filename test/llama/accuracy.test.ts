/**
 * The shipped stories260k int8 model against its float64 reference, teacher-forced on held-out
 * stories (tools/eval_llama.ts; the full measurement is `npm run eval`, docs/ACCURACY.md): its
 * perplexity stays within 5% of the float model's and its greedy top-1 agrees on at least 97% of
 * positions. The 12-bit keys (engine/arch/llama/attention.ts) and the RMSNorm headroom
 * (quantize.ts) carry it: with int8 keys this measures about 95%.
 */
import { describe, expect, it } from 'vitest';
import { loadModel, type LoadedLanguageModel } from '../../engine/api.js';
import { compareWithFloat, heldOutStories, stories260kCheckpoint } from '../../tools/eval_llama.js';

describe('stories260k int8 against float64 on held-out stories', () => {
  it('keeps perplexity within 5% and top-1 agreement at 97% or more', async () => {
    const ck = stories260kCheckpoint();
    const stories = await heldOutStories(ck, 4, 256);
    const model = (await loadModel('stories260k')) as LoadedLanguageModel;
    const r = await compareWithFloat(model, ck, stories);
    console.log(`${r.positions} positions: top-1 ${(100 * r.agreement).toFixed(2)}%, perplexity float ${r.floatPerplexity.toFixed(4)}, int8 ${r.intPerplexity.toFixed(4)}`);
    expect(r.positions).toBe(4 * 255);
    expect(r.intPerplexity / r.floatPerplexity - 1).toBeLessThanOrEqual(0.05);
    expect(r.agreement).toBeGreaterThanOrEqual(0.97);
  }, 120_000);
});
