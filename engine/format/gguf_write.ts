/**
 * The GGUF version 3 writer (ggml docs/gguf.md), laid out as ggml's gguf_write_out: header, KVs in
 * the order given, tensor infos, zero padding to the alignment, then each tensor's data padded with
 * zeros to the alignment, offsets counted from the data section. `general.alignment` (a u32), if
 * given, sets the alignment; otherwise 32. Tensors are F32 (stored as is) or Q8_0 (ggml's
 * quantize_row_q8_0_ref, gguf_quant.ts). Every value is checked against its type (integers in
 * range, float32 values exactly representable), so that what decodeGguf reads back is what was
 * given. Throws GgufError (op `encodeGguf`).
 */
import { f16BitsToF32, quantizeQ8_0 } from './gguf_quant.js';
import {
  GGML_TYPE_F32, GGML_TYPE_Q8_0, GGUF_ALIGNMENT_KEY, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_MAX_ALIGNMENT,
  GGUF_MAX_ARRAY_DEPTH, GGUF_MAX_DIMS, GGUF_MAX_KEY_BYTES, GGUF_MAX_NAME_BYTES, GGUF_VERSION, GgufError, QK8_0,
  VALUE_TYPE_IDS, type GgufValue,
} from './gguf_types.js';

export interface GgufTensorInput {
  readonly name: string;
  /** Row-major dimensions, outermost first (written as ne, reversed); 1 to 4 of them. */
  readonly shape: readonly number[];
  readonly type: 'F32' | 'Q8_0';
  readonly data: Float32Array;
}

export interface GgufInput {
  readonly metadata: readonly (readonly [string, GgufValue])[];
  readonly tensors: readonly GgufTensorInput[];
}

const OP = 'encodeGguf';
const fail = (kind: ConstructorParameters<typeof GgufError>[0], msg: string, subject?: string): never => {
  throw new GgufError(kind, msg, { subject, op: OP });
};

const INT_RANGE: Record<string, [number, number]> = {
  u8: [0, 255], i8: [-128, 127], u16: [0, 65535], i16: [-32768, 32767], u32: [0, 2 ** 32 - 1], i32: [-(2 ** 31), 2 ** 31 - 1],
};
const BIG_RANGE: Record<string, [bigint, bigint]> = { u64: [0n, 2n ** 64n - 1n], i64: [-(2n ** 63n), 2n ** 63n - 1n] };

class Out {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number) { const at = this.room(1); this.view.setUint8(at, v); }
  i8(v: number) { const at = this.room(1); this.view.setInt8(at, v); }
  u16(v: number) { const at = this.room(2); this.view.setUint16(at, v, true); }
  i16(v: number) { const at = this.room(2); this.view.setInt16(at, v, true); }
  u32(v: number) { const at = this.room(4); this.view.setUint32(at, v, true); }
  i32(v: number) { const at = this.room(4); this.view.setInt32(at, v, true); }
  f32(v: number) { const at = this.room(4); this.view.setFloat32(at, v, true); }
  f64(v: number) { const at = this.room(8); this.view.setFloat64(at, v, true); }
  u64(v: bigint) { const at = this.room(8); this.view.setBigUint64(at, v, true); }
  i64(v: bigint) { const at = this.room(8); this.view.setBigInt64(at, v, true); }
  raw(b: Uint8Array) { const at = this.room(b.length); this.buf.set(b, at); }
  string(s: string) {
    const b = new TextEncoder().encode(s);
    this.u64(BigInt(b.length));
    this.raw(b);
  }
  pad(alignment: number) { this.room((alignment - (this.length % alignment)) % alignment); } // new bytes are zero
  bytes(): Uint8Array { return this.buf.slice(0, this.length); }
}

function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

