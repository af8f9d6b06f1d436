/**
 * Models with seeded random weights for the determinism bench (bench/determinism.ts): float
 * weights drawn from a seeded generator, run through the engine's own quantizers
 * (engine/arch/{gpt,mlp}/quantize.ts) and written by its own encoder (format.ts), so each model
 * is a real `.spml` file, held in memory, that loadModel validates like any other. The same
 * seed gives the same bytes, hence the same model hash, in every process.
 */
import type { FloatCheckpoint } from '../engine/format/checkpoint.js';
import { encodeModel } from '../engine/format/format.js';
import { gptArchitecture } from '../engine/arch/gpt/index.js';
import { mlpArchitecture } from '../engine/arch/mlp/index.js';
import { Rng } from '../tools/data/rng.js';
import { gptParameterShapes, type GptConfig } from '../engine/arch/gpt/config.js';
import { mlpParameterShapes, type MlpConfig } from '../engine/arch/mlp/config.js';

/** Printable ASCII, then Latin-1 letters: enough distinct characters for the vocabularies below. */
const CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + 'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ';

export interface RandomGptSpec {
  readonly name: string;
  readonly seed: number;
  readonly config: GptConfig;
}

export interface RandomMlpSpec {
  readonly name: string;
  readonly seed: number;
  readonly config: MlpConfig;
}

const gpt = (vocabSize: number, contextLength: number, width: number, layers: number, heads: number, mlpWidth: number): GptConfig => ({
  arch: 'gpt',
  vocabSize,
  contextLength,
  width,
  layers,
  heads,
  mlpWidth,
  lnEps: 1e-5,
});

/**
 * Shapes chosen to differ from moby-gpt (83 symbols, width 64, 4 × 4 heads, MLP 256) and from
 * each other, with odd and non-power-of-two sizes that land on matmul tile edges.
 */
export const RANDOM_GPTS: readonly RandomGptSpec[] = [
  { name: 'rand-gpt-a', seed: 101, config: gpt(40, 64, 32, 2, 4, 64) },
  { name: 'rand-gpt-b', seed: 202, config: gpt(61, 96, 48, 3, 3, 192) },
  { name: 'rand-gpt-c', seed: 303, config: gpt(107, 48, 80, 1, 5, 120) },
];

export const RANDOM_MLP: RandomMlpSpec = { name: 'rand-mlp', seed: 404, config: { arch: 'mlp', sizes: [100, 70, 33, 7] } };

function normalFrom(rng: Rng): () => number {
  return () => Math.sqrt(-2 * Math.log(rng.float() + 1e-12)) * Math.cos(2 * Math.PI * rng.float());
}

/** Gains near 1, small biases, matrices at ~1.5/√fan-in, embeddings at 0.5. */
function randomTensors(shapes: [string, number[]][], rng: Rng): FloatCheckpoint['tensors'] {
  const normal = normalFrom(rng);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of shapes) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const std = name.endsWith('.g') ? 0.1 : shape.length === 1 ? 0.05 : name === 'wte' || name === 'wpe' ? 0.5 : 1.5 / Math.sqrt(shape[0]!);
    const mean = name.endsWith('.g') ? 1 : 0;
    for (let i = 0; i < data.length; i++) data[i] = mean + std * normal();
    tensors.set(name, { shape, data });
  }
  return tensors;
}

export function vocabOf(spec: RandomGptSpec): string {
  return CHARS.slice(0, spec.config.vocabSize);
}

/** The `.spml` bytes of a random GPT, calibrated on six random sequences of full context. */
export function randomGptBytes(spec: RandomGptSpec): Uint8Array {
  const rng = new Rng(spec.seed);
  const cfg = spec.config;
  const ck: FloatCheckpoint = { config: cfg, vocab: vocabOf(spec), tensors: randomTensors(gptParameterShapes(cfg), rng) };
  const sequences = Array.from({ length: 6 }, () => rng.ints(cfg.contextLength, 0, cfg.vocabSize - 1));
  return encodeModel(gptArchitecture.toFile(gptArchitecture.quantize(ck, { sequences }), { name: spec.name, description: `seeded random weights (seed ${spec.seed})` }));
}

/** Random pixels 0..255 for `count` inputs of a random MLP, from their own seed. */
export function randomPixels(spec: RandomMlpSpec, count: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: count * spec.config.sizes[0]! }, () => rng.int(0, 255));
}

/** The `.spml` bytes of a random MLP, calibrated on 64 random inputs. */
export function randomMlpBytes(spec: RandomMlpSpec): Uint8Array {
  const rng = new Rng(spec.seed);
  const ck: FloatCheckpoint = { config: spec.config, tensors: randomTensors(mlpParameterShapes(spec.config), rng) };
  const calibration = { pixels: randomPixels(spec, 64, spec.seed + 1), count: 64 };
  return encodeModel(mlpArchitecture.toFile(mlpArchitecture.quantize(ck, calibration), { name: spec.name, description: `seeded random weights (seed ${spec.seed})` }));
}

/** A prompt of `length` characters drawn from a random GPT's vocabulary. */
export function randomPrompt(spec: RandomGptSpec, length: number, seed: number): string {
  const rng = new Rng(seed);
  const vocab = [...vocabOf(spec)];
  return Array.from({ length }, () => vocab[rng.int(0, vocab.length - 1)]!).join('');
}
