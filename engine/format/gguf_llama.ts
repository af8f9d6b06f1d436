/**
 * Llama models in GGUF files, as llama.cpp writes and reads them (its LLM_ARCH_LLAMA: the
 * `llama.*` hyperparameters, the `tokenizer.ggml.*` sentencepiece vocabulary, and the tensor names
 * token_embd / blk.N.* / output_norm / output). Reading gives the same float checkpoint form as
 * the llama2.c reader (engine/format/llama2c.ts), matrices turned from GGUF's [out, in] rows into
 * spml's [in, out]; writing does the reverse, so an imported model runs in llama.cpp as well.
 *
 * Rotary positions: llama.cpp's llama architecture rotates adjacent pairs (rope type NORM), as
 * llama2.c and spml do (NUMERICS §12), so q and k are stored as they are, unpermuted.
 *
 * The vocabulary keeps GGUF's '▁' for a space (spaceMarker) and its token types, so that the
 * tokenizer treats text the way llama.cpp does. Everything wrong is a GgufError naming the key or
 * tensor: 'missing-key', 'type', 'unsupported' (another architecture or tokenizer), 'inconsistent'
 * (a shape that disagrees with the metadata).
 */
import { checkLlamaConfig, llamaParameterShapes, type LlamaConfig } from '../arch/llama/config.js';
import { llamaVocabularyText, parseLlamaVocabulary, type LlamaVocabulary } from '../arch/llama/vocabulary.js';
import { ParamError } from '../errors.js';
import { BpeTokenizer } from '../tokenizer/bpe.js';
import type { FloatCheckpoint } from './checkpoint.js';
import { decodeGguf, ggufValue } from './gguf_read.js';
import { encodeGguf, type GgufTensorInput } from './gguf_write.js';
import { GgufError, QK8_0, type GgufFile, type GgufValue } from './gguf_types.js';

const READ = 'readGgufLlama';
const WRITE = 'writeGgufLlama';
const SPACE_MARKER = '\u2581';
/** llama.cpp's general.file_type values (llama_ftype) for the two types spml writes. */
const FILE_TYPE = { F32: 0, Q8_0: 7 } as const;