function writeScalar(o: Out, type: string, v: unknown, key: string): void {
  const bad = () => fail('value', `key ${key}: ${String(v)} is not a ${type} value`, key);
  switch (type) {
    case 'u8': case 'i8': case 'u16': case 'i16': case 'u32': case 'i32': {
      const [lo, hi] = INT_RANGE[type]!;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad();
      (o[type as 'u8'] as (x: number) => void).call(o, v as number);
      return;
    }
    case 'f32':
      if (typeof v !== 'number' || !Object.is(Math.fround(v), v)) bad();
      return o.f32(v as number);
    case 'f64':
      if (typeof v !== 'number') bad();
      return o.f64(v as number);
    case 'u64': case 'i64': {
      const [lo, hi] = BIG_RANGE[type]!;
      if (typeof v !== 'bigint' || v < lo || v > hi) bad();
      return type === 'u64' ? o.u64(v as bigint) : o.i64(v as bigint);
    }
    case 'bool':
      if (typeof v !== 'boolean') bad();
      return o.u8(v ? 1 : 0);
    case 'string':
      if (typeof v !== 'string') bad();
      if (!isWellFormed(v as string)) fail('utf8', `key ${key}: a string with a lone surrogate cannot be UTF-8`, key);
      return o.string(v as string);
    default:
      fail('type', `key ${key}: unknown value type ${JSON.stringify(type)}`, key);
  }
}

function writeValue(o: Out, value: GgufValue, key: string, depth: number, typed: boolean): void {
  if (value === null || typeof value !== 'object') fail('type', `key ${key}: value is not a typed value`, key);
  const id = VALUE_TYPE_IDS[value.type];
  if (id === undefined || !Object.hasOwn(VALUE_TYPE_IDS, value.type)) fail('type', `key ${key}: unknown value type ${JSON.stringify(value.type)}`, key);
  if (typed) o.i32(id);
  if (value.type !== 'array') return writeScalar(o, value.type, value.value, key);
  if (depth > GGUF_MAX_ARRAY_DEPTH) fail('depth', `key ${key}: arrays nested deeper than ${GGUF_MAX_ARRAY_DEPTH}`, key);
  const itemId = VALUE_TYPE_IDS[value.itemType];
  if (itemId === undefined || !Object.hasOwn(VALUE_TYPE_IDS, value.itemType)) fail('type', `key ${key}: unknown array element type ${JSON.stringify(value.itemType)}`, key);
  if (!Array.isArray(value.value)) fail('value', `key ${key}: array value is not an array`, key);
  o.i32(itemId);
  o.u64(BigInt(value.value.length));
  for (const item of value.value as unknown[]) {
    if (value.itemType === 'array') {
      const a = item as GgufValue;
      if (a === null || typeof a !== 'object' || a.type !== 'array') fail('type', `key ${key}: an element of an array of arrays is not an array`, key);
      writeValue(o, a, key, depth + 1, false);
    } else writeScalar(o, value.itemType, item, key);
  }
}

function checkTensor(t: GgufTensorInput, seen: Set<string>): number[] {
  const name = t?.name;
  if (typeof name !== 'string' || !isWellFormed(name)) fail('name', 'a tensor name is not a well-formed string');
  const n = new TextEncoder().encode(name).length;
  if (n === 0 || n > GGUF_MAX_NAME_BYTES) fail('name', `tensor name ${JSON.stringify(name)} has ${n} bytes (1 to ${GGUF_MAX_NAME_BYTES})`, name);
  if (seen.has(name)) fail('duplicate', `tensor name ${name} given twice`, name);
  seen.add(name);
  const shape = t.shape;
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > GGUF_MAX_DIMS || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('shape', `tensor ${name}: shape ${JSON.stringify(shape)} is not 1 to ${GGUF_MAX_DIMS} non-negative integers`, name);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (!(t.data instanceof Float32Array) || t.data.length !== count) fail('shape', `tensor ${name}: data is not a Float32Array of ${count} elements`, name);
  if (t.type !== 'F32' && t.type !== 'Q8_0') fail('type', `tensor ${name}: type ${JSON.stringify(t.type)} cannot be written (F32 or Q8_0)`, name);
  if (t.type === 'Q8_0' && shape[shape.length - 1]! % QK8_0 !== 0) {
    fail('shape', `tensor ${name}: Q8_0 needs the innermost dimension (ne[0]) a multiple of ${QK8_0}, not ${shape[shape.length - 1]}`, name);
  }
  for (let i = 0; i < count; i++) if (!Number.isFinite(t.data[i]!)) fail('non-finite', `tensor ${name}: element ${i} (flat index) is ${t.data[i]}`, name);
  return [...shape].reverse();
}

