/**
 * Linear (engine/NUMERICS.md §5.1) as a backend's own MatMul kernel and then its Requantize
 * kernel on the int32 product: the op's definition, word for word, for a backend with no fused
 * kernel (cpu, the reference, among them). The product lives only between the two calls.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { LinearAttrs } from '../../engine/ops/linear.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { Tensor } from '../../engine/tensor.js';

export function linearByParts(matmul: KernelFunc<MatMulAttrs>, requantize: KernelFunc<RequantizeAttrs>): KernelFunc<LinearAttrs> {
  return ({ backend, inputs, attrs, out }) => {
    const productOut = { shape: out.shape, dtype: 'int32' as const, size: out.size };
    const product = new Tensor(backend, matmul({ backend, inputs, attrs: attrs.matmul, out: productOut }), 'int32', out.shape);
    try {
      return requantize({ backend, inputs: [product], attrs: attrs.requantize, out });
    } finally {
      product.dispose();
    }
  };
}
