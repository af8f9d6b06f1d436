/** `spml run` and `spml demo`: generate text with a GPT model and print its hashes. */
import { generate, loadModel, type GenerateOptions } from '../../engine/api.js';
import { printFields, printJson } from './format_result.js';

export interface RunFlags {
  model: string;
  prompt: string;
  maxTokens: number;
  seed: bigint;
  temperature: number;
  topK?: number;
  topP?: number;
  backend: string;
  json?: boolean;
}

export async function run(flags: RunFlags): Promise<number> {
  const model = await loadModel(flags.model, { backend: flags.backend });
  const options: GenerateOptions = {
    maxTokens: flags.maxTokens,
    seed: flags.seed,
    temperature: flags.temperature,
    ...(flags.topK !== undefined ? { topK: flags.topK } : {}),
    ...(flags.topP !== undefined ? { topP: flags.topP } : {}),
  };
  const r = await generate(model, flags.prompt, options);
  if (flags.json) {
    printJson({ model: model.name, modelHash: r.modelHash, backend: flags.backend, prompt: flags.prompt, ...options, seed: String(flags.seed), text: r.text, completion: r.completion, tokens: r.tokens, outputHash: r.outputHash, traceRoot: r.traceRoot, traceLeaves: r.traceLength, ms: r.ms, tokensPerSecond: r.tokensPerSecond });
    return 0;
  }
  console.log(`${r.text}\n`);
  printFields({
    model: `${model.name} (${model.hash})`,
    backend: flags.backend,
    'output hash': r.outputHash,
    'trace root': `${r.traceRoot} (${r.traceLength} layer outputs)`,
    speed: `${r.tokens.length} tokens in ${r.ms.toFixed(0)} ms, ${r.tokensPerSecond.toFixed(1)} tokens/s`,
  });
  return 0;
}
