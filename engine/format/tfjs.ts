/**
 * Import float weights saved by TensorFlow.js (`tf.io`) as a spml FloatCheckpoint, ready for the
 * quantizer (each architecture's `quantize`, engine/arch/<arch>/quantize.ts). docs/MODEL_FORMAT.md,
 * "Importing TensorFlow.js weights".
 *
 * The tfjs format. A saved model is a `model.json` and one or more binary shard files:
 *   model.json = { modelTopology?, format?, ..., weightsManifest: [
 *                    { paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
 *                      weights: [{ name, shape: number[], dtype, group?, quantization? }, ...] },
 *                    ... ] }
 * Every weight's values are laid out flat, row-major, and the weights follow one another with no
 * padding in spec order; a group's bytes are the concatenation of its `paths` in order (tfjs cuts
 * shards at arbitrary byte boundaries, 4 MB by default), and the whole model's bytes are the groups
 * concatenated in manifest order. A float32 weight is `prod(shape)` little-endian IEEE-754 singles.
 * In memory, tfjs's `ModelArtifacts` carry the same thing as `weightSpecs` (the manifest's `weights`
 * arrays, flattened in order) and `weightData` (the concatenated bytes: one ArrayBuffer, or in tfjs
 * ≥ 4 possibly a list of them); `tf.io.encodeWeights(namedTensors)` returns exactly `{ specs, data }`.
 * Other dtypes: int32 is 4 bytes, bool 1 byte, complex64 8 bytes per element; a string weight is,
 * per element, a uint32 LE byte length then the UTF-8 bytes. A weight with a `quantization` field
 * holds `quantization.dtype` values (uint8, uint16 or float16) in place of its `dtype`.
 *
 * What is accepted. Each tfjs weight name goes through `nameMap` (default `defaultTfjsNameMap`:
 * `h0/attn/wq` → `h0.attn.wq`) to a spml parameter name of the architecture's parameterShapes
 * (engine/arch/<arch>/config.ts). Every parameter must come from exactly one plain float32 weight
 * of exactly its shape with all values finite. A weight whose name maps to no parameter (or to undefined) is an error unless
 * `allowExtra`, in which case it is skipped — whatever its dtype, as long as its bytes can be
 * measured. Everything wrong is a TfjsImportError (a ParamError, op `importTfjs`) whose `kind` says
 * what and whose `names` list the weights concerned. The result then goes through the same checks
 * as checkpointFromJson (checkpoint.ts#checkFloatCheckpoint), including the gpt vocab.
 *
 * The module uses no Node API except in checkpointFromTfjsFiles, which imports node:fs and
 * node:path dynamically, so that it stays bundleable for the browser.
 */
import { ParamError } from '../errors.js';
import { checkFloatCheckpoint, type FloatCheckpoint } from './checkpoint.js';
import { checkConfig, parameterShapes, type ModelConfig } from '../arch/config.js';

const OP = 'importTfjs';

export type TfjsImportErrorKind =
  | 'format' // the artifacts / model.json are malformed (no specs, bad shape, bad name, bad path...)
  | 'dtype' // a weight feeding a parameter is not float32 (or an extra weight cannot be measured)
  | 'quantized' // a weight feeding a parameter is tfjs-quantized (has a `quantization` field)
  | 'byteLength' // weightData is not as long as the specs say
  | 'missing' // parameters that no weight maps to
  | 'extra' // weights that map to no parameter (without allowExtra)
  | 'duplicate' // a tfjs name given twice, or two weights mapping to one parameter
  | 'shape' // a weight's shape differs from its parameter's
  | 'nonFinite' // a weight holds NaN or ±Infinity
  | 'io'; // checkpointFromTfjsFiles could not read a file

/** Why an import failed: a ParamError (op `importTfjs`) with a machine-readable kind and names. */
export class TfjsImportError extends ParamError {
  readonly kind: TfjsImportErrorKind;
  /** The tfjs weight names (or, for `missing`, spml parameter names) the error is about. */
  readonly names: readonly string[];

  constructor(kind: TfjsImportErrorKind, message: string, names: readonly string[] = []) {
    super(OP, message);
    this.kind = kind;
    this.names = names;
  }
}

