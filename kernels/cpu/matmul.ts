/**
 * Reference int8/int16 × int8 → int32 matmul (engine/NUMERICS.md §5).
 *
 * Products are at most 2^15·2^7 = 2^22 and are summed in a JS number, exact while
 * K·2^22 + |bias| < 2^53 (tensors of over 4 GiB would be needed to break it); `| 0` then wraps
 * the exact sum to 32 bits as the spec defines.
 */
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { hostData } from '../shared/host_storage.js';

export const matmulKernel: KernelFunc<MatMulAttrs> = ({ inputs, attrs, out }) => {
  const { batch, m, k, n, bBatched, transposeB, hasBias } = attrs;
  const a = hostData(inputs[0]!);
  const b = hostData(inputs[1]!);
  const bias = hasBias ? hostData(inputs[2]!) : undefined;
  const c = new Int32Array(out.size);
  const acc = new Float64Array(n);
  for (let p = 0; p < batch; p++) {
    const aBase = p * m * k;
    const bBase = bBatched ? p * k * n : 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) acc[j] = bias ? bias[j]! : 0;
      for (let q = 0; q < k; q++) {
        const av = a[aBase + i * k + q]!;
        if (av === 0) continue;
        if (transposeB) {
          for (let j = 0; j < n; j++) acc[j]! += av * b[bBase + j * k + q]!;
        } else {
          const row = bBase + q * n;
          for (let j = 0; j < n; j++) acc[j]! += av * b[row + j]!;
        }
      }
      const cRow = (p * m + i) * n;
      for (let j = 0; j < n; j++) c[cRow + j] = acc[j]! | 0;
    }
  }
  return c;
};
