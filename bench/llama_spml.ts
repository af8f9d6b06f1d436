/**
 * spml's side of bench:llama: the int8 `.spml` loaded by loadModel on one backend, driven through
 * a session of the language model (one forward per prefill, one per decoded token, each pass's
 * int32 logits read back to the host, greedy on the last row). A session's forward returns the
 * logits of every position it was given, so a prefill pays the classifier for all its tokens.
 */
import { getBackend, loadModel } from '../lib/index.js';
import { argmaxLastRow, type LlamaRunner } from './llama_measure.js';

export async function spmlRunner(file: string, backend: string): Promise<{ runner: LlamaRunner; device: string }> {
  const be = await getBackend(backend);
  const model = await loadModel(file, { backend });
  if (model.task !== 'generate') throw new Error(`${file} is not a language model`);
  const lm = model.runtime;
  /** Run `ids` on `session` and return the greedy next token, read back from the backend. */
  const pass = async (session: ReturnType<typeof lm.session>, ids: readonly number[]): Promise<number> => {
    const logits = session.forward(ids);
    const data = (await logits.data()) as Int32Array;
    logits.dispose();
    return argmaxLastRow(data, lm.vocabSize);
  };
  const runner: LlamaRunner = {
    async prefill(ids) {
      const s = lm.session();
      await pass(s, ids);
      s.dispose();
    },
    async decode(prompt, count) {
      const s = lm.session();
      let next = await pass(s, prompt);
      const tokens: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < count; i++) {
        tokens.push(next);
        next = await pass(s, [next]);
      }
      const ms = performance.now() - t0;
      s.dispose();
      return { tokens, ms };
    },
  };
  return { runner, device: be.description };
}