/** One entry of a tfjs weights manifest (tfjs-core io/types.ts WeightsManifestEntry). */
export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly group?: string;
  readonly quantization?: { readonly dtype: string; readonly scale?: number; readonly min?: number };
}

/** One group of model.json's `weightsManifest`. */
export interface TfjsWeightsManifestGroup {
  readonly paths: readonly string[];
  readonly weights: readonly TfjsWeightSpec[];
}

type Bytes = ArrayBuffer | ArrayBufferView;

/**
 * The parts of tfjs ModelArtifacts the importer reads: the weight specs — `weightSpecs`, or else
 * `weightsManifest` flattened in order — and the concatenated bytes in `weightData`. Other fields
 * (modelTopology, format, ...) are ignored, so a real ModelArtifacts object can be passed as is.
 */
export interface TfjsArtifacts {
  readonly weightSpecs?: readonly TfjsWeightSpec[];
  readonly weightsManifest?: readonly TfjsWeightsManifestGroup[];
  readonly weightData: Bytes | readonly Bytes[];
  readonly [other: string]: unknown;
}

export interface TfjsImportOptions {
  /** The architecture the weights are for; it fixes the expected names and shapes. */
  readonly config: ModelConfig;
  /** Token id → character; required for a gpt, as in every float checkpoint. */
  readonly vocab?: string;
  /** Stored as the checkpoint's `training` record. */
  readonly training?: Readonly<Record<string, unknown>>;
  /**
   * tfjs weight name → spml parameter name, or undefined for a weight that is not a parameter.
   * Replaces the default; compose with it as `(n) => mine(n) ?? defaultTfjsNameMap(n)`.
   */
  readonly nameMap?: (tfjsName: string) => string | undefined;
  /** Skip weights that map to no parameter instead of rejecting them. Default false. */
  readonly allowExtra?: boolean;
}

/**
 * The default name mapping: drop a TensorFlow-style output suffix (`:0`) and turn every '/' into
 * '.', so `h0/attn/wq`, `h0/attn/wq:0` and `h0.attn.wq` all name spml's `h0.attn.wq`, and a name
 * that already is a spml parameter name maps to itself.
 */
export function defaultTfjsNameMap(tfjsName: string): string {
  return tfjsName.replace(/:\d+$/, '').replace(/\//g, '.');
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

const list = (names: readonly string[], max = 20) =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')}, ... (${names.length} in all)`;

const isArrayBuffer = (v: unknown): v is ArrayBuffer =>
  v instanceof ArrayBuffer || Object.prototype.toString.call(v) === '[object ArrayBuffer]';

function asBytes(part: unknown, what: string): Uint8Array {
  if (isArrayBuffer(part)) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  throw new TfjsImportError('format', `${what} is not an ArrayBuffer or typed array`);
}

/** weightData as one byte view (parts concatenated in order). */
function weightBytes(data: unknown): Uint8Array {
  if (!Array.isArray(data)) return asBytes(data, 'weightData');
  const parts = data.map((p, i) => asBytes(p, `weightData[${i}]`));
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Check the structure of one spec (not its dtype); returns its element count. */
function checkSpec(spec: unknown, index: number): number {
  if (spec === null || typeof spec !== 'object') throw new TfjsImportError('format', `weight spec ${index} is not an object`);
  const s = spec as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name === '') throw new TfjsImportError('format', `weight spec ${index} has no name`);
  const shape = s.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new TfjsImportError('format', `weight ${s.name}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`, [s.name]);
  }
  if (typeof s.dtype !== 'string') throw new TfjsImportError('format', `weight ${s.name}: dtype ${JSON.stringify(s.dtype)} is not a string`, [s.name]);
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count)) throw new TfjsImportError('format', `weight ${s.name}: shape ${fmt(shape as number[])} is too large`, [s.name]);
  return count;
}

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/**
 * Bytes a weight occupies from `at`, or undefined if its dtype is unknown. String weights are
 * walked (uint32 length + bytes per element); a `past` result means they run off the end.
 */
