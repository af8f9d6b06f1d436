/**
 * argmax and deterministic sampling (engine/NUMERICS.md §13, §14).
 *
 * Sampling draws one Philox4x32-10 word per row, keyed by the 64-bit seed with counter
 * (step_lo, step_hi, row, 0), and maps it onto integer exp weights with a 32×32-bit multiply:
 * no float, no hidden state, so step s of a generation can be replayed alone.
 */
import { ParamError, ShapeError } from '../errors.js';
import { checkDyadic, type Dyadic } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { checkDType, checkInt, checkTensor, fmt, runKernel } from './dispatch.js';

/** Longest sampled row: keeps the total weight Σ e ≤ 2^16 · 2^15 = 2^31. */
export const MAX_VOCAB = 65536;
/** top-p is given in Q16: 65536 means 1.0, i.e. off. */
export const TOP_P_ONE = 65536;

/** Index of the largest entry along the last axis; ties go to the lowest index. */
export function argmax(x: Tensor): Tensor {
  const op = 'argmax';
  checkTensor(op, 'x', x);
  checkDType(op, 'x', x, ['int8', 'int16', 'int32']);
  if (x.rank < 1 || x.shape[x.rank - 1] === 0) throw new ShapeError(op, `x must have a non-empty last axis, got ${fmt(x.shape)}`);
  return runKernel('Argmax', [x], {}, x.shape.slice(0, -1), 'int32');
}

export interface SampleOptions {
  /** s·log2(e)·2^8 / temperature, as for softmax (s the logits' scale). */
  scale: Dyadic;
  /** 64-bit seed, a bigint or a safe integer. */
  seed: bigint | number;
  /** Position in the generation; every step gets fresh randomness. */
  step: bigint | number;
  /** Keep only the k most likely tokens; 0 or absent means off. */
  topK?: number;
  /** Keep the smallest most-likely prefix holding at least topP/2^16 of the weight; 65536 is off. */
  topP?: number;
}

export interface SampleAttrs {
  multiplier: number;
  shift: number;
  seedLo: number;
  seedHi: number;
  stepLo: number;
  stepHi: number;
  topK: number;
  topP: number;
}

function split64(op: string, name: string, v: unknown): [number, number] {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else throw new ParamError(op, `${name} must be a bigint or a safe integer, got ${String(v)}`);
  if (b < 0n || b >= 1n << 64n) throw new ParamError(op, `${name} must be in [0, 2^64), got ${b}`);
  return [Number(b & 0xffffffffn), Number(b >> 32n)];
}

export function sample(logits: Tensor, options: SampleOptions): Tensor {
  const op = 'sample';
  checkTensor(op, 'logits', logits);
  checkDType(op, 'logits', logits, ['int32']);
  const v = logits.shape[logits.rank - 1];
  if (logits.rank < 1 || v === undefined || v < 1 || v > MAX_VOCAB) {
    throw new ShapeError(op, `logits must have a last axis of 1 to ${MAX_VOCAB}, got ${fmt(logits.shape)}`);
  }
  if (options === null || typeof options !== 'object') throw new ParamError(op, 'options {scale, seed, step} are required');
  checkDyadic(op, options.scale, 'scale');
  const [seedLo, seedHi] = split64(op, 'seed', options.seed);
  const [stepLo, stepHi] = split64(op, 'step', options.step);
  const topK = checkInt(op, 'topK', options.topK ?? 0, 0, MAX_VOCAB);
  const topP = checkInt(op, 'topP', options.topP ?? TOP_P_ONE, 1, TOP_P_ONE);
  const rows = logits.size / v;
  if (rows > 2 ** 32) throw new ShapeError(op, `${rows} rows exceed the 2^32 the counter can address`);
  const attrs: SampleAttrs = { multiplier: options.scale.multiplier, shift: options.scale.shift, seedLo, seedHi, stepLo, stepHi, topK, topP };
  return runKernel('Sample', [logits], attrs, logits.shape.slice(0, -1), 'int32');
}
