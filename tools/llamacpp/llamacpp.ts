/**
 * llama.cpp as the reference that spml's llama is checked against (docs/ACCURACY.md, "Llama:
 * spml's float reference against llama.cpp"), through node-llama-cpp 3.21.1, a devDependency: its
 * prebuilt linux-x64 CPU build, loaded without building or fetching anything.
 *
 * node-llama-cpp gives no raw logits, only the probabilities that its sampler computes from them:
 * with temperature 0 (the greedy sampler, which changes no logit) these are softmax(logits) over
 * the whole vocabulary, in float32. So the log-probabilities here are llama.cpp's logits up to a
 * constant per position, which is all a comparison of top-1 tokens and logit gaps needs; a token
 * whose probability underflows float32 to 0 gives −Infinity.
 *
 * One thread and one sequence: llama.cpp's CPU results do not depend on timing then.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';

export interface LlamaCpp {
  readonly vocabSize: number;
  /** Whether llama.cpp puts BOS first when it tokenizes a prompt (tokenizer.ggml.add_bos_token). */
  readonly addsBos: boolean;
  readonly bos: number;
  /** llama.cpp's ids of `text`, without BOS (llama_tokenize with add_special false, parse_special false). */
  tokenize(text: string): number[];
  /** Log-probabilities [tokens.length, vocab] after each prefix of `tokens` (one batch, a fresh sequence). */
  logProbs(tokens: readonly number[]): Promise<Float64Array>;
  /**
   * Log-probabilities of the token after `tokens`, and llama.cpp's greedy choice. A call whose
   * `tokens` extend the previous call's evaluates only the new ones (the KV cache holds the rest).
   */
  next(tokens: readonly number[]): Promise<{ token: number; logProbs: Float64Array }>;
  /** `steps` greedy tokens after `prompt`, and the log-probabilities each was chosen from. */
  greedy(prompt: readonly number[], steps: number): Promise<{ tokens: number[]; logProbs: Float64Array }>;
  dispose(): Promise<void>;
}

type Probabilities = ReadonlyMap<Token, number> | undefined;

/** log p over the vocabulary, by id, from node-llama-cpp's probability map. */
function logRow(p: Probabilities, vocabSize: number, out: Float64Array, at: number): void {
  if (!p || p.size !== vocabSize) throw new Error(`llama.cpp gave ${p?.size ?? 'no'} probabilities for a vocabulary of ${vocabSize}`);
  for (const [id, prob] of p) out[at + id] = Math.log(prob);
}

const NEXT = { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } } as const;

export interface LlamaCppOptions {
  /** The model's vocabulary size (llama.cpp must give a probability for each id). */
  readonly vocabSize: number;
  /**
   * The longest sequence to evaluate. The context gets one cell more: node-llama-cpp shifts a
   * full context (erases its beginning) before it evaluates the token in its last cell, which
   * changed that position's logits by up to 0.3 on stories260K.
   */
  readonly maxTokens: number;
  /**
   * The KV cache's element type. llama.cpp's default, F16, rounds every key and value to 11
   * significant bits, which moves stories260K's logits by a few hundredths; F32 keeps the whole
   * computation in float32, the precision of the file.
   */
  readonly kvCache: 'F32' | 'F16';
}

/** Load a GGUF file's bytes into llama.cpp (CPU, one thread, flash attention off). */
export async function openLlamaCpp(gguf: Uint8Array, options: LlamaCppOptions): Promise<LlamaCpp> {
  const { vocabSize, maxTokens, kvCache } = options;
  const contextSize = maxTokens + 1;
  const fits = (tokens: readonly number[]): void => {
    if (tokens.length > maxTokens) throw new Error(`${tokens.length} tokens, more than the ${maxTokens} this llama.cpp context was opened for`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'spml-llamacpp-'));
  const path = join(dir, 'model.gguf');
  writeFileSync(path, gguf);
  let model: LlamaModel | undefined;
  let context: LlamaContext | undefined;
  try {
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, progressLogs: false });
    model = await llama.loadModel({ modelPath: path });
    context = await model.createContext({
      contextSize,
      batchSize: contextSize,
      threads: 1,
      sequences: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: kvCache,
      experimentalKvCacheValueType: kvCache,
    });
  } finally {
    // The file may go once loaded: llama.cpp's mapping of it keeps its pages (POSIX unlink semantics).
    rmSync(dir, { recursive: true, force: true });
  }
  const m = model!;
  const sequence: LlamaContextSequence = context!.getSequence();
  const bos = m.tokens.bos;
  if (bos === null) throw new Error('llama.cpp: the model has no BOS token');

  /** The tokens the sequence's KV cache holds. */
  let evaluated: readonly number[] = [];
  const next = async (tokens: readonly number[]): Promise<{ token: number; logProbs: Float64Array }> => {
    fits(tokens);
    const cached = evaluated.length < tokens.length && evaluated.every((t, i) => t === tokens[i]);
    if (!cached) {
      await sequence.clearHistory();
      evaluated = [];
    }
    const input = tokens.slice(evaluated.length);
    const results = await sequence.controlledEvaluate(input.map((t, i) => (i === input.length - 1 ? [t as Token, NEXT] : (t as Token))));
    evaluated = [...tokens];
    const out = results[input.length - 1]?.next;
    if (out?.token == null) throw new Error(`llama.cpp gave no token after ${tokens.length} tokens`);
    const logProbs = new Float64Array(vocabSize);
    logRow(out.probabilities, vocabSize, logProbs, 0);
    return { token: out.token, logProbs };
  };

  return {
    vocabSize,
    addsBos: m.tokens.shouldPrependBosToken,
    bos,
    tokenize: (text) => m.tokenize(text, false) as number[],
    async logProbs(tokens) {
      fits(tokens);
      await sequence.clearHistory();
      evaluated = [];
      const results = await sequence.controlledEvaluate(tokens.map((t) => [t as Token, NEXT]));
      const out = new Float64Array(tokens.length * vocabSize);
      results.forEach((r, i) => logRow(r?.next.probabilities, vocabSize, out, i * vocabSize));
      evaluated = [...tokens];
      return out;
    },
    next,
    async greedy(prompt, steps) {
      const tokens = [...prompt];
      const logProbs = new Float64Array(steps * vocabSize);
      for (let s = 0; s < steps; s++) {
        const r = await next(tokens);
        logProbs.set(r.logProbs, s * vocabSize);
        tokens.push(r.token);
      }
      return { tokens: tokens.slice(prompt.length), logProbs };
    },
    async dispose() {
      await context!.dispose();
      await m.dispose();
    },
  };
}