function byteSize(spec: TfjsWeightSpec, count: number, bytes: Uint8Array, at: number): number | 'past' | undefined {
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  if (dtype !== 'string') {
    const per = BYTES_PER_ELEMENT[dtype];
    return per === undefined ? undefined : per * count;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = at;
  for (let i = 0; i < count; i++) {
    if (p + 4 > bytes.length) return 'past';
    p += 4 + view.getUint32(p, true);
  }
  return p > bytes.length ? 'past' : p - at;
}

/**
 * Turn tfjs model artifacts into a float checkpoint for `options.config`: map the names, check
 * dtypes, shapes and byte counts, decode the little-endian float32s (copied; bit for bit), check
 * them finite. Throws TfjsImportError (a ParamError, op `importTfjs`) on anything wrong.
 */
export function checkpointFromTfjsArtifacts(artifacts: TfjsArtifacts, options: TfjsImportOptions): FloatCheckpoint {
  if (artifacts === null || typeof artifacts !== 'object') throw new TfjsImportError('format', 'artifacts is not an object');
  if (options === null || typeof options !== 'object') throw new ParamError(OP, 'options (with a config) are required');
  const config = checkConfig(OP, options.config);
  const nameMap = options.nameMap ?? defaultTfjsNameMap;

  // The specs, from weightSpecs or the manifest.
  let specs: readonly TfjsWeightSpec[];
  if (artifacts.weightSpecs !== undefined) {
    if (!Array.isArray(artifacts.weightSpecs)) throw new TfjsImportError('format', 'weightSpecs is not an array');
    specs = artifacts.weightSpecs;
  } else if (artifacts.weightsManifest !== undefined) {
    specs = specsFromManifest(artifacts.weightsManifest);
  } else {
    throw new TfjsImportError('format', 'artifacts have neither weightSpecs nor weightsManifest');
  }
  if (artifacts.weightData === undefined || artifacts.weightData === null) throw new TfjsImportError('format', 'artifacts have no weightData');
  const bytes = weightBytes(artifacts.weightData);
  const counts = specs.map((s, i) => checkSpec(s, i));

  // Names: tfjs name → spml parameter, each at most once each way.
  const expected = new Map(parameterShapes(config));
  const seen = new Set<string>();
  const target = new Map<string, number>(); // spml name → spec index
  const extras: string[] = [];
  specs.forEach((spec, i) => {
    if (seen.has(spec.name)) throw new TfjsImportError('duplicate', `weight ${spec.name} appears twice in the specs`, [spec.name]);
    seen.add(spec.name);
    const to = nameMap(spec.name);
    if (to === undefined || !expected.has(to)) {
      extras.push(spec.name);
      return;
    }
    const prev = target.get(to);
    if (prev !== undefined) {
      throw new TfjsImportError('duplicate', `weights ${specs[prev]!.name} and ${spec.name} both map to parameter ${to}`, [specs[prev]!.name, spec.name]);
    }
    target.set(to, i);
  });
  const used = new Map([...target].map(([to, i]) => [i, to])); // spec index → spml name

  // Dtypes: parameters must be plain float32.
  specs.forEach((spec, i) => {
    if (!used.has(i)) return;
    if (spec.quantization != null) {
      throw new TfjsImportError(
        'quantized',
        `weight ${spec.name} is quantized by tfjs (${JSON.stringify(spec.quantization)}); only plain float32 weights can be imported — save or convert the model without weight quantization`,
        [spec.name],
      );
    }
    if (spec.dtype !== 'float32') throw new TfjsImportError('dtype', `weight ${spec.name} has dtype ${spec.dtype}; only float32 weights can be imported`, [spec.name]);
  });

  const missing = [...expected.keys()].filter((n) => !target.has(n));
  if (missing.length > 0) {
    const hint = extras.length > 0 ? `; unmatched tfjs weights: ${list(extras)} (pass a nameMap?)` : '';
    throw new TfjsImportError('missing', `missing ${missing.length} parameter(s) for the ${config.arch} config: ${list(missing)}${hint}`, missing);
  }
  if (extras.length > 0 && !options.allowExtra) {
    throw new TfjsImportError('extra', `${extras.length} weight(s) map to no ${config.arch} parameter: ${list(extras)} (pass allowExtra to skip them)`, extras);
  }
  for (const [to, i] of target) {
    const want = expected.get(to)!;
    const got = specs[i]!.shape;
    if (got.length !== want.length || got.some((d, k) => d !== want[k])) {
      const name = specs[i]!.name === to ? to : `${specs[i]!.name} (parameter ${to})`;
      throw new TfjsImportError('shape', `weight ${name}: shape ${fmt(got)}, expected ${fmt(want)}`, [specs[i]!.name]);
    }
  }

  // Byte layout: offsets in spec order, and the total must be exactly weightData's length.
  const offsets: number[] = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const size = byteSize(spec, counts[i]!, bytes, at);
    if (size === undefined) {
      const dtype = spec.quantization ? `quantized ${spec.quantization.dtype}` : spec.dtype;
      throw new TfjsImportError('dtype', `weight ${spec.name} has unknown dtype ${dtype}; cannot tell how many bytes to skip`, [spec.name]);
    }
    if (size === 'past') throw new TfjsImportError('byteLength', `weightData has ${bytes.length} bytes, which ends inside string weight ${spec.name}`, [spec.name]);
    offsets.push(at);
    at += size;
  }
  if (at !== bytes.length) {
    throw new TfjsImportError('byteLength', `weightData has ${bytes.length} bytes, but the ${specs.length} weight specs describe ${at}`);
  }

  // Decode the parameters.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [to, shape] of expected) {
    const i = target.get(to)!;
    const base = offsets[i]!;
    const data = new Float32Array(counts[i]!);
    for (let k = 0; k < data.length; k++) {
      const v = view.getFloat32(base + 4 * k, true);
      if (!Number.isFinite(v)) {
        throw new TfjsImportError('nonFinite', `weight ${specs[i]!.name}: element ${k} (flat index) is ${v}`, [specs[i]!.name]);
      }
      data[k] = v;
    }
    tensors.set(to, { shape: [...shape], data });
  }
  return checkFloatCheckpoint(OP, { config, vocab: options.vocab, training: options.training, tensors });
}

