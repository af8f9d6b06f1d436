/**
 * GGUF version 3: the value types, the ggml tensor types and the typed error shared by the
 * reader (gguf_read.ts) and the writer (gguf_write.ts).
 *
 * Spec: ggml docs/gguf.md (ggml-org/ggml); where the spec is silent, ggml's own reader and writer
 * (src/gguf.cpp) decide: value and tensor type ids are int32 on disk, tensor names are shorter than
 * GGML_MAX_NAME (64) bytes, at most GGML_MAX_DIMS (4) dimensions, ne[0] (the fastest-varying
 * dimension, written first) a multiple of the type's block size, `general.alignment` a uint32 power
 * of two up to 1 MiB (default 32), tensor data laid out in order, each tensor padded with zeros to
 * the alignment. No Node imports: bytes in, bytes out.
 */
import { ModelFormatError } from '../errors.js';

export const GGUF_MAGIC: readonly number[] = [0x47, 0x47, 0x55, 0x46]; // "GGUF"
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
export const GGUF_MAX_ALIGNMENT = 1 << 20;
export const GGUF_ALIGNMENT_KEY = 'general.alignment';
/** Tensor names are at most 63 bytes (GGML_MAX_NAME 64 with its terminating NUL). */
export const GGUF_MAX_NAME_BYTES = 63;
export const GGUF_MAX_DIMS = 4;
/** Keys are at most 65535 bytes (docs/gguf.md, gguf_metadata_kv_t). */
export const GGUF_MAX_KEY_BYTES = 65535;
/** Nested arrays deeper than this are refused (a recursion bound; real files nest at most once). */
export const GGUF_MAX_ARRAY_DEPTH = 16;

/** Why a GGUF file was refused (or could not be written). */
export type GgufErrorKind =
  | 'magic' // the first four bytes are not "GGUF"
  | 'version' // not version 3
  | 'truncated' // the file ends before what its counts and lengths say (also: counts too large for the file)
  | 'type' // an unknown value type or ggml tensor type, a key of the wrong type, or a tensor type that cannot be decoded
  | 'value' // a value that its type does not allow (a bool byte other than 0/1; a number out of range when writing)
  | 'key' // a metadata key that is empty, not printable ASCII or too long
  | 'name' // a tensor name that is empty or longer than 63 bytes
  | 'shape' // too many dimensions, a dimension not a multiple of the block size, too many elements
  | 'alignment' // general.alignment not a power of two in [1, 2^20]
  | 'offset' // a tensor's data offset is not where the tensors before it end
  | 'size' // the file's length is not where the last tensor's padded data ends
  | 'padding' // a padding byte that is not zero
  | 'duplicate' // a key or a tensor name given twice
  | 'missing-key' // a key the caller requires is absent
  | 'utf8' // a string that is not well-formed UTF-8
  | 'depth' // arrays nested deeper than GGUF_MAX_ARRAY_DEPTH
  | 'non-finite' // a tensor element that is NaN or ±Infinity (decoding floats, or writing)
  | 'range' // a Q8_0 block scale that does not fit in float16 (writing)
  | 'unsupported' // a well-formed file of a model spml does not run (another architecture or tokenizer)
  | 'inconsistent'; // tensors whose shapes disagree with the metadata or with each other

/** A malformed GGUF file, or a model that cannot be written as one. `offset` is the byte position when known. */
export class GgufError extends ModelFormatError {
  readonly kind: GgufErrorKind;
  /** The metadata key or tensor name the error is about, if any. */
  readonly subject?: string;

  constructor(kind: GgufErrorKind, message: string, options: { offset?: number; subject?: string; op?: string } = {}) {
    super(message, options.offset, options.op ?? 'decodeGguf');
    this.kind = kind;
    this.subject = options.subject;
  }
}

// ---------------------------------------------------------------------------------------------
// Metadata values (gguf_metadata_value_type)

export type GgufNumberType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64';
export type GgufBigType = 'u64' | 'i64';
export type GgufScalarType = GgufNumberType | GgufBigType | 'bool' | 'string';
export type GgufValueType = GgufScalarType | 'array';

/** An array value: its element type and elements (nested arrays carry their own element type). */
export type GgufArray =
  | { readonly type: 'array'; readonly itemType: GgufNumberType; readonly value: readonly number[] }
  | { readonly type: 'array'; readonly itemType: GgufBigType; readonly value: readonly bigint[] }
  | { readonly type: 'array'; readonly itemType: 'bool'; readonly value: readonly boolean[] }
  | { readonly type: 'array'; readonly itemType: 'string'; readonly value: readonly string[] }
  | { readonly type: 'array'; readonly itemType: 'array'; readonly value: readonly GgufArray[] };