/** spml's parameter name → GGUF tensor name, and whether it is a matrix stored transposed. */
function ggufName(name: string): { gguf: string; transposed: boolean } {
  const fixed: Record<string, string> = { embed: 'token_embd', norm: 'output_norm', head: 'output' };
  if (fixed[name]) return { gguf: `${fixed[name]}.weight`, transposed: false };
  const m = /^h(\d+)\.(.+)$/.exec(name)!;
  const part: Record<string, [string, boolean]> = {
    attn_norm: ['attn_norm', false],
    'attn.wq': ['attn_q', true],
    'attn.wk': ['attn_k', true],
    'attn.wv': ['attn_v', true],
    'attn.wo': ['attn_output', true],
    ffn_norm: ['ffn_norm', false],
    'mlp.w1': ['ffn_gate', true],
    'mlp.w3': ['ffn_up', true],
    'mlp.w2': ['ffn_down', true],
  };
  const [gguf, transposed] = part[m[2]!]!;
  return { gguf: `blk.${m[1]}.${gguf}.weight`, transposed };
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** The shortest decimal that rounds to this float32 (1e-5 for the f32 nearest 1e-5), as config values are written. */
function shortestFloat32(x: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

const fail = (kind: 'unsupported' | 'inconsistent' | 'missing-key', message: string, subject?: string): never => {
  throw new GgufError(kind, message, { subject, op: READ });
};

function uint(file: GgufFile, key: string, fallback?: number): number {
  if (fallback !== undefined && !file.metadata.has(key)) return fallback;
  const v = ggufValue(file, key, 'u32', 'i32', 'u64', 'i64', 'u16', 'u8');
  return Number(v.value);
}

function float(file: GgufFile, key: string, fallback: number): number {
  if (!file.metadata.has(key)) return fallback;
  return shortestFloat32(ggufValue(file, key, 'f32', 'f64').value);
}

function readVocabulary(file: GgufFile, vocabSize: number): LlamaVocabulary {
  const model = ggufValue(file, 'tokenizer.ggml.model', 'string').value;
  if (model !== 'llama') fail('unsupported', `tokenizer.ggml.model is '${model}': spml reads the sentencepiece ('llama') vocabulary only`, 'tokenizer.ggml.model');
  if (file.metadata.has('tokenizer.ggml.add_space_prefix') && !ggufValue(file, 'tokenizer.ggml.add_space_prefix', 'bool').value) {
    fail('unsupported', 'tokenizer.ggml.add_space_prefix is false: spml\'s tokenizer always adds the dummy-prefix space', 'tokenizer.ggml.add_space_prefix');
  }
  const array = (key: string, ...itemTypes: string[]) => {
    const v = ggufValue(file, key, 'array');
    if (!itemTypes.includes(v.itemType)) throw new GgufError('type', `${key} is an array of ${v.itemType}, expected ${itemTypes.join(' or ')}`, { subject: key, op: READ });
    if (v.value.length !== vocabSize) fail('inconsistent', `${key} has ${v.value.length} entries, the token embedding ${vocabSize} rows`, key);
    return v.value;
  };
  const tokens = array('tokenizer.ggml.tokens', 'string') as string[];
  const scores = file.metadata.has('tokenizer.ggml.scores') ? (array('tokenizer.ggml.scores', 'f32', 'f64') as number[]).map(shortestFloat32) : tokens.map(() => 0);
  const types = file.metadata.has('tokenizer.ggml.token_type') ? (array('tokenizer.ggml.token_type', 'i32', 'u32') as number[]) : undefined;
  const special = (key: string, fallback: number) => {
    const id = uint(file, key, fallback);
    if (id >= vocabSize) fail('inconsistent', `${key} = ${id} is not a token id (vocabulary of ${vocabSize})`, key);
    return id;
  };
  return {
    tokens,
    scores,
    bos: special('tokenizer.ggml.bos_token_id', 1),
    eos: special('tokenizer.ggml.eos_token_id', 2),
    unk: special('tokenizer.ggml.unknown_token_id', 0),
    ...(types && { types }),
    spaceMarker: SPACE_MARKER,
  };
}

/** Read a GGUF llama (F32, F16 or Q8_0 tensors, dequantized to float32) into a float checkpoint. */
export function readGgufLlama(bytes: Uint8Array): FloatCheckpoint {
  const file = decodeGguf(bytes);
  const arch = ggufValue(file, 'general.architecture', 'string').value;
  if (arch !== 'llama') fail('unsupported', `general.architecture is '${arch}': spml reads 'llama' models`, 'general.architecture');
  const embed = file.tensor('token_embd.weight') ?? fail('missing-key', 'tensor token_embd.weight is missing', 'token_embd.weight');
  const width = uint(file, 'llama.embedding_length');
  const heads = uint(file, 'llama.attention.head_count');
  if (embed.shape.length !== 2 || embed.shape[1] !== width) fail('inconsistent', `token_embd.weight has shape [${embed.shape}], expected [vocab, ${width}]`, 'token_embd.weight');
  const fields = {
    arch: 'llama',
    vocabSize: embed.shape[0],
    contextLength: uint(file, 'llama.context_length'),
    width,
    hiddenWidth: uint(file, 'llama.feed_forward_length'),
    layers: uint(file, 'llama.block_count'),
    heads,
    kvHeads: uint(file, 'llama.attention.head_count_kv', heads),
    normEps: float(file, 'llama.attention.layer_norm_rms_epsilon', 1e-5),
    ropeBase: float(file, 'llama.rope.freq_base', 10000),
    sharedClassifier: file.tensor('output.weight') === undefined,
  };
  let config: LlamaConfig;
  try {
    config = checkLlamaConfig(READ, fields);
  } catch (e) {
    if (e instanceof ParamError) fail('inconsistent', `the llama.* hyperparameters do not make a llama: ${e.message.replace(/^.*invalid model config: /, '')}`);
    throw e;
  }
  const headSize = config.width / config.heads;
  const ropeDims = uint(file, 'llama.rope.dimension_count', headSize);
  if (ropeDims !== headSize) fail('unsupported', `llama.rope.dimension_count ${ropeDims} is not the head size ${headSize}: spml rotates whole heads`, 'llama.rope.dimension_count');
  if (file.metadata.has('llama.rope.scaling.type') && ggufValue(file, 'llama.rope.scaling.type', 'string').value !== 'none') {
    fail('unsupported', 'llama.rope.scaling.type is set: spml implements unscaled rotary positions', 'llama.rope.scaling.type');
  }

  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, shape] of llamaParameterShapes(config)) {
    const { gguf, transposed } = ggufName(name);
    const t = file.tensor(gguf) ?? fail('missing-key', `tensor ${gguf} is missing`, gguf);
    const stored = transposed ? [shape[1]!, shape[0]!] : shape;
    if (t.shape.length !== stored.length || t.shape.some((d, i) => d !== stored[i])) {
      fail('inconsistent', `tensor ${gguf} has shape [${t.shape}], the hyperparameters say [${stored}]`, gguf);
    }
    const data = t.floats();
    tensors.set(name, { shape, data: transposed ? transpose(data, stored[0]!, stored[1]!) : data });
  }
  const vocabulary = readVocabulary(file, config.vocabSize);
  const vocab = llamaVocabularyText(vocabulary);
  try {
    parseLlamaVocabulary(READ, vocab, config.vocabSize, false);
    new BpeTokenizer(vocabulary);
  } catch (e) {
    if (e instanceof ParamError) fail('inconsistent', `the tokenizer.ggml vocabulary is unusable: ${e.message}`, 'tokenizer.ggml.tokens');
    throw e;
  }
  return { config, tensors, vocab };
}

