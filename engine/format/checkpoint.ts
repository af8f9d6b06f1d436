/**
 * Float checkpoints: what the training scripts write and the quantizer reads
 * (docs/MODEL_FORMAT.md, "Float checkpoints").
 *
 * A JSON document, so that it diffs and inspects easily and needs no tfjs to read:
 *   { format: "spml-float-checkpoint", version: 1, config, vocab?, training?,
 *     tensors: { name: { shape: number[], data: base64 of little-endian float32 } } }
 * Tensor names and shapes are those of the architecture's parameterShapes (engine/arch/).
 */
import { ParamError } from '../errors.js';
import { checkConfig, parameterShapes, type ModelConfig } from '../arch/config.js';
import { getArchitecture } from '../arch/registry.js';

export interface FloatCheckpoint {
  readonly config: ModelConfig;
  /** Token id → character, for character-level models. */
  readonly vocab?: string;
  /** What the training run reports about itself (steps, losses, seconds, seed...). */
  readonly training?: Readonly<Record<string, unknown>>;
  readonly tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
}

const FORMAT = 'spml-float-checkpoint';

function toBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return Buffer.from(bytes).toString('base64');
}

function fromBase64(op: string, name: string, b64: unknown, count: number): Float32Array {
  if (typeof b64 !== 'string') throw new ParamError(op, `tensor ${name}: data is not a base64 string`);
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length !== count * 4) throw new ParamError(op, `tensor ${name}: ${bytes.length} bytes, expected ${count * 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = view.getFloat32(4 * i, true);
    if (!Number.isFinite(out[i]!)) throw new ParamError(op, `tensor ${name}: element ${i} is not finite`);
  }
  return out;
}

export function checkpointToJson(ck: FloatCheckpoint): string {
  const tensors: Record<string, { shape: readonly number[]; data: string }> = {};
  for (const [name] of parameterShapes(ck.config)) {
    const t = ck.tensors.get(name);
    if (!t) throw new ParamError('checkpointToJson', `missing tensor ${name}`);
    tensors[name] = { shape: t.shape, data: toBase64(t.data) };
  }
  return JSON.stringify({ format: FORMAT, version: 1, config: ck.config, vocab: ck.vocab, training: ck.training, tensors }, null, 1) + '\n';
}

/** Parse and validate a checkpoint: every expected tensor present, with its shape, all finite. */
export function checkpointFromJson(text: string): FloatCheckpoint {
  const op = 'loadCheckpoint';
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ParamError(op, `not JSON: ${(e as Error).message}`);
  }
  if (doc?.format !== FORMAT || doc.version !== 1) throw new ParamError(op, `not a version-1 ${FORMAT}`);
  const config = checkConfig(op, doc.config);
  const raw = (doc.tensors ?? {}) as Record<string, { shape?: unknown; data?: unknown }>;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of parameterShapes(config)) {
    const t = raw[name];
    if (!t) throw new ParamError(op, `missing tensor ${name}`);
    if (JSON.stringify(t.shape) !== JSON.stringify(shape)) throw new ParamError(op, `tensor ${name}: shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`);
    tensors.set(name, { shape, data: fromBase64(op, name, t.data, shape.reduce((a, b) => a * b, 1)) });
  }
  const vocab = typeof doc.vocab === 'string' ? doc.vocab : undefined;
  const checkpoint = { config, vocab, training: doc.training as Record<string, unknown> | undefined, tensors };
  getArchitecture(config.arch)!.checkCheckpoint?.(op, checkpoint);
  return checkpoint;
}

/**
 * Check an in-memory checkpoint the way checkpointFromJson checks a parsed one — a valid config,
 * every expected tensor present with its shape and all finite, and whatever else its architecture
 * asks (a gpt's vocabulary) — and return it; `op` names the caller in the ParamErrors. Extra
 * tensors are ignored.
 */
export function checkFloatCheckpoint(op: string, ck: FloatCheckpoint): FloatCheckpoint {
  const config = checkConfig(op, ck.config);
  for (const [name, shape] of parameterShapes(config)) {
    const t = ck.tensors.get(name);
    if (!t) throw new ParamError(op, `missing tensor ${name}`);
    if (JSON.stringify(t.shape) !== JSON.stringify(shape)) throw new ParamError(op, `tensor ${name}: shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!(t.data instanceof Float32Array) || t.data.length !== count) throw new ParamError(op, `tensor ${name}: data is not a Float32Array of ${count} elements`);
    for (let i = 0; i < count; i++) if (!Number.isFinite(t.data[i]!)) throw new ParamError(op, `tensor ${name}: element ${i} is not finite`);
  }
  getArchitecture(config.arch)!.checkCheckpoint?.(op, ck);
  return ck;
}