/** A typed metadata value; 64-bit integers are bigints, float32 values are exactly representable. */
export type GgufValue =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigType; readonly value: bigint }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | GgufArray;

/** Value type ids, in gguf_metadata_value_type order. */
export const VALUE_TYPE_IDS: Readonly<Record<GgufValueType, number>> = {
  u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10, i64: 11, f64: 12,
};
export const VALUE_TYPES: readonly GgufValueType[] = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'];

/** Bytes of one fixed-size value; strings and arrays are variable (their minimum is in MIN_BYTES). */
export const FIXED_BYTES: Readonly<Partial<Record<GgufValueType, number>>> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8,
};
/** The fewest bytes one value of a type takes: a string its uint64 length, an array its uint32 type and uint64 count. */
export const MIN_BYTES: Readonly<Record<GgufValueType, number>> = { ...(FIXED_BYTES as Record<GgufScalarType, number>), string: 8, array: 12 };

// ---------------------------------------------------------------------------------------------
// ggml tensor types (ggml.h enum ggml_type; block sizes from ggml-common.h)

export interface GgmlTypeInfo {
  readonly name: string;
  /** Elements per block. */
  readonly block: number;
  /** Bytes per block. */
  readonly bytes: number;
}

/** Every type id a GGUF file may hold (ids 4, 5, 31-33 and 36-38 were removed from ggml). */
export const GGML_TYPES: ReadonlyMap<number, GgmlTypeInfo> = new Map(
  (
    [
      [0, 'F32', 1, 4], [1, 'F16', 1, 2], [2, 'Q4_0', 32, 18], [3, 'Q4_1', 32, 20], [6, 'Q5_0', 32, 22],
      [7, 'Q5_1', 32, 24], [8, 'Q8_0', 32, 34], [9, 'Q8_1', 32, 36], [10, 'Q2_K', 256, 84], [11, 'Q3_K', 256, 110],
      [12, 'Q4_K', 256, 144], [13, 'Q5_K', 256, 176], [14, 'Q6_K', 256, 210], [15, 'Q8_K', 256, 292],
      [16, 'IQ2_XXS', 256, 66], [17, 'IQ2_XS', 256, 74], [18, 'IQ3_XXS', 256, 98], [19, 'IQ1_S', 256, 50],
      [20, 'IQ4_NL', 32, 18], [21, 'IQ3_S', 256, 110], [22, 'IQ2_S', 256, 82], [23, 'IQ4_XS', 256, 136],
      [24, 'I8', 1, 1], [25, 'I16', 1, 2], [26, 'I32', 1, 4], [27, 'I64', 1, 8], [28, 'F64', 1, 8],
      [29, 'IQ1_M', 256, 56], [30, 'BF16', 1, 2], [34, 'TQ1_0', 256, 54], [35, 'TQ2_0', 256, 66], [39, 'MXFP4', 32, 17],
    ] as const
  ).map(([id, name, block, bytes]) => [id, { name, block, bytes }]),
);

export const GGML_TYPE_F32 = 0;
export const GGML_TYPE_F16 = 1;
export const GGML_TYPE_Q8_0 = 8;
/** Q8_0: blocks of 32 int8 with one float16 scale. */
export const QK8_0 = 32;

/** One tensor of a decoded file. */
export interface GgufTensor {
  readonly name: string;
  /** Dimensions as GGUF stores them: ne[0] first, the fastest-varying. */
  readonly ne: readonly number[];
  /** Row-major dimensions, outermost first (ne reversed), as spml's tensors use. */
  readonly shape: readonly number[];
  readonly elements: number;
  /** The ggml type's name ('F32', 'F16', 'Q8_0', 'Q4_K', ...) and id. */
  readonly type: string;
  readonly typeId: number;
  /** Offset of the data from the start of the data section, and from the start of the file. */
  readonly offset: number;
  readonly fileOffset: number;
  readonly byteLength: number;
  /** The raw bytes (a view into the file). */
  bytes(): Uint8Array;
  /**
   * The elements as float32, row-major: F32 as stored, F16 converted exactly, Q8_0 as d·q
   * (ggml's dequantize_row_q8_0). Throws GgufError 'type' for other ggml types and
   * 'non-finite' for NaN or ±Infinity.
   */
  floats(): Float32Array;
}

/** A decoded GGUF file. */
export interface GgufFile {
  readonly version: number;
  readonly alignment: number;
  /** Keys in file order. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** Tensors in file order. */
  readonly tensors: readonly GgufTensor[];
  readonly tensor: (name: string) => GgufTensor | undefined;
  /** Where the data section starts in the file. */
  readonly dataOffset: number;
}
