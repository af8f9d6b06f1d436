/**
 * Reader of llama2.c checkpoints (shared/models/stories260K/README.md, "Checkpoint format"):
 * seven little-endian int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size,
 * seq_len), then float32 arrays back to back; a negative vocab_size means a separate classifier
 * is stored last. The result is the float weights of a `llama` config (engine/arch/llama/
 * config.ts), matrices transposed from the file's [out, in] to spml's [in, out].
 *
 * Everything wrong with the bytes is a ModelFormatError (op 'readLlama2c') saying what: a bad
 * header, inconsistent shapes, a truncated file, a file of the wrong size, a non-finite weight.
 */
import { ParamError, ModelFormatError } from '../errors.js';
import { checkLlamaConfig, llamaParameterShapes, type LlamaConfig } from '../arch/llama/config.js';
import { llamaVocabularyText } from '../arch/llama/vocabulary.js';
import type { FloatCheckpoint } from './checkpoint.js';
import { readLlama2cVocabulary } from './llama2c_tokenizer.js';

const OP = 'readLlama2c';
const HEADER_BYTES = 28;
const fail = (what: string, offset?: number): never => {
  throw new ModelFormatError(what, offset, OP);
};

/** The header's fields, as the file names them. */
export interface Llama2cHeader {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly nLayers: number;
  readonly nHeads: number;
  readonly nKvHeads: number;
  /** Negative: a separate classifier follows the other arrays. */
  readonly vocabSize: number;
  readonly seqLen: number;
}

