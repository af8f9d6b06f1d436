/**
 * The golden vectors as data (engine/NUMERICS.md §18.2): for every conformance case, the op, its
 * attributes, its input tensors and the cpu reference's output, in test/golden/cases.json. The
 * hashes in golden.json pin the reference for this repository; cases.json lets an implementation
 * in any language run the same inputs and compare its bytes without running TypeScript.
 *
 * Layout (one case per line, sorted by name like golden.json):
 *   { numericsVersion, layout, note, count, cases: [ { name, op, kind, attrs, inputs, output } ] }
 * A tensor is { dtype, shape, values } with the integers inline when it has at most INLINE_MAX
 * elements, else { dtype, shape, zlib }: base64 (RFC 4648, with padding) of the zlib stream
 * (RFC 1950) of its elements in row-major order, little-endian two's complement, 1, 2 or 4 bytes
 * each (the canonical bytes of §2.1 without the dtype/rank/dimension header). The output carries
 * `sha256` as well: the SHA-256 of its canonical bytes, which golden.json pins.
 * Attributes are the case's own (test/conformance/cases.ts) with three encodings: a dyadic is
 * {multiplier, shift}; `seed` and `step` are decimal strings (they reach 2^64 − 1); quantize's
 * float `values` are IEEE-754 binary64 bit patterns, 16 lowercase hex digits each (so −0 and
 * every last bit survive); sample's optional topK/topP are written out (0 and 65536 when absent).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { DTYPE_BYTES, TOP_P_ONE, allocate, bytesToHex, canonicalBytes, hashData, isDType, shapeSize, type DType } from '../../lib/index.js';
import type { Case, CaseKind, OpName, TensorData } from '../conformance/cases.js';
import { numericsVersion } from './vectors.js';

export const CASES_PATH = fileURLToPath(new URL('./cases.json', import.meta.url));

/** Tensors with at most this many elements are written as a JSON integer array. */
export const INLINE_MAX = 256;

export interface TensorJson {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The elements, row-major, when there are at most INLINE_MAX of them. */
  readonly values?: readonly number[];
  /** Otherwise: base64 of the zlib stream of the little-endian element bytes. */
  readonly zlib?: string;
}

export interface OutputJson extends TensorJson {
  /** SHA-256 of the canonical bytes (engine/hash.ts), lowercase hex: golden.json's outputHash. */
  readonly sha256: string;
}

export interface CaseJson {
  readonly name: string;
  readonly op: OpName;
  readonly kind: CaseKind;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly inputs: readonly TensorJson[];
  readonly output: OutputJson;
}

export interface CasesFile {
  readonly numericsVersion: string;
  readonly layout: string;
  readonly note: string;
  readonly count: number;
  readonly cases: readonly CaseJson[];
}

// ---------------------------------------------------------------------------------------------
// Tensors
// ---------------------------------------------------------------------------------------------

/** The little-endian element bytes: canonical bytes (§2.1) without the dtype/rank/dims header. */
function elementBytes(t: TensorData): Uint8Array {
  return canonicalBytes(t.dtype, t.shape, t.data).subarray(2 + 4 * t.shape.length);
}

export function encodeTensor(t: TensorData): TensorJson {
  const head = { dtype: t.dtype, shape: [...t.shape] };
  if (t.data.length <= INLINE_MAX) return { ...head, values: Array.from(t.data) };
  return { ...head, zlib: deflateSync(elementBytes(t), { level: 9 }).toString('base64') };
}

export function encodeOutput(t: TensorData): OutputJson {
  return { ...encodeTensor(t), sha256: bytesToHex(hashData(t.dtype, t.shape, t.data)) };
}

