/**
 * The spml model file: an in-memory form (ModelFile) and its canonical binary codec
 * (docs/MODEL_FORMAT.md). The model hash, SHA-256 of the file's bytes, is what protocol
 * messages name, so there is exactly one byte string per model: the encoder writes it and the
 * loader accepts nothing else. Every accepted file re-encodes to itself, byte for byte.
 *
 * Layout, integers little-endian:
 *   "SPML" · u16 version (1) · u16 flags (0) · u32 header length H · H bytes of canonical
 *   JSON {config, meta, quant, tensors} · zero padding to a multiple of 8 · tensor data, each
 *   tensor at an 8-aligned offset and followed by zero padding to a multiple of 8 · 32-byte
 *   SHA-256 of everything before it.
 *
 * This module has no static Node imports, so the codec also runs in a browser. It hashes with
 * engine/sha256.ts (node:crypto on Node), and the file helpers use node:fs, obtained with
 * process.getBuiltinModule (Node ≥ 20.16).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { nodeBuiltin, sha256 } from '../sha256.js';
import { DTYPE_BYTES, dtypeOfArray, isDType, type DType, type IntArray } from '../dtype.js';
import { ModelFormatError, ParamError, SpmlError } from '../errors.js';
import { canonicalJson, compareCodePoints, formatPath, isWellFormed, MAX_JSON_DEPTH, type JsonValue } from './canonical_json.js';
import { checkConfig, type ModelConfig } from '../arch/config.js';
import { getArchitecture } from '../arch/registry.js';

export { canonicalJson, compareCodePoints, ModelFormatError, type JsonValue };
export { expectTensors, type TensorSpec } from '../arch/model_io.js';

export interface ModelTensorEntry {
  name: string;
  dtype: DType;
  /** Dimensions, outermost first; [] is a scalar (one element). */
  shape: number[];
  /** Row-major elements; the array type must match `dtype`. */
  data: IntArray;
}

/** Free-form description of the model; values are JSON with integers only (no floats). */
export interface ModelMeta {
  name: string;
  description?: string;
  /** Token id → character, for character-level models. */
  vocab?: string;
  [key: string]: JsonValue | undefined;
}

export interface ModelFile {
  /** Architecture config (engine/arch/<arch>/config.ts); the only place a float may appear. */
  config: ModelConfig;
  /** Integer quantization parameters, opaque to this layer; no non-integer numbers, no null. */
  quant: JsonValue;
  meta: ModelMeta;
  /** Sorted by name in code-point order; names unique. */
  tensors: ModelTensorEntry[];
}


/** "SPML" in ASCII. */
export const MODEL_MAGIC: readonly number[] = [0x53, 0x50, 0x4d, 0x4c];
export const MODEL_FORMAT_VERSION = 1;
/** Magic, version, flags and header length. */
export const PREAMBLE_BYTES = 12;
export const TRAILER_BYTES = 32;
export const ALIGNMENT = 8;
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;
export const MAX_TENSORS = 65536;
export const MAX_RANK = 255;
export const MAX_DIM = 2 ** 31 - 1;
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
export const MAX_TOTAL_ELEMENTS = 2 ** 32;

const HEADER_KEYS = ['config', 'meta', 'quant', 'tensors'];
const ENTRY_KEYS = ['dtype', 'length', 'name', 'offset', 'shape'];
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Platform helpers

type NodeFs = typeof import('node:fs');

const align8 = (n: number) => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isPlain = (v: object) => {
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
};
const show = (v: unknown) => {
  try {
    const s = typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return typeof v;
  }
};
const reasonOf = (e: unknown) =>
  e instanceof ModelFormatError ? e.reason : e instanceof SpmlError ? e.message.slice(e.op.length + 2) : String(e);

/** Where a problem is: a byte offset, or a function computing it (only called on failure). */
type At = number | (() => number) | undefined;
type Fail = (msg: string, at?: At) => never;

