/**
 * Linear (engine/NUMERICS.md §5.1) as a backend's own MatMul kernel, its Requantize kernel on the
 * int32 product, and its Add kernel onto the residual if there is one: the op's definition, word
 * for word, for a backend with no fused kernel (cpu, the reference, among them). The
 * intermediates live only between the calls.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { LinearAttrs } from '../../engine/ops/linear.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { Tensor } from '../../engine/tensor.js';

type NoAttrs = Record<string, never>;

export function linearByParts(matmul: KernelFunc<MatMulAttrs>, requantize: KernelFunc<RequantizeAttrs>, add: KernelFunc<NoAttrs>): KernelFunc<LinearAttrs> {
  return ({ backend, inputs, attrs, out }) => {
    const operands = attrs.hasResidual ? inputs.slice(0, -1) : inputs;
    const productOut = { shape: out.shape, dtype: 'int32' as const, size: out.size };
    const product = new Tensor(backend, matmul({ backend, inputs: operands, attrs: attrs.matmul, out: productOut }), 'int32', out.shape);
    let scaled: Tensor | undefined;
    try {
      const scaledStorage = requantize({ backend, inputs: [product], attrs: attrs.requantize, out });
      if (!attrs.hasResidual) return scaledStorage;
      scaled = new Tensor(backend, scaledStorage, out.dtype, out.shape);
      return add({ backend, inputs: [inputs[inputs.length - 1]!, scaled], attrs: {}, out });
    } finally {
      product.dispose();
      scaled?.dispose();
    }
  };
}
