/**
 * Architecture configurations of the shipped model families (docs/MODEL_FORMAT.md). The same
 * config describes the float checkpoint a training script writes and the int8 model the
 * quantizer makes from it.
 */
import { ParamError } from '../errors.js';

/**
 * GPT-2-style decoder: token + learned position embeddings, pre-LayerNorm blocks of causal
 * multi-head self-attention and a GELU (tanh form) MLP of width 4·C, a final LayerNorm, and an
 * LM head tied to the token embeddings.
 */
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

/** MLP classifier: dense layers with ReLU between them, logits out. */
export interface MlpConfig {
  readonly arch: 'mlp';
  /** Input features, then each hidden width, then the number of classes. */
  readonly sizes: readonly number[];
}

export type ModelConfig = GptConfig | MlpConfig;

/** Float parameter names and shapes of a GPT config, in canonical order. */
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

/** Float parameter names and shapes of an MLP config: w{i} [in, out] and b{i} [out]. */
export function mlpParameterShapes(c: MlpConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  for (let i = 0; i + 1 < c.sizes.length; i++) {
    out.push([`w${i}`, [c.sizes[i]!, c.sizes[i + 1]!]], [`b${i}`, [c.sizes[i + 1]!]]);
  }
  return out;
}

export function parameterShapes(c: ModelConfig): [string, number[]][] {
  return c.arch === 'gpt' ? gptParameterShapes(c) : mlpParameterShapes(c);
}

export function parameterCount(c: ModelConfig): number {
  return parameterShapes(c).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
}

const posInt = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** Check a config's fields and their consistency; `op` names the caller in errors. */
export function checkConfig(op: string, c: unknown): ModelConfig {
  const bad = (msg: string): never => {
    throw new ParamError(op, `invalid model config: ${msg}`);
  };
  if (c === null || typeof c !== 'object') bad('not an object');
  const o = c as Record<string, unknown>;
  if (o.arch === 'gpt') {
    if (!posInt(o.vocabSize, 1, 65536)) bad(`vocabSize ${String(o.vocabSize)} is not in [1, 65536]`);
    if (!posInt(o.contextLength, 1, 65536)) bad(`contextLength ${String(o.contextLength)} is not in [1, 65536]`);
    if (!posInt(o.width, 1, 16384)) bad(`width ${String(o.width)} is not in [1, 16384]`);
    if (!posInt(o.layers, 1, 1024)) bad(`layers ${String(o.layers)} is not in [1, 1024]`);
    if (!posInt(o.heads, 1, o.width as number) || (o.width as number) % (o.heads as number) !== 0) bad(`heads ${String(o.heads)} does not divide width ${String(o.width)}`);
    if (!posInt(o.mlpWidth, 1, 1 << 20)) bad(`mlpWidth ${String(o.mlpWidth)} is not in [1, 2^20]`);
    if (typeof o.lnEps !== 'number' || !(o.lnEps > 0) || !Number.isFinite(o.lnEps)) bad(`lnEps ${String(o.lnEps)} is not a positive number`);
    return o as unknown as GptConfig;
  }
  if (o.arch === 'mlp') {
    const s = o.sizes;
    if (!Array.isArray(s) || s.length < 2 || !s.every((v) => posInt(v, 1, 1 << 20))) bad('sizes must be at least two integers in [1, 2^20]');
    return o as unknown as MlpConfig;
  }
  return bad(`unknown arch ${JSON.stringify(o.arch)}`);
}