// ---------------------------------------------------------------------------------------------
// Validation shared by the encoder (in-memory model) and the decoder (parsed header)

function checkConfigValue(c: unknown, fail: Fail, at?: At): ModelConfig {
  let cfg: ModelConfig;
  try {
    cfg = checkConfig('config', c);
  } catch (e) {
    return fail(reasonOf(e).replace(/^invalid model config: /, 'config: '), at);
  }
  if (!isPlain(cfg)) fail('config: not a plain object', at);
  // Each architecture lists its config's keys exactly: extra keys would give one model two hashes.
  const allowed = getArchitecture(cfg.arch)!.configKeys;
  for (const k of Object.keys(cfg)) {
    if (!allowed.includes(k) && (cfg as unknown as Record<string, unknown>)[k] !== undefined) {
      fail(`config: unknown key ${JSON.stringify(k)} for arch ${cfg.arch} (allowed: ${allowed.join(', ')})`, at);
    }
  }
  return cfg;
}

/** Integer-only JSON: strings, safe integers, booleans, arrays, plain objects; no null, no floats. */
function checkIntJson(root: string, v: unknown, fail: Fail, at: At, path: (string | number)[] = []): void {
  switch (typeof v) {
    case 'string':
      if (!isWellFormed(v)) fail(`${formatPath(root, path)}: string holds a lone surrogate`, at);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isInteger(v)) fail(`${formatPath(root, path)}: ${show(v)} is not an integer (no float may enter inference)`, at);
      if (!Number.isSafeInteger(v)) fail(`${formatPath(root, path)}: ${show(v)} is outside the exact integer range ±(2^53-1)`, at);
      return;
    case 'object':
      break;
    default:
      fail(`${formatPath(root, path)}: a ${typeof v} is not allowed`, at);
  }
  if (v === null) return fail(`${formatPath(root, path)}: null is not allowed`, at);
  if (path.length >= MAX_JSON_DEPTH) fail(`${formatPath(root, path)}: nested deeper than ${MAX_JSON_DEPTH} levels`, at);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      checkIntJson(root, v[i], fail, at, path);
      path.pop();
    }
    return;
  }
  if (!isPlain(v)) fail(`${formatPath(root, path)}: not a plain object`, at);
  for (const k of Object.keys(v)) {
    if (k === '__proto__') fail(`${formatPath(root, path)}: key "__proto__" is not allowed`, at);
    if (!isWellFormed(k)) fail(`${formatPath(root, path)}: key holds a lone surrogate`, at);
    const x = (v as Record<string, unknown>)[k];
    if (x === undefined) continue;
    path.push(k);
    checkIntJson(root, x, fail, at, path);
    path.pop();
  }
}

function checkMeta(m: unknown, fail: Fail, at?: At): ModelMeta {
  if (!isObject(m)) return fail('meta: not an object', at);
  if (typeof m.name !== 'string') fail('meta.name: must be a string', at);
  for (const k of ['description', 'vocab']) {
    if (m[k] !== undefined && typeof m[k] !== 'string') fail(`meta.${k}: must be a string`, at);
  }
  checkIntJson('meta', m, fail, at);
  return m as ModelMeta;
}

function checkQuant(q: unknown, fail: Fail, at?: At): JsonValue {
  if (q === undefined) fail('quant: missing', at);
  checkIntJson('quant', q, fail, at);
  return q as JsonValue;
}

function checkName(name: unknown, prev: string | undefined, where: string, fail: Fail, at?: At): string {
  if (typeof name !== 'string' || name.length === 0) return fail(`${where}: name must be a non-empty string, got ${show(name)}`, at);
  if (!isWellFormed(name)) fail(`${where}: name holds a lone surrogate`, at);
  if (prev !== undefined) {
    const c = compareCodePoints(prev, name);
    if (c === 0) fail(`tensor ${name}: duplicate name`, at);
    if (c > 0) fail(`tensor ${name}: not in canonical order (must sort after ${JSON.stringify(prev)} by code point)`, at);
  }
  return name;
}