export function readLlama2cHeader(bytes: Uint8Array): Llama2cHeader {
  if (bytes.length < HEADER_BYTES) fail(`truncated: ${bytes.length} bytes, shorter than the 28-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const f = (i: number) => view.getInt32(4 * i, true);
  return { dim: f(0), hiddenDim: f(1), nLayers: f(2), nHeads: f(3), nKvHeads: f(4), vocabSize: f(5), seqLen: f(6) };
}

/** The llama config a header describes (normEps 1e-5 and ropeBase 10000, llama2.c's constants). */
export function llama2cConfig(h: Llama2cHeader): LlamaConfig {
  const fields: [string, number][] = [
    ['dim', h.dim],
    ['hidden_dim', h.hiddenDim],
    ['n_layers', h.nLayers],
    ['n_heads', h.nHeads],
    ['n_kv_heads', h.nKvHeads],
    ['seq_len', h.seqLen],
  ];
  for (const [name, v] of fields) if (v <= 0) fail(`bad header: ${name} = ${v} is not positive`);
  if (h.vocabSize === 0 || h.vocabSize === -(2 ** 31)) fail(`bad header: vocab_size = ${h.vocabSize}`);
  const config = {
    arch: 'llama' as const,
    vocabSize: Math.abs(h.vocabSize),
    contextLength: h.seqLen,
    width: h.dim,
    hiddenWidth: h.hiddenDim,
    layers: h.nLayers,
    heads: h.nHeads,
    kvHeads: h.nKvHeads,
    normEps: 1e-5,
    ropeBase: 10000,
    sharedClassifier: h.vocabSize > 0,
  };
  try {
    return checkLlamaConfig(OP, config);
  } catch (e) {
    if (e instanceof ParamError) fail(`inconsistent shapes: ${e.message.replace(/^.*invalid model config: /, '')}`);
    throw e;
  }
}

/**
 * Read a whole llama2.c checkpoint into float weights (names and shapes of llamaParameterShapes).
 * With `tokenizer`, the bytes of its tokenizer file (tok512.bin; llama2c_tokenizer.ts reads it,
 * its errors are that reader's), the checkpoint carries that vocabulary (arch/llama/vocabulary.ts),
 * which quantizing it into a .spml model needs.
 */
export function readLlama2c(bytes: Uint8Array, tokenizer?: Uint8Array): FloatCheckpoint {
  const config = llama2cConfig(readLlama2cHeader(bytes));
  const { width: C, hiddenWidth: F, layers: L, heads: H, kvHeads, vocabSize: V, contextLength: P } = config;
  const hs = C / H;
  const kv = hs * kvHeads;
  // The arrays in file order: [name, count]; the per-layer stacks are [L, out, in].
  const arrays: [string, number][] = [
    ['token embedding', V * C],
    ['attention norms', L * C],
    ['wq', L * C * C],
    ['wk', L * kv * C],
    ['wv', L * kv * C],
    ['wo', L * C * C],
    ['ffn norms', L * C],
    ['w1', L * F * C],
    ['w2', L * C * F],
    ['w3', L * F * C],
    ['final norm', C],
    ['rope tables', P * hs],
  ];
  if (!config.sharedClassifier) arrays.push(['classifier', V * C]);
  const floats = arrays.reduce((n, [, c]) => n + c, 0);
  const expected = HEADER_BYTES + 4 * floats;
  if (bytes.length < expected) fail(`truncated: ${bytes.length} bytes, the header's shapes need ${expected}`);
  if (bytes.length !== expected) fail(`wrong size: ${bytes.length} bytes, the header's shapes need exactly ${expected}`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = HEADER_BYTES;
  const raw = new Map<string, Float32Array>();
  for (const [name, count] of arrays) {
    const a = new Float32Array(count);
    for (let i = 0; i < count; i++, offset += 4) {
      const v = view.getFloat32(offset, true);
      if (!Number.isFinite(v) && name !== 'rope tables') fail(`non-finite value in ${name}[${i}]`, offset);
      a[i] = v;
    }
    raw.set(name, a);
  }
  const r = (name: string) => raw.get(name)!;
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  /** Layer l's [out, in] matrix of a stack, transposed to [in, out]. */
  const layerT = (name: string, l: number, out: number, inn: number): Float32Array => {
    const src = r(name);
    const base = l * out * inn;
    const t = new Float32Array(out * inn);
    for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) t[i * out + o] = src[base + o * inn + i]!;
    return t;
  };
  tensors.set('embed', { shape: [V, C], data: r('token embedding') });
  for (let l = 0; l < L; l++) {
    const p = `h${l}.`;
    tensors.set(p + 'attn_norm', { shape: [C], data: r('attention norms').slice(l * C, (l + 1) * C) });
    tensors.set(p + 'attn.wq', { shape: [C, C], data: layerT('wq', l, C, C) });
    tensors.set(p + 'attn.wk', { shape: [C, kv], data: layerT('wk', l, kv, C) });
    tensors.set(p + 'attn.wv', { shape: [C, kv], data: layerT('wv', l, kv, C) });
    tensors.set(p + 'attn.wo', { shape: [C, C], data: layerT('wo', l, C, C) });
    tensors.set(p + 'ffn_norm', { shape: [C], data: r('ffn norms').slice(l * C, (l + 1) * C) });
    tensors.set(p + 'mlp.w1', { shape: [C, F], data: layerT('w1', l, F, C) });
    tensors.set(p + 'mlp.w3', { shape: [C, F], data: layerT('w3', l, F, C) });
    tensors.set(p + 'mlp.w2', { shape: [F, C], data: layerT('w2', l, C, F) });
  }
  tensors.set('norm', { shape: [C], data: r('final norm') });
  if (!config.sharedClassifier) tensors.set('head', { shape: [V, C], data: r('classifier') });
  // Same names and order as the architecture's parameter list.
  const ordered = new Map(llamaParameterShapes(config).map(([n]) => [n, tensors.get(n)!]));
  if (tokenizer === undefined) return { config, tensors: ordered };
  const v = readLlama2cVocabulary(tokenizer, { vocabSize: V });
  return { config, tensors: ordered, vocab: llamaVocabularyText({ tokens: v.tokens, scores: v.scores, unk: 0, bos: 1, eos: 2 }) };
}