export interface GgufLlamaOptions {
  /** F32 keeps every weight; Q8_0 quantizes matrices whose rows are a multiple of 32 long (others stay F32). */
  readonly type: 'F32' | 'Q8_0';
  /** general.name (default 'spml-llama'). */
  readonly name?: string;
}

/** The tokenizer.ggml.* metadata of a checkpoint's vocabulary, with '▁' for spaces as llama.cpp expects. */
function vocabularyMetadata(ck: FloatCheckpoint, vocabSize: number): [string, GgufValue][] {
  const v = parseLlamaVocabulary(WRITE, ck.vocab, vocabSize, false);
  const tokenizer = new BpeTokenizer(v);
  const marker = v.spaceMarker ?? SPACE_MARKER;
  return [
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokenizer.texts.map((t) => t.replaceAll(' ', marker)) }],
    ['tokenizer.ggml.scores', { type: 'array', itemType: 'f32', value: v.scores.map((s) => Math.fround(s)) }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: [...tokenizer.types] }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: v.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: v.eos }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: v.unk }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: true }],
  ];
}

/** Write a float llama checkpoint (with its vocabulary) as a GGUF file llama.cpp loads. */
export function writeGgufLlama(ck: FloatCheckpoint, options: GgufLlamaOptions): Uint8Array {
  if (ck.config.arch !== 'llama') throw new ParamError(WRITE, `checkpoint is a ${ck.config.arch}, not a llama`);
  if (options.type !== 'F32' && options.type !== 'Q8_0') throw new ParamError(WRITE, `type ${String(options.type)} is not F32 or Q8_0`);
  const c = checkLlamaConfig(WRITE, ck.config as unknown as Record<string, unknown>);
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const f32 = (value: number): GgufValue => ({ type: 'f32', value: Math.fround(value) });
  const metadata: [string, GgufValue][] = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name ?? 'spml-llama' }],
    ['general.file_type', u32(FILE_TYPE[options.type])],
    ['llama.vocab_size', u32(c.vocabSize)],
    ['llama.context_length', u32(c.contextLength)],
    ['llama.embedding_length', u32(c.width)],
    ['llama.block_count', u32(c.layers)],
    ['llama.feed_forward_length', u32(c.hiddenWidth)],
    ['llama.rope.dimension_count', u32(c.width / c.heads)],
    ['llama.attention.head_count', u32(c.heads)],
    ['llama.attention.head_count_kv', u32(c.kvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', f32(c.normEps)],
    ['llama.rope.freq_base', f32(c.ropeBase)],
    ...vocabularyMetadata(ck, c.vocabSize),
  ];
  const tensors: GgufTensorInput[] = llamaParameterShapes(c).map(([name, shape]) => {
    const t = ck.tensors.get(name);
    if (!t || t.data.length !== shape.reduce((a, b) => a * b, 1)) throw new ParamError(WRITE, `tensor ${name} is missing or not of shape [${shape}]`);
    const { gguf, transposed } = ggufName(name);
    const stored = transposed ? [shape[1]!, shape[0]!] : shape;
    const data = transposed ? transpose(t.data, shape[0]!, shape[1]!) : t.data;
    // llama.cpp keeps norms in F32, and Q8_0 needs whole 32-element blocks along each row.
    const quantize = options.type === 'Q8_0' && stored.length === 2 && stored[1]! % QK8_0 === 0;
    return { name: gguf, shape: stored, type: quantize ? 'Q8_0' : 'F32', data };
  });
  return encodeGguf({ metadata, tensors });
}
