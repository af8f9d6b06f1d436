/** The spml WebAssembly module: every kernel export (engine/NUMERICS.md), and where the heap starts. */
export { matmul, transposeB } from './matmul';
export { requantize, binary, unary, lut } from './elementwise';
export { stridedCopy, rope } from './layout';
export { norm } from './norm';
export { argmax, sample } from './sample';
export { expNeg, softmax, causalMask } from './softmax';

/** The first byte after the module's static data: the JS heap (kernels/wasm/heap.ts) starts here. */
export function heapBase(): usize {
  return __heap_base;
}