function tensorBytes(t: GgufTensorInput): Uint8Array {
  if (t.type === 'F32') {
    const b = new Uint8Array(t.data.length * 4);
    const v = new DataView(b.buffer);
    t.data.forEach((x, i) => v.setFloat32(4 * i, x, true));
    return b;
  }
  const { bytes, scales } = quantizeQ8_0(t.data);
  scales.forEach((s, b) => {
    if (!Number.isFinite(f16BitsToF32(s))) fail('range', `tensor ${t.name}: block ${b}'s scale max|x|/127 overflows float16 (|x| up to 8.3e6 fits)`, t.name);
  });
  return bytes;
}

/** The GGUF version 3 bytes of metadata and tensors. */
export function encodeGguf(input: GgufInput): Uint8Array {
  if (input === null || typeof input !== 'object' || !Array.isArray(input.metadata) || !Array.isArray(input.tensors)) {
    fail('value', 'input needs metadata and tensors arrays');
  }
  const keys = new Set<string>();
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  for (const entry of input.metadata) {
    const [key, value] = Array.isArray(entry) ? entry : [undefined, undefined];
    if (typeof key !== 'string' || key.length === 0 || key.length > GGUF_MAX_KEY_BYTES || !/^[\x20-\x7e]+$/.test(key)) {
      fail('key', `metadata key ${JSON.stringify(key)} is not 1 to ${GGUF_MAX_KEY_BYTES} printable ASCII characters`);
    }
    if (keys.has(key!)) fail('duplicate', `metadata key ${key} given twice`, key);
    keys.add(key!);
    if (key === GGUF_ALIGNMENT_KEY) {
      if (value?.type !== 'u32') fail('type', `${GGUF_ALIGNMENT_KEY} must be u32`, key);
      const a = value!.value as number;
      if (!Number.isInteger(a) || a < 1 || a > GGUF_MAX_ALIGNMENT || (a & (a - 1)) !== 0) fail('alignment', `${GGUF_ALIGNMENT_KEY} ${a} is not a power of two in [1, ${GGUF_MAX_ALIGNMENT}]`, key);
      alignment = a;
    }
  }
  const seen = new Set<string>();
  const nes = input.tensors.map((t) => checkTensor(t, seen));
  const datas = input.tensors.map(tensorBytes);

  const o = new Out();
  for (const b of GGUF_MAGIC) o.u8(b);
  o.u32(GGUF_VERSION);
  o.u64(BigInt(input.tensors.length));
  o.u64(BigInt(input.metadata.length));
  for (const [key, value] of input.metadata) {
    o.string(key);
    writeValue(o, value, key, 1, true);
  }
  let offset = 0;
  input.tensors.forEach((t, i) => {
    o.string(t.name);
    o.u32(nes[i]!.length);
    for (const d of nes[i]!) o.u64(BigInt(d));
    o.i32(t.type === 'F32' ? GGML_TYPE_F32 : GGML_TYPE_Q8_0);
    o.u64(BigInt(offset));
    offset += Math.ceil(datas[i]!.length / alignment) * alignment;
  });
  o.pad(alignment);
  for (const d of datas) {
    o.raw(d);
    o.pad(alignment);
  }
  return o.bytes();
}
