/**
 * The wasm backend keeps tensors in linear memory, which the garbage collector cannot see, so a
 * generation must free what it makes (engine/scope.ts, the sessions' dispose): 10^4 tokens over
 * repeated generations of the shipped stories260k leave the heap where the first one left it.
 */
import { describe, expect, it } from 'vitest';
import { classify, generate, getBackend, loadModel } from '../../lib/index.js';
import '../../kernels/wasm/index.js';
import type { WasmBackend } from '../../kernels/wasm/index.js';

describe('wasm memory over 10^4 generated tokens', () => {
  it('stays flat: blocks in use and linear memory are the same after every generation', async () => {
    const be = (await getBackend('wasm')) as WasmBackend;
    const model = await loadModel('stories260k', { backend: 'wasm' });
    const inUse: number[] = [];
    const memory: number[] = [];
    let tokens = 0;
    for (let run = 0; tokens < 10_000; run++) {
      const r = await generate(model, 'Once upon a time', { maxTokens: 250, seed: run, temperature: 0.8 });
      tokens += r.tokens.length;
      inUse.push(be.heap.inUse);
      memory.push(be.heap.memoryBytes);
    }
    expect(tokens).toBeGreaterThanOrEqual(10_000);
    // After the first generation nothing is left over: every later one returns to the same level.
    expect(new Set(inUse).size, `bytes in use after each generation: ${inUse.join(', ')}`).toBe(1);
    // Linear memory reaches its size in the first generations and does not grow after them.
    expect(memory.at(-1)).toBe(memory[1]);
  }, 600_000);

  it('stays flat over repeated classifications, which free their input and logits', async () => {
    const be = (await getBackend('wasm')) as WasmBackend;
    const model = await loadModel('mnist-mlp', { backend: 'wasm' });
    const pixels = Uint8Array.from({ length: 8 * 784 }, (_, i) => (i * 37) % 256);
    const inUse: number[] = [];
    for (let run = 0; run < 5; run++) {
      await classify(model, pixels, 8);
      inUse.push(be.heap.inUse);
    }
    expect(new Set(inUse).size, `bytes in use after each classification: ${inUse.join(', ')}`).toBe(1);
  });
});
