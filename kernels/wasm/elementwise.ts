/**
 * requantize (§4), add, mul, relu, cast, isqrt (§6) and lut (§7) on the module's kernels
 * (assembly/elementwise.ts). Per-channel scales travel as a small int32 block.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import type { Tensor } from '../../engine/tensor.js';
import { addr, width, type WasmBackend } from './backend.js';

/** Run `use` with `words` copied into linear memory, then free them. */
export function withWords<T>(be: WasmBackend, words: Int32Array, use: (ptr: number) => T): T {
  const s = be.upload('int32', words);
  try {
    return use(s.block.ptr);
  } finally {
    be.dispose(s);
  }
}

/**
 * A model's scale lists reach the kernel as the same attrs on every pass (`reused`: the op layer
 * validates a frozen list once): their words are uploaded once and kept, per backend, for the
 * backend's life. Other scales are uploaded for the call and freed.
 */
const keptScales = new WeakMap<WasmBackend, WeakMap<Int32Array, number>>();

function scaleWords(be: WasmBackend, attrs: RequantizeAttrs, use: (ptr: number) => void): void {
  const channels = attrs.multipliers.length;
  const params = () => {
    const words = new Int32Array(2 * channels);
    words.set(attrs.multipliers, 0);
    words.set(attrs.shifts, channels);
    return words;
  };
  if (!attrs.reused) return void withWords(be, params(), use);
  let kept = keptScales.get(be);
  if (!kept) keptScales.set(be, (kept = new WeakMap()));
  let ptr = kept.get(attrs.multipliers);
  if (ptr === undefined) kept.set(attrs.multipliers, (ptr = be.upload('int32', params()).block.ptr));
  use(ptr);
}

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const x = inputs[0]!;
  const y = be.allocate(out.size * width(out.dtype));
  const channels = attrs.multipliers.length;
  scaleWords(be, attrs, (p) => be.wasm.requantize(addr(x), width(x.dtype), y.block.ptr, width(out.dtype), out.size, p, p + 4 * channels, channels));
  return y;
};

const binary =
  (op: number): KernelFunc =>
  ({ backend, inputs, out }) => {
    const be = backend as WasmBackend;
    const [a, b] = inputs as [Tensor, Tensor];
    const y = be.allocate(out.size * width(out.dtype));
    be.wasm.binary(op, addr(a), addr(b), width(a.dtype), y.block.ptr, width(out.dtype), out.size, b.size);
    return y;
  };

const unary =
  (op: number): KernelFunc =>
  ({ backend, inputs, out }) => {
    const be = backend as WasmBackend;
    const x = inputs[0]!;
    const y = be.allocate(out.size * width(out.dtype));
    be.wasm.unary(op, addr(x), width(x.dtype), y.block.ptr, width(out.dtype), out.size);
    return y;
  };

export const addKernel = binary(0);
export const mulKernel = binary(1);
export const reluKernel = unary(0);
export const castKernel = unary(1);
export const isqrtKernel = unary(2);

export const lutKernel: KernelFunc = ({ backend, inputs, out }) => {
  const be = backend as WasmBackend;
  const [x, table] = inputs as [Tensor, Tensor];
  const y = be.allocate(out.size * width(out.dtype));
  be.wasm.lut(addr(x), addr(table), y.block.ptr, width(out.dtype), out.size);
  return y;
};
