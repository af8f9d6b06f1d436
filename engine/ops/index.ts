/** The op API: every op validates its input and dispatches to the tensor's backend. */
export { quantize, quantizeValues, dequantize, dequantizeValues, roundHalfAway } from './edge.js';
export { matmul, type MatMulOptions } from './matmul.js';
export { requantize } from './requantize.js';
export { linear, type LinearOptions } from './linear.js';
export { add, mul, relu, cast, isqrt } from './elementwise.js';
export { lut } from './lut.js';
export { expNeg, softmax, causalMask, MAX_SOFTMAX_LENGTH } from './softmax.js';
export { layerNorm, rmsNorm, MAX_NORM_LENGTH, type NormOptions } from './norm.js';
export { gather, rope } from './gather.js';
export { argmax, sample, MAX_VOCAB, TOP_P_ONE, type SampleOptions } from './sample.js';
export { reshape, transpose, slice, concat } from './layout.js';
