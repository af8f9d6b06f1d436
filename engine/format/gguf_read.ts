/**
 * The GGUF version 3 reader (ggml docs/gguf.md; checks as ggml's src/gguf.cpp, see gguf_types.ts):
 *   "GGUF" · u32 version · u64 tensor count · u64 KV count · KVs (string key, u32 type, value) ·
 *   tensor infos (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset) ·
 *   zero padding to the alignment · tensor data, each tensor at its offset from the data section,
 *   padded with zeros to the alignment; the file ends there.
 * Strings are a u64 byte length and UTF-8 bytes; arrays a u32 element type, a u64 count and the
 * elements. Everything little-endian. Every malformed file is a GgufError naming what and where;
 * every count is checked against the bytes left before anything is allocated or looped over.
 */
import { dequantizeQ8_0, decodeF16 } from './gguf_quant.js';
import {
  FIXED_BYTES, GGML_TYPE_F16, GGML_TYPE_F32, GGML_TYPE_Q8_0, GGML_TYPES, GGUF_ALIGNMENT_KEY, GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC, GGUF_MAX_ALIGNMENT, GGUF_MAX_ARRAY_DEPTH, GGUF_MAX_DIMS, GGUF_MAX_KEY_BYTES, GGUF_MAX_NAME_BYTES,
  GGUF_VERSION, GgufError, MIN_BYTES, VALUE_TYPES,
  type GgufArray, type GgufBigType, type GgufFile, type GgufTensor, type GgufValue, type GgufValueType,
} from './gguf_types.js';

/** The fewest bytes of one KV (8-byte key length, 1 key byte, 4-byte type, 1 value byte) and one tensor info. */
const MIN_KV_BYTES = 14;
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 4 + 8;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