/** The manifest's weight specs, flattened in group order (the order of the concatenated bytes). */
function specsFromManifest(manifest: unknown): TfjsWeightSpec[] {
  if (!Array.isArray(manifest)) throw new TfjsImportError('format', 'weightsManifest is not an array');
  return manifest.flatMap((g: unknown, i) => {
    const group = g as Partial<TfjsWeightsManifestGroup> | null;
    if (group === null || typeof group !== 'object' || !Array.isArray(group.weights)) {
      throw new TfjsImportError('format', `weightsManifest[${i}] has no weights array`);
    }
    return group.weights;
  });
}

/**
 * Read a tfjs model saved on disk — `model.json` and the shard files its weightsManifest lists
 * (paths relative to model.json's directory) — and import it as checkpointFromTfjsArtifacts does.
 * Node only (node:fs is imported on first use).
 */
export async function checkpointFromTfjsFiles(modelJsonPath: string, options: TfjsImportOptions): Promise<FloatCheckpoint> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const read = async (file: string, what: string): Promise<Uint8Array> => {
    try {
      return await readFile(file);
    } catch (e) {
      throw new TfjsImportError('io', `cannot read ${what} ${file}: ${(e as Error).message}`);
    }
  };
  const jsonBytes = await read(modelJsonPath, 'model.json');
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (e) {
    throw new TfjsImportError('format', `${modelJsonPath} is not JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as Record<string, unknown>).weightsManifest)) {
    throw new TfjsImportError('format', `${modelJsonPath} has no weightsManifest array`);
  }
  const manifest = (doc as { weightsManifest: unknown[] }).weightsManifest;
  const dir = path.resolve(path.dirname(modelJsonPath));
  const shards: Uint8Array[] = [];
  for (const [i, g] of manifest.entries()) {
    const paths = (g as Partial<TfjsWeightsManifestGroup> | null)?.paths;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '')) {
      throw new TfjsImportError('format', `weightsManifest[${i}] has no list of shard paths`);
    }
    for (const p of paths as string[]) {
      const file = path.resolve(dir, p);
      const rel = path.relative(dir, file);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || path.isAbsolute(p) || rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) {
        throw new TfjsImportError('format', `shard path ${JSON.stringify(p)} is not a file inside ${dir}`);
      }
      shards.push(await read(file, 'weight shard'));
    }
  }
  return checkpointFromTfjsArtifacts({ weightsManifest: manifest as TfjsWeightsManifestGroup[], weightData: shards }, options);
}