/** Validate a shape and return its element count. */
function checkShape(shape: unknown, where: string, fail: Fail, at?: At): number {
  if (!Array.isArray(shape)) return fail(`${where}: shape must be an array, got ${show(shape)}`, at);
  if (shape.length > MAX_RANK) fail(`${where}: rank ${shape.length} exceeds ${MAX_RANK}`, at);
  let zero = false;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_DIM) {
      fail(`${where}: shape ${show(shape)} must hold integers in [0, 2^31-1]`, at);
    }
    if (d === 0) zero = true;
  }
  if (zero) return 0;
  let size = 1;
  for (const d of shape as number[]) {
    size *= d;
    if (size > MAX_TENSOR_ELEMENTS) fail(`${where}: shape ${show(shape)} has more than 2^31-1 elements`, at);
  }
  return size;
}

// ---------------------------------------------------------------------------------------------
// Encoding

interface Body {
  /** The whole file, trailer bytes still zero. */
  bytes: Uint8Array;
  trailerAt: number;
}

/** Lay out the file; `checked` skips re-validating config, quant and meta (the decoder just did). */
function encodeBody(m: ModelFile, op: string, checked = false): Body {
  const fail: Fail = (msg) => {
    throw new ModelFormatError(msg, undefined, op);
  };
  if (!isObject(m)) fail('model must be an object {config, quant, meta, tensors}');
  const config = checked ? m.config : checkConfigValue(m.config, fail);
  const quant = checked ? m.quant : checkQuant(m.quant, fail);
  const meta = checked ? m.meta : checkMeta(m.meta, fail);
  if (!Array.isArray(m.tensors)) fail('tensors must be an array');
  if (m.tensors.length > MAX_TENSORS) fail(`${m.tensors.length} tensors exceed the limit of ${MAX_TENSORS}`);
  const table: { name: string; dtype: DType; shape: number[]; offset: number; length: number }[] = [];
  let cursor = 0;
  let total = 0;
  let prev: string | undefined;
  for (let i = 0; i < m.tensors.length; i++) {
    const t = m.tensors[i] as unknown;
    if (!isObject(t)) return fail(`tensors[${i}]: not an object`);
    const name = checkName(t.name, prev, `tensors[${i}]`, fail);
    prev = name;
    if (!isDType(t.dtype)) fail(`tensor ${name}: unknown dtype ${show(t.dtype)}`);
    const dtype = t.dtype as DType;
    const size = checkShape(t.shape, `tensor ${name}`, fail);
    const actual = dtypeOfArray(t.data);
    if (actual !== dtype) {
      const kind = ArrayBuffer.isView(t.data) ? t.data.constructor.name : typeof t.data;
      fail(`tensor ${name}: data is ${actual === undefined ? `a ${kind}` : `an ${actual} array`}, dtype says ${dtype}`);
    }
    const data = t.data as IntArray;
    if (data.length !== size) fail(`tensor ${name}: data has ${data.length} elements, shape ${show(t.shape)} has ${size}`);
    total += size;
    if (total > MAX_TOTAL_ELEMENTS) fail(`tensors hold more than 2^32 elements in all`);
    const length = size * DTYPE_BYTES[dtype];
    table.push({ name, dtype, shape: [...(t.shape as number[])], offset: cursor, length });
    cursor += align8(length);
  }
  let text: string;
  try {
    text = canonicalJson({ config, meta, quant, tensors: table });
  } catch (e) {
    return fail(`header: ${reasonOf(e)}`);
  }
  const header = new TextEncoder().encode(text);
  if (header.length > MAX_HEADER_BYTES) fail(`header is ${header.length} bytes, over the limit of ${MAX_HEADER_BYTES}`);
  const dataStart = align8(PREAMBLE_BYTES + header.length);
  const trailerAt = dataStart + cursor;
  const bytes = new Uint8Array(trailerAt + TRAILER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MODEL_MAGIC, 0);
  view.setUint16(4, MODEL_FORMAT_VERSION, true);
  view.setUint16(6, 0, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, PREAMBLE_BYTES);
  table.forEach((e, i) => {
    const data = (m.tensors[i] as ModelTensorEntry).data;
    const at = dataStart + e.offset;
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else {
      const w = DTYPE_BYTES[e.dtype];
      for (let j = 0; j < data.length; j++) {
        if (w === 1) view.setInt8(at + j, data[j]!);
        else if (w === 2) view.setInt16(at + 2 * j, data[j]!, true);
        else view.setInt32(at + 4 * j, data[j]!, true);
      }
    }
  });
  return { bytes, trailerAt };
}

