/**
 * The llama architecture's config (engine/NUMERICS.md §20.7; the checkpoint format and forward
 * pass of shared/models/stories260K/README.md): a Llama-style decoder with token embeddings only,
 * pre-RMSNorm blocks of causal grouped-query self-attention with rotary positions (interleaved
 * pairs, §12) and a SwiGLU MLP, a final RMSNorm, and a classifier that is either the token
 * embedding (shared) or its own matrix. The same config describes the float checkpoint and the
 * int8 model made from it.
 */
import { configChecker } from '../config_check.js';

export interface LlamaConfig {
  readonly arch: 'llama';
  readonly vocabSize: number;
  /** Longest sequence (prompt + generated tokens): llama2.c's seq_len, the rotary tables' length. */
  readonly contextLength: number;
  /** Model width (llama2.c's dim). */
  readonly width: number;
  /** Hidden width of the SwiGLU MLP. */
  readonly hiddenWidth: number;
  readonly layers: number;
  /** Query heads; the head size is width / heads. */
  readonly heads: number;
  /** Key/value heads (grouped-query attention): query head h reads kv head ⌊h·kvHeads/heads⌋. */
  readonly kvHeads: number;
  /** RMSNorm epsilon of the float model. */
  readonly normEps: number;
  /** Rotary base θ₀: pair j of a head turns by pos·ropeBase^(−2j/headSize). */
  readonly ropeBase: number;
  /** Whether the classifier is the token embedding (true) or a separate `head` matrix. */
  readonly sharedClassifier: boolean;
}

/** The config's keys, exactly: an extra key would give one model two hashes. */
export const LLAMA_CONFIG_KEYS = [
  'arch',
  'contextLength',
  'heads',
  'hiddenWidth',
  'kvHeads',
  'layers',
  'normEps',
  'ropeBase',
  'sharedClassifier',
  'vocabSize',
  'width',
] as const;

/**
 * Float parameter names and shapes, in canonical order. Matrices are [in, out] as everywhere in
 * spml (y = x·W); the llama2.c reader transposes its [out, in] arrays into this form.
 */
export function llamaParameterShapes(c: LlamaConfig): [string, number[]][] {
  const C = c.width;
  const kv = (c.width / c.heads) * c.kvHeads;
  const out: [string, number[]][] = [['embed', [c.vocabSize, C]]];
  for (let i = 0; i < c.layers; i++) {
    const p = `h${i}.`;
    out.push(
      [p + 'attn_norm', [C]],
      [p + 'attn.wq', [C, C]],
      [p + 'attn.wk', [C, kv]],
      [p + 'attn.wv', [C, kv]],
      [p + 'attn.wo', [C, C]],
      [p + 'ffn_norm', [C]],
      [p + 'mlp.w1', [C, c.hiddenWidth]],
      [p + 'mlp.w3', [C, c.hiddenWidth]],
      [p + 'mlp.w2', [c.hiddenWidth, C]],
    );
  }
  out.push(['norm', [C]]);
  if (!c.sharedClassifier) out.push(['head', [c.vocabSize, C]]);
  return out;
}

/** Check a llama config's fields and their consistency; `op` names the caller in errors. */
export function checkLlamaConfig(op: string, o: Record<string, unknown>): LlamaConfig {
  const { bad, posInt } = configChecker(op);
  if (!posInt(o.vocabSize, 1, 65536)) bad(`vocabSize ${String(o.vocabSize)} is not in [1, 65536]`);
  if (!posInt(o.contextLength, 1, 65536)) bad(`contextLength ${String(o.contextLength)} is not in [1, 65536]`);
  if (!posInt(o.width, 2, 16384)) bad(`width ${String(o.width)} is not in [2, 16384]`);
  if (!posInt(o.hiddenWidth, 1, 1 << 20)) bad(`hiddenWidth ${String(o.hiddenWidth)} is not in [1, 2^20]`);
  if (!posInt(o.layers, 1, 1024)) bad(`layers ${String(o.layers)} is not in [1, 1024]`);
  const width = o.width as number;
  if (!posInt(o.heads, 1, width) || width % (o.heads as number) !== 0) bad(`heads ${String(o.heads)} does not divide width ${width}`);
  if ((width / (o.heads as number)) % 2 !== 0) bad(`head size ${width / (o.heads as number)} is odd (rotary pairs need an even size)`);
  if (!posInt(o.kvHeads, 1, o.heads as number) || (o.heads as number) % (o.kvHeads as number) !== 0) bad(`kvHeads ${String(o.kvHeads)} does not divide heads ${String(o.heads)}`);
  if (typeof o.normEps !== 'number' || !(o.normEps > 0) || !Number.isFinite(o.normEps)) bad(`normEps ${String(o.normEps)} is not a positive number`);
  if (typeof o.ropeBase !== 'number' || !(o.ropeBase > 1) || !Number.isFinite(o.ropeBase)) bad(`ropeBase ${String(o.ropeBase)} is not a number > 1`);
  if (typeof o.sharedClassifier !== 'boolean') bad(`sharedClassifier ${String(o.sharedClassifier)} is not a boolean`);
  return o as unknown as LlamaConfig;
}