class Cursor {
  readonly view: DataView;
  pos = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get left(): number {
    return this.bytes.length - this.pos;
  }
  need(n: number, what: string, subject?: string): void {
    if (n > this.left) {
      throw new GgufError('truncated', `${what} needs ${n} bytes but the file has ${this.left} left`, { offset: this.pos, subject });
    }
  }
  u8(what: string, s?: string): number { this.need(1, what, s); return this.view.getUint8(this.pos++); }
  u32(what: string, s?: string): number { this.need(4, what, s); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  i32(what: string, s?: string): number { this.need(4, what, s); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  u64(what: string, s?: string): bigint { this.need(8, what, s); const v = this.view.getBigUint64(this.pos, true); this.pos += 8; return v; }
  /** A u64 count or length that must fit in what is left, `per` bytes each at the least. */
  count(what: string, per: number, s?: string): number {
    const at = this.pos;
    const n = this.u64(what, s);
    if (n * BigInt(per) > BigInt(this.left)) {
      throw new GgufError('truncated', `${what} ${n} needs at least ${n * BigInt(per)} bytes but the file has ${this.left} left`, { offset: at, subject: s });
    }
    return Number(n);
  }
  string(what: string, s?: string): string {
    const n = this.count(`${what} length`, 1, s);
    const at = this.pos;
    this.pos += n;
    try {
      return UTF8.decode(this.bytes.subarray(at, at + n));
    } catch {
      throw new GgufError('utf8', `${what} is not well-formed UTF-8`, { offset: at, subject: s });
    }
  }
}

function valueType(c: Cursor, what: string, key: string): GgufValueType {
  const at = c.pos;
  const id = c.i32(what, key);
  const t = VALUE_TYPES[id];
  if (t === undefined) throw new GgufError('type', `${what} of key ${key}: unknown value type ${id}`, { offset: at, subject: key });
  return t;
}

function scalar(c: Cursor, t: Exclude<GgufValueType, 'array'>, key: string): number | bigint | boolean | string {
  const v = c.view;
  const at = c.pos;
  if (t === 'string') return c.string(`string value of key ${key}`, key);
  c.need(FIXED_BYTES[t]!, `${t} value of key ${key}`, key);
  c.pos += FIXED_BYTES[t]!;
  switch (t) {
    case 'u8': return v.getUint8(at);
    case 'i8': return v.getInt8(at);
    case 'u16': return v.getUint16(at, true);
    case 'i16': return v.getInt16(at, true);
    case 'u32': return v.getUint32(at, true);
    case 'i32': return v.getInt32(at, true);
    case 'f32': return v.getFloat32(at, true);
    case 'f64': return v.getFloat64(at, true);
    case 'u64': return v.getBigUint64(at, true);
    case 'i64': return v.getBigInt64(at, true);
    case 'bool': {
      const b = v.getUint8(at);
      if (b > 1) throw new GgufError('value', `bool value of key ${key} is ${b}, not 0 or 1`, { offset: at, subject: key });
      return b === 1;
    }
  }
}

function array(c: Cursor, key: string, depth: number): GgufArray {
  if (depth > GGUF_MAX_ARRAY_DEPTH) throw new GgufError('depth', `key ${key}: arrays nested deeper than ${GGUF_MAX_ARRAY_DEPTH}`, { offset: c.pos, subject: key });
  const itemType = valueType(c, 'array element type', key);
  const n = c.count(`array count of key ${key}`, MIN_BYTES[itemType], key);
  const items: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) items[i] = itemType === 'array' ? array(c, key, depth + 1) : scalar(c, itemType, key);
  return { type: 'array', itemType, value: items } as GgufArray;
}

function value(c: Cursor, key: string): GgufValue {
  const t = valueType(c, 'value type', key);
  if (t === 'array') return array(c, key, 1);
  return { type: t, value: scalar(c, t, key) } as GgufValue;
}

function checkKey(key: string, at: number): void {
  if (key.length === 0) throw new GgufError('key', 'empty metadata key', { offset: at });
  if (key.length > GGUF_MAX_KEY_BYTES) throw new GgufError('key', `metadata key of ${key.length} bytes (at most ${GGUF_MAX_KEY_BYTES})`, { offset: at });
  if (!/^[\x20-\x7e]+$/.test(key)) throw new GgufError('key', `metadata key ${JSON.stringify(key)} is not printable ASCII`, { offset: at, subject: key });
}

function checkPadding(bytes: Uint8Array, from: number, to: number, what: string, subject?: string): void {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) throw new GgufError('padding', `${what} byte is ${bytes[i]}, not 0`, { offset: i, subject });
  }
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** The alignment a file declares: `general.alignment` as a uint32 power of two up to 2^20, else 32. */
function alignmentOf(metadata: ReadonlyMap<string, GgufValue>): number {
  const v = metadata.get(GGUF_ALIGNMENT_KEY);
  if (v === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (v.type !== 'u32') throw new GgufError('type', `${GGUF_ALIGNMENT_KEY} is ${v.type}, not u32`, { subject: GGUF_ALIGNMENT_KEY });
  const a = v.value;
  if (a === 0 || (a & (a - 1)) !== 0 || a > GGUF_MAX_ALIGNMENT) {
    throw new GgufError('alignment', `${GGUF_ALIGNMENT_KEY} is ${a}, not a power of two in [1, ${GGUF_MAX_ALIGNMENT}]`, { subject: GGUF_ALIGNMENT_KEY });
  }
  return a;
}

interface Info { name: string; ne: number[]; typeId: number; offset: number; byteLength: number; elements: number; at: number }

function tensorInfo(c: Cursor, index: number, seen: Set<string>): Info {
  const at = c.pos;
  const name = c.string(`name of tensor ${index}`);
  const te = new TextEncoder().encode(name).length;
  if (te === 0 || te > GGUF_MAX_NAME_BYTES) throw new GgufError('name', `tensor ${index}: name of ${te} bytes (1 to ${GGUF_MAX_NAME_BYTES})`, { offset: at, subject: name });
  if (seen.has(name)) throw new GgufError('duplicate', `tensor name ${name} appears twice`, { offset: at, subject: name });
  seen.add(name);
  const dimsAt = c.pos;
  const nDims = c.u32(`dimension count of tensor ${name}`, name);
  if (nDims > GGUF_MAX_DIMS) throw new GgufError('shape', `tensor ${name} has ${nDims} dimensions (at most ${GGUF_MAX_DIMS})`, { offset: dimsAt, subject: name });
  const ne: number[] = [];
  let elements = 1n;
  for (let j = 0; j < nDims; j++) {
    const dAt = c.pos;
    const d = c.u64(`dimension ${j} of tensor ${name}`, name);
    if (d >= 2n ** 53n) throw new GgufError('shape', `tensor ${name}: dimension ${j} is ${d}`, { offset: dAt, subject: name });
    ne.push(Number(d));
    elements *= d;
  }
  const typeAt = c.pos;
  const typeId = c.i32(`type of tensor ${name}`, name);
  const type = GGML_TYPES.get(typeId);
  if (type === undefined) throw new GgufError('type', `tensor ${name} has unknown ggml type ${typeId}`, { offset: typeAt, subject: name });
  const ne0 = ne[0] ?? 1;
  if (ne0 % type.block !== 0) {
    throw new GgufError('shape', `tensor ${name}: ne[0] = ${ne0} is not a multiple of the ${type.name} block size ${type.block}`, { offset: dimsAt, subject: name });
  }
  const bytes = (elements / BigInt(type.block)) * BigInt(type.bytes);
  if (bytes > BigInt(c.bytes.length)) {
    throw new GgufError('size', `tensor ${name} [${ne.join(', ')}] ${type.name} needs ${bytes} bytes, more than the file's ${c.bytes.length}`, { offset: dimsAt, subject: name });
  }
  const offAt = c.pos;
  const offset = c.u64(`data offset of tensor ${name}`, name);
  if (offset > BigInt(c.bytes.length)) throw new GgufError('offset', `tensor ${name}: data offset ${offset} is past the end of the file`, { offset: offAt, subject: name });
  return { name, ne, typeId, offset: Number(offset), byteLength: Number(bytes), elements: Number(elements), at: offAt };
}

function makeTensor(bytes: Uint8Array, info: Info, dataOffset: number): GgufTensor {
  const { name, ne, typeId, offset, byteLength, elements } = info;
  const type = GGML_TYPES.get(typeId)!;
  const fileOffset = dataOffset + offset;
  const raw = () => bytes.subarray(fileOffset, fileOffset + byteLength);
  return {
    name, ne: [...ne], shape: [...ne].reverse(), elements, type: type.name, typeId, offset, fileOffset, byteLength,
    bytes: raw,
    floats() {
      let out: Float32Array;
      if (typeId === GGML_TYPE_F32) {
        out = new Float32Array(elements);
        const v = new DataView(bytes.buffer, bytes.byteOffset + fileOffset, byteLength);
        for (let i = 0; i < elements; i++) out[i] = v.getFloat32(4 * i, true);
      } else if (typeId === GGML_TYPE_F16) out = decodeF16(raw(), elements);
      else if (typeId === GGML_TYPE_Q8_0) out = dequantizeQ8_0(raw(), elements);
      else throw new GgufError('type', `tensor ${name} is ${type.name}; only F32, F16 and Q8_0 can be decoded`, { offset: fileOffset, subject: name, op: 'ggufTensor' });
      for (let i = 0; i < elements; i++) {
        if (!Number.isFinite(out[i]!)) throw new GgufError('non-finite', `tensor ${name}: element ${i} (flat index) is ${out[i]}`, { offset: fileOffset, subject: name, op: 'ggufTensor' });
      }
      return out;
    },
  };
}

/** Decode a GGUF version 3 file. Throws GgufError (a ModelFormatError, op `decodeGguf`) on anything malformed. */
export function decodeGguf(input: Uint8Array): GgufFile {
  if (!(input instanceof Uint8Array)) throw new GgufError('truncated', 'input is not a Uint8Array');
  const c = new Cursor(input);
  c.need(4, 'magic');
  for (let i = 0; i < 4; i++) {
    if (input[i] !== GGUF_MAGIC[i]) throw new GgufError('magic', `bad magic ${[...input.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}, expected "GGUF"`, { offset: i });
  }
  c.pos = 4;
  const version = c.u32('version');
  if (version !== GGUF_VERSION) throw new GgufError('version', `version ${version}; only GGUF version ${GGUF_VERSION} is read`, { offset: 4 });
  const nTensors = c.count('tensor count', 0);
  const nKv = c.count('KV count', MIN_KV_BYTES);
  if (BigInt(nTensors) * BigInt(MIN_TENSOR_INFO_BYTES) > BigInt(c.left)) {
    throw new GgufError('truncated', `tensor count ${nTensors} needs at least ${nTensors * MIN_TENSOR_INFO_BYTES} bytes but the file has ${c.left} left`, { offset: 8 });
  }

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const at = c.pos;
    const key = c.string(`key of KV ${i}`);
    checkKey(key, at);
    if (metadata.has(key)) throw new GgufError('duplicate', `key ${key} appears twice`, { offset: at, subject: key });
    metadata.set(key, value(c, key));
  }
  const alignment = alignmentOf(metadata);

  const seen = new Set<string>();
  const infos: Info[] = [];
  for (let i = 0; i < nTensors; i++) infos.push(tensorInfo(c, i, seen));

  const dataOffset = alignUp(c.pos, alignment);
  if (dataOffset > input.length) throw new GgufError('truncated', `the data section starts at ${dataOffset}, past the end of the file (${input.length} bytes)`, { offset: c.pos });
  checkPadding(input, c.pos, dataOffset, 'padding before the data section');
  let end = 0;
  for (const info of infos) {
    if (info.offset !== end) throw new GgufError('offset', `tensor ${info.name}: data offset ${info.offset}, expected ${end} (where the tensors before it end)`, { offset: info.at, subject: info.name });
    const dataEnd = dataOffset + end + info.byteLength;
    const padded = dataOffset + alignUp(end + info.byteLength, alignment);
    if (padded > input.length) {
      throw new GgufError('truncated', `tensor ${info.name}: its data ends at ${padded} (padded), past the end of the file (${input.length} bytes)`, { offset: dataOffset + end, subject: info.name });
    }
    checkPadding(input, dataEnd, padded, `padding after tensor ${info.name}`, info.name);
    end = padded - dataOffset;
  }
  if (dataOffset + end !== input.length) {
    throw new GgufError('size', `the file has ${input.length} bytes but its tensors end at ${dataOffset + end}`, { offset: dataOffset + end });
  }
  const tensors = infos.map((info) => makeTensor(input, info, dataOffset));
  const byName = new Map(tensors.map((t) => [t.name, t]));
  return { version, alignment, metadata, tensors, tensor: (name) => byName.get(name), dataOffset };
}

/** The value shape of a value type. */
export type GgufValueOf<T extends GgufValueType> = T extends 'array'
  ? GgufArray
  : T extends GgufBigType
    ? { readonly type: T; readonly value: bigint }
    : T extends 'bool'
      ? { readonly type: T; readonly value: boolean }
      : T extends 'string'
        ? { readonly type: T; readonly value: string }
        : { readonly type: T; readonly value: number };

/** The metadata value of `key`, which must be present and of one of `types`; GgufError 'missing-key' or 'type' otherwise. */
export function ggufValue<T extends GgufValueType>(file: GgufFile, key: string, ...types: T[]): GgufValueOf<T> {
  const v = file.metadata.get(key);
  if (v === undefined) throw new GgufError('missing-key', `metadata key ${key} is missing`, { subject: key, op: 'ggufValue' });
  if (types.length > 0 && !(types as string[]).includes(v.type)) {
    throw new GgufError('type', `metadata key ${key} is ${v.type}, expected ${types.join(' or ')}`, { subject: key, op: 'ggufValue' });
  }
  return v as unknown as GgufValueOf<T>;
}
