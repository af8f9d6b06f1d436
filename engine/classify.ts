/**
 * Classification with any classifier (engine/arch/architecture.ts): encode the inputs, run the
 * forward pass with a trace, and take each row's argmax. The result carries the SHA-256 of the
 * int32 logits and the Merkle root of every layer output, so two parties can compare runs by hash.
 */
import type { Classifier } from './arch/architecture.js';
import { ParamError } from './errors.js';
import { bytesToHex, hashData } from './hash.js';
import { Trace, type TraceLeaf } from './trace.js';

export interface ClassifyOptions {
  /** Also return the trace's leaves as `traceLeaves` (default false). */
  keepTrace?: boolean;
  /** Also return the int32 logits the output hash is taken over, as `logits` (default false). */
  keepLogits?: boolean;
}

export interface ClassifyResult {
  readonly labels: readonly number[];
  /** SHA-256 of the int32 logits [N, classes] (NUMERICS.md §2). */
  readonly outputHash: string;
  readonly traceRoot: string;
  /** The int32 logits [N, classes] that outputHash hashes; present when `keepLogits` was set. */
  readonly logits?: { readonly shape: readonly number[]; readonly data: Int32Array };
  /** The trace's leaves (one per layer), in order; present when `keepTrace` was set. */
  readonly traceLeaves?: readonly TraceLeaf[];
  readonly ms: number;
}

export function checkPixels(op: string, images: unknown): Uint8Array {
  if (!(images instanceof Uint8Array)) throw new ParamError(op, 'images must be a Uint8Array of pixels 0..255');
  return images;
}

/** Classify `count` inputs given as consecutive rows of bytes 0..255 (all of them by default). */
export async function classifyWith(model: Classifier, images: Uint8Array, count?: number, options: ClassifyOptions = {}): Promise<ClassifyResult> {
  const pixels = checkPixels('classify', images);
  const n = count ?? pixels.length / model.inputSize;
  if (!Number.isInteger(n) || n < 1) throw new ParamError('classify', `pixel count ${pixels.length} is not a positive multiple of ${model.inputSize}`);
  const started = performance.now();
  const trace = new Trace();
  const input = model.encodeInput(pixels, n);
  const logits = model.forward(input, trace);
  const shape = [...logits.shape];
  const data = (await logits.data()) as Int32Array;
  // Backends whose memory the garbage collector cannot see (wasm, GPUs) need them freed.
  input.dispose();
  logits.dispose();
  const classes = shape[1]!;
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (data[i * classes + j]! > data[i * classes + best]!) best = j;
    labels.push(best);
  }
  const { root, leaves } = await trace.finish();
  return {
    labels,
    outputHash: bytesToHex(hashData('int32', shape, data)),
    traceRoot: root,
    ...(options.keepLogits ? { logits: { shape, data } } : {}),
    ...(options.keepTrace ? { traceLeaves: leaves } : {}),
    ms: performance.now() - started,
  };
}
