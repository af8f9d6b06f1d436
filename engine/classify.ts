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
}

export interface ClassifyResult {
  readonly labels: readonly number[];
  /** SHA-256 of the int32 logits [N, classes] (NUMERICS.md §2). */
  readonly outputHash: string;
  readonly traceRoot: string;
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
  const logits = model.forward(model.encodeInput(pixels, n), trace);
  const data = await logits.data();
  const classes = logits.shape[1]!;
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (data[i * classes + j]! > data[i * classes + best]!) best = j;
    labels.push(best);
  }
  const { root, leaves } = await trace.finish();
  return {
    labels,
    outputHash: bytesToHex(hashData('int32', logits.shape, data)),
    traceRoot: root,
    ...(options.keepTrace ? { traceLeaves: leaves } : {}),
    ms: performance.now() - started,
  };
}