/** The canonical bytes of a model. Throws ModelFormatError (op `encodeModel`) if it cannot be written. */
export function encodeModel(m: ModelFile): Uint8Array {
  const { bytes, trailerAt } = encodeBody(m, 'encodeModel');
  bytes.set(sha256(bytes.subarray(0, trailerAt)), trailerAt);
  return bytes;
}

/** The model hash: SHA-256 of the whole file (trailer included), as 64 lowercase hex digits. */
export function modelHash(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Parse and validate a model file. Anything short of a canonical file, byte for byte, is a
 * ModelFormatError (op `decodeModel`) with `offset` set to where in the file the problem is.
 */
export function decodeModel(bytes: Uint8Array): ModelFile {
  const op = 'decodeModel';
  const fail: Fail = (msg, at) => {
    throw new ModelFormatError(msg, typeof at === 'function' ? at() : at, op);
  };
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${show(bytes)}`);
  const n = bytes.length;
  const minimum = PREAMBLE_BYTES + TRAILER_BYTES;
  if (n < minimum) fail(`file is ${n} bytes, shorter than the ${minimum} bytes of preamble and trailer`, n);
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MODEL_MAGIC[i]) fail(`bad magic: not an spml model file (expected "SPML")`, i);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== MODEL_FORMAT_VERSION) fail(`unsupported format version ${version} (this loader reads version ${MODEL_FORMAT_VERSION})`, 4);
  const flags = view.getUint16(6, true);
  if (flags !== 0) fail(`flags are 0x${flags.toString(16)}, must be 0`, 6);
  const H = view.getUint32(8, true);
  if (H === 0) fail('header length is 0', 8);
  if (H > MAX_HEADER_BYTES) fail(`header length ${H} exceeds the limit of ${MAX_HEADER_BYTES}`, 8);
  const trailerAt = n - TRAILER_BYTES;
  const dataStart = align8(PREAMBLE_BYTES + H);
  if (dataStart > trailerAt) fail(`header length ${H} runs past the end of the file (${n} bytes)`, 8);

  const digest = sha256(bytes.subarray(0, trailerAt));
  for (let i = 0; i < TRAILER_BYTES; i++) {
    if (digest[i] !== bytes[trailerAt + i]) fail('checksum mismatch: the trailer is not the SHA-256 of the bytes before it (file corrupt)', trailerAt);
  }

  const headerEnd = PREAMBLE_BYTES + H;
  for (let i = headerEnd; i < dataStart; i++) {
    if (bytes[i] !== 0) fail('header padding byte is not zero', i);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(PREAMBLE_BYTES, headerEnd));
  } catch {
    return fail('header is not valid UTF-8', PREAMBLE_BYTES);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, PREAMBLE_BYTES);
  }
  let canonical: string;
  try {
    canonical = canonicalJson(header);
  } catch (e) {
    return fail(`header: ${reasonOf(e)}`, PREAMBLE_BYTES);
  }
  if (canonical !== text) {
    let i = 0;
    while (i < text.length && text[i] === canonical[i]) i++;
    if (i > 0 && /[\uD800-\uDBFF]/.test(text[i - 1]!)) i--; // point at the whole character
    const at = PREAMBLE_BYTES + utf8Length(text.slice(0, i));
    fail(`header JSON is not canonical: expected ${show(canonical.slice(i, i + 16))}, found ${show(text.slice(i, i + 16))}`, at);
  }

  if (!isObject(header)) return fail('header is not a JSON object', PREAMBLE_BYTES);
  const keys = Object.keys(header);
  if (keys.length !== HEADER_KEYS.length || keys.some((k, i) => k !== HEADER_KEYS[i])) {
    fail(`header keys are [${keys.join(', ')}], must be exactly [${HEADER_KEYS.join(', ')}]`, PREAMBLE_BYTES);
  }
  // The header is canonical, so where each part sits in the file follows from its serialization
  // (computed only for an error message).
  const configAt = PREAMBLE_BYTES + '{"config":'.length;
  const metaAt = () => configAt + utf8Length(canonicalJson(header.config)) + ',"meta":'.length;
  const quantAt = () => metaAt() + utf8Length(canonicalJson(header.meta)) + ',"quant":'.length;
  const tensorsAt = () => quantAt() + utf8Length(canonicalJson(header.quant)) + ',"tensors":'.length;

  const config = checkConfigValue(header.config, fail, configAt);
  const meta = checkMeta(header.meta, fail, metaAt);
  const quant = checkQuant(header.quant, fail, quantAt);
  const table = header.tensors;
  if (!Array.isArray(table)) return fail('tensors: not an array', tensorsAt);
  if (table.length > MAX_TENSORS) fail(`${table.length} tensors exceed the limit of ${MAX_TENSORS}`, tensorsAt);

  const dataBytes = trailerAt - dataStart;
  const layout: { name: string; dtype: DType; shape: number[]; at: number; size: number; length: number }[] = [];
  let cursor = 0;
  let total = 0;
  let prev: string | undefined;
  for (let i = 0; i < table.length; i++) {
    const e = table[i] as unknown;
    const where = `tensors[${i}]`;
    const entryAt = () => tensorsAt() + 1 + table.slice(0, i).reduce((a: number, x) => a + utf8Length(canonicalJson(x)) + 1, 0);
    if (!isObject(e)) return fail(`${where}: not an object`, entryAt);
    const ek = Object.keys(e);
    if (ek.length !== ENTRY_KEYS.length || ek.some((k, j) => k !== ENTRY_KEYS[j])) {
      fail(`${where}: keys are [${ek.join(', ')}], must be exactly [${ENTRY_KEYS.join(', ')}]`, entryAt);
    }
    const name = checkName(e.name, prev, where, fail, entryAt);
    prev = name;
    const t = `tensor ${name}`;
    if (!isDType(e.dtype)) fail(`${t}: unknown dtype ${show(e.dtype)}`, entryAt);
    const dtype = e.dtype as DType;
    const size = checkShape(e.shape, t, fail, entryAt);
    total += size;
    if (total > MAX_TOTAL_ELEMENTS) fail(`${t}: tensors hold more than 2^32 elements in all`, entryAt);
    const expected = size * DTYPE_BYTES[dtype];
    if (e.length !== expected) fail(`${t}: length ${show(e.length)} bytes, but shape ${show(e.shape)} of ${dtype} needs ${expected}`, entryAt);
    const off = e.offset;
    if (typeof off !== 'number' || !Number.isSafeInteger(off) || off < 0) return fail(`${t}: offset ${show(off)} is not a non-negative integer`, entryAt);
    const fileAt = dataStart + off;
    const located = fileAt < n ? fileAt : entryAt;
    if (off % ALIGNMENT !== 0) fail(`${t}: data offset ${off} is not a multiple of ${ALIGNMENT}`, located);
    if (off < cursor) fail(`${t}: data offset ${off} overlaps the previous tensor (which ends at ${cursor})`, located);
    if (off > cursor) fail(`${t}: data offset ${off} leaves a gap after the previous tensor (expected ${cursor})`, dataStart + cursor);
    const padded = align8(expected);
    if (padded > dataBytes - off) {
      fail(`${t}: data [${off}, ${off + padded}) runs past the end of the data section (${dataBytes} bytes)`, entryAt);
    }
    for (let j = fileAt + expected; j < fileAt + padded; j++) {
      if (bytes[j] !== 0) fail(`${t}: padding byte after its data is not zero`, j);
    }
    layout.push({ name, dtype, shape: [...(e.shape as number[])], at: fileAt, size, length: expected });
    cursor = off + padded;
  }
  if (cursor !== dataBytes) {
    fail(`data section has ${dataBytes - cursor} bytes after the last tensor (it must end exactly at the trailer)`, dataStart + cursor);
  }

  const tensors: ModelTensorEntry[] = layout.map((l) => ({ name: l.name, dtype: l.dtype, shape: l.shape, data: readData(bytes, view, l.at, l.dtype, l.size) }));
  const model: ModelFile = { config, quant, meta, tensors };

  // Final guard: an accepted file is the canonical encoding of what it decodes to.
  const again = encodeBody(model, op, true);
  if (again.trailerAt !== trailerAt) fail(`re-encoding gives ${again.trailerAt + TRAILER_BYTES} bytes, the file has ${n}`);
  const differs = firstDifference(again.bytes, bytes, trailerAt);
  if (differs >= 0) fail('file is not the canonical encoding of the model it describes', differs);
  return model;
}

/** Index of the first byte where a and b differ within [0, n), or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array, n: number): number {
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    while (i < words && wa[i] === wb[i]) i++;
    i *= 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function readData(bytes: Uint8Array, view: DataView, at: number, dtype: DType, size: number): IntArray {
  const w = DTYPE_BYTES[dtype];
  const out = dtype === 'int8' ? new Int8Array(size) : dtype === 'int16' ? new Int16Array(size) : new Int32Array(size);
  if (LITTLE_ENDIAN || w === 1) {
    new Uint8Array(out.buffer).set(bytes.subarray(at, at + size * w));
  } else {
    for (let j = 0; j < size; j++) out[j] = w === 2 ? view.getInt16(at + 2 * j, true) : view.getInt32(at + 4 * j, true);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Architecture checks and files


function nodeFs(op: string): NodeFs {
  const fs = nodeBuiltin<NodeFs>('node:fs');
  if (!fs) throw new ParamError(op, 'needs node:fs (Node.js >= 20.16, via process.getBuiltinModule)');
  return fs;
}

/**
 * Read and decode a model file. A missing or unreadable path is a ParamError naming it; a bad
 * file is a ModelFormatError (op `readModelFile`) naming the path and the byte offset.
 */
export function readModelFile(path: string): ModelFile {
  const op = 'readModelFile';
  const fs = nodeFs(op);
  let bytes: Uint8Array;
  try {
    if (!fs.statSync(path).isFile()) throw new ParamError(op, `${path} is not a regular file`);
    bytes = fs.readFileSync(path);
  } catch (e) {
    if (e instanceof ParamError) throw e;
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') throw new ParamError(op, `no model file at ${path}`);
    throw new ParamError(op, `cannot read model file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return decodeModel(bytes);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelFormatError(`${path}: ${e.reason}`, e.offset, op);
    throw e;
  }
}

/** Encode `m` and write it to `path` (through a temporary file and a rename); returns its model hash. */
export function writeModelFile(path: string, m: ModelFile): string {
  const op = 'writeModelFile';
  const fs = nodeFs(op);
  const bytes = encodeModel(m);
  const tmp = `${path}.tmp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean up
    }
    throw new ParamError(op, `cannot write model file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return modelHash(bytes);
}
