/**
 * requantize (§4) on the module's kernel (assembly/elementwise.ts, exact in u64). Per-channel
 * scales travel as a block of int32 words.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { addr, width, withWords, type WasmBackend } from './backend.js';

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
