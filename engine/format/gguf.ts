/**
 * GGUF version 3 (ggml docs/gguf.md): the reader, the writer and their types, in one import.
 * decodeGguf(bytes) → { metadata, tensors (shape, floats()) }; encodeGguf({ metadata, tensors }) → bytes.
 */
export { decodeGguf, ggufValue } from './gguf_read.js';
export { encodeGguf, type GgufInput, type GgufTensorInput } from './gguf_write.js';
export { f16BitsToF32, f32ToF16Bits, quantizeQ8_0, dequantizeQ8_0 } from './gguf_quant.js';
export {
  GgufError, GGML_TYPES, GGUF_VERSION, GGUF_DEFAULT_ALIGNMENT,
  type GgufErrorKind, type GgufFile, type GgufTensor, type GgufValue, type GgufArray, type GgufValueType,
} from './gguf_types.js';
