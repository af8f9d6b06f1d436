/**
 * The GPT architecture's config (docs/MODEL_FORMAT.md, "Architectures"): a GPT-2-style decoder
 * with token + learned position embeddings, pre-LayerNorm blocks of causal multi-head
 * self-attention and a GELU (tanh form) MLP, a final LayerNorm, and an LM head tied to the token
 * embeddings. The same config describes the float checkpoint and the int8 model made from it.
 */
import { configChecker } from '../config_check.js';

export interface GptConfig {
  readonly arch: 'gpt';
  readonly vocabSize: number;
  /** Longest sequence (prompt + generated tokens) the position table covers. */
  readonly contextLength: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  /** Hidden width of the MLP. */
  readonly mlpWidth: number;
  /** LayerNorm epsilon of the float model. */
  readonly lnEps: number;
}

/** The config's keys, exactly: an extra key would give one model two hashes. */
export const GPT_CONFIG_KEYS = ['arch', 'contextLength', 'heads', 'layers', 'lnEps', 'mlpWidth', 'vocabSize', 'width'] as const;

/** Float parameter names and shapes, in canonical order. */
export function gptParameterShapes(c: GptConfig): [string, number[]][] {
  const out: [string, number[]][] = [
    ['wte', [c.vocabSize, c.width]],
    ['wpe', [c.contextLength, c.width]],
  ];
  for (let i = 0; i < c.layers; i++) {
    const p = `h${i}.`;
    out.push(
      [p + 'ln1.g', [c.width]],
      [p + 'ln1.b', [c.width]],
      [p + 'attn.wq', [c.width, c.width]],
      [p + 'attn.bq', [c.width]],
      [p + 'attn.wk', [c.width, c.width]],
      [p + 'attn.bk', [c.width]],
      [p + 'attn.wv', [c.width, c.width]],
      [p + 'attn.bv', [c.width]],
      [p + 'attn.wo', [c.width, c.width]],
      [p + 'attn.bo', [c.width]],
      [p + 'ln2.g', [c.width]],
      [p + 'ln2.b', [c.width]],
      [p + 'mlp.w1', [c.width, c.mlpWidth]],
      [p + 'mlp.b1', [c.mlpWidth]],
      [p + 'mlp.w2', [c.mlpWidth, c.width]],
      [p + 'mlp.b2', [c.width]],
    );
  }
  out.push(['lnf.g', [c.width]], ['lnf.b', [c.width]]);
  return out;
}

/** Check a GPT config's fields and their consistency; `op` names the caller in errors. */
export function checkGptConfig(op: string, o: Record<string, unknown>): GptConfig {
  const { bad, posInt } = configChecker(op);
  if (!posInt(o.vocabSize, 1, 65536)) bad(`vocabSize ${String(o.vocabSize)} is not in [1, 65536]`);
  if (!posInt(o.contextLength, 1, 65536)) bad(`contextLength ${String(o.contextLength)} is not in [1, 65536]`);
  if (!posInt(o.width, 1, 16384)) bad(`width ${String(o.width)} is not in [1, 16384]`);
  if (!posInt(o.layers, 1, 1024)) bad(`layers ${String(o.layers)} is not in [1, 1024]`);
  if (!posInt(o.heads, 1, o.width as number) || (o.width as number) % (o.heads as number) !== 0) bad(`heads ${String(o.heads)} does not divide width ${String(o.width)}`);
  if (!posInt(o.mlpWidth, 1, 1 << 20)) bad(`mlpWidth ${String(o.mlpWidth)} is not in [1, 2^20]`);
  if (typeof o.lnEps !== 'number' || !(o.lnEps > 0) || !Number.isFinite(o.lnEps)) bad(`lnEps ${String(o.lnEps)} is not a positive number`);
  return o as unknown as GptConfig;
}
