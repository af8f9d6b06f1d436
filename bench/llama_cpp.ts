/**
 * llama.cpp's side of bench:llama, through node-llama-cpp (its prebuilt linux-x64 cpu build,
 * build: 'never', so nothing is fetched or compiled): a GGUF file written by writeGgufLlama, one
 * context with a fixed thread count (ideal and minimum alike, so the hint is not lowered), one
 * sequence whose history is cleared before every measurement. Greedy is temperature 0.
 */
import { getLlama, LlamaLogLevel, type Token } from 'node-llama-cpp';
import type { LlamaRunner } from './llama_measure.js';

export async function llamaCppRunner(file: string, threads: number, contextSize: number): Promise<{ runner: LlamaRunner; device: string }> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: file });
  const context = await model.createContext({ contextSize, threads: { ideal: threads, min: threads } });
  const sequence = context.getSequence();
  const runner: LlamaRunner = {
    async prefill(ids) {
      await sequence.clearHistory();
      await sequence.evaluateWithoutGeneratingNewTokens(ids as Token[]);
    },
    async decode(prompt, count) {
      await sequence.clearHistory();
      const gen = sequence.evaluate(prompt as Token[], { temperature: 0 });
      let next = await gen.next();
      const tokens: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < count && !next.done; i++) {
        tokens.push(next.value);
        next = await gen.next();
      }
      const ms = performance.now() - t0;
      await gen.return();
      if (tokens.length < count) throw new Error(`llama.cpp stopped after ${tokens.length} of ${count} tokens`);
      return { tokens, ms };
    },
  };
  return { runner, device: `llama.cpp ${llama.buildType} build, cpu (${llama.cpuMathCores} math cores), ${threads} thread${threads > 1 ? 's' : ''}` };
}