export function decodeTensor(j: TensorJson, where: string): TensorData {
  if (!isDType(j.dtype)) throw new Error(`${where}: unknown dtype ${JSON.stringify(j.dtype)}`);
  if (!Array.isArray(j.shape) || !j.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${where}: malformed shape`);
  const size = shapeSize(j.shape);
  const data = allocate(j.dtype, size);
  if (j.values !== undefined && j.zlib === undefined) {
    if (j.values.length !== size) throw new Error(`${where}: ${j.values.length} values for shape [${j.shape.join(', ')}]`);
    j.values.forEach((v, i) => (data[i] = v));
    // A typed array wraps silently; read every value back to catch one outside the dtype.
    if (!j.values.every((v, i) => data[i] === v)) throw new Error(`${where}: a value is not ${j.dtype}`);
  } else if (j.zlib !== undefined && j.values === undefined) {
    const bytes = inflateSync(Buffer.from(j.zlib, 'base64'));
    const width = DTYPE_BYTES[j.dtype];
    if (bytes.length !== size * width) throw new Error(`${where}: ${bytes.length} bytes for ${size} ${j.dtype} elements`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < size; i++) data[i] = width === 1 ? view.getInt8(i) : width === 2 ? view.getInt16(2 * i, true) : view.getInt32(4 * i, true);
  } else {
    throw new Error(`${where}: a tensor has exactly one of "values" and "zlib"`);
  }
  return { dtype: j.dtype, shape: [...j.shape], data };
}

// ---------------------------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------------------------

/** IEEE-754 binary64 bit pattern of x, 16 lowercase hex digits, most significant first. */
export function f64Hex(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

export function hexF64(h: string): number {
  if (!/^[0-9a-f]{16}$/.test(h)) throw new Error(`not a binary64 bit pattern: ${JSON.stringify(h)}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${h}`));
  return view.getFloat64(0);
}

export function encodeAttrs(c: Case): Record<string, unknown> {
  switch (c.op) {
    case 'quantize':
      return { ...c.attrs, values: c.attrs.values.map(f64Hex) };
    case 'sample':
      return { ...c.attrs, seed: String(c.attrs.seed), step: String(c.attrs.step), topK: c.attrs.topK ?? 0, topP: c.attrs.topP ?? TOP_P_ONE };
    case 'lmHead':
      return { ...c.attrs, seed: String(c.attrs.seed), step: String(c.attrs.step) };
    default:
      return { ...c.attrs };
  }
}

function decodeAttrs(op: OpName, a: Readonly<Record<string, unknown>>): Case['attrs'] {
  const u64 = (v: unknown) => {
    if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new Error(`seed/step must be a decimal string, got ${JSON.stringify(v)}`);
    return BigInt(v);
  };
  switch (op) {
    case 'quantize':
      return { ...a, values: (a.values as string[]).map(hexF64) } as Case['attrs'];
    case 'sample':
    case 'lmHead':
      return { ...a, seed: u64(a.seed), step: u64(a.step) } as Case['attrs'];
    default:
      return a as Case['attrs'];
  }
}

// ---------------------------------------------------------------------------------------------
// Cases and the file
// ---------------------------------------------------------------------------------------------

export function encodeCase(c: Case, output: TensorData): CaseJson {
  return { name: c.name, op: c.op, kind: c.kind, attrs: encodeAttrs(c), inputs: c.inputs.map(encodeTensor), output: encodeOutput(output) };
}

/** A case of cases.json as test/conformance/cases.ts's runCase takes it, and its expected output. */
export function decodeCase(j: CaseJson): { c: Case; expected: TensorData } {
  const inputs = j.inputs.map((t, i) => decodeTensor(t, `${j.name} input ${i}`));
  const c = { name: j.name, op: j.op, kind: j.kind, inputs, attrs: decodeAttrs(j.op, j.attrs) } as Case;
  return { c, expected: decodeTensor(j.output, `${j.name} output`) };
}

const LAYOUT =
  'engine/NUMERICS.md §18.2. A tensor is {dtype, shape, values: [integers, row-major]} (at most 256 elements) or {dtype, shape, zlib}: ' +
  "base64 of the zlib (RFC 1950) stream of the row-major elements as little-endian two's complement of 1, 2 or 4 bytes. " +
  'output.sha256 = SHA-256 of the canonical bytes (§2.1). attrs: dyadic = {multiplier, shift}; seed, step = decimal strings; ' +
  'quantize values = IEEE-754 binary64 bit patterns in 16 hex digits.';

/** cases.json text: a header, then one case per line, in `cases`' order (sorted by name). */
export function formatCases(cases: readonly CaseJson[]): string {
  const header = {
    numericsVersion: numericsVersion(),
    layout: LAYOUT,
    note:
      "Inputs, attributes and cpu reference outputs of every case in test/conformance/cases.ts, sorted by name; the output hashes are golden.json's. " +
      'Generated by test/golden/generate.ts (`npm run golden:update`) only for a deliberate numerics change.',
    count: cases.length,
  };
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  return `${head},\n  "cases": [\n${cases.map((c) => '    ' + JSON.stringify(c)).join(',\n')}\n  ]\n}\n`;
}

export function readCases(path = CASES_PATH): CasesFile {
  const f = JSON.parse(readFileSync(path, 'utf8')) as Partial<CasesFile>;
  if (typeof f.numericsVersion !== 'string' || !Array.isArray(f.cases) || f.count !== f.cases.length) {
    throw new Error(`${path} is malformed (expected numericsVersion, count and cases)`);
  }
  return f as CasesFile;
}
