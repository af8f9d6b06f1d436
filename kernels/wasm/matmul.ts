/**
 * matmul (engine/NUMERICS.md §5) on the module's SIMD kernel (assembly/matmul.ts), which reads B
 * as [N, K] rows. A [K, N] B is transposed into a block kept with its storage, so a weight is
 * packed once, on first use, and freed with it. With threads, the rows of A are split across
 * them (threads.ts): each output row is a function of its own A row, B and the bias only, so any
 * split writes the same bytes.
 */
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { Tensor } from '../../engine/tensor.js';
import { addr, width, type WasmBackend, type WasmStorage } from './backend.js';

function rowsOfB(be: WasmBackend, b: Tensor, batches: number, k: number, n: number): number {
  const s = b.storage as WasmStorage;
  if (!s.transposed) {
    s.transposed = be.heap.alloc(batches * k * n);
    be.wasm.transposeB(s.block.ptr, s.transposed.ptr, batches, k, n);
  }
  return s.transposed.ptr;
}

export const matmulKernel: KernelFunc<MatMulAttrs> = ({ backend, inputs, attrs, out }) => {
  const be = backend as WasmBackend;
  const { batch, m, k, n, bBatched, transposeB, hasBias } = attrs;
  const [a, b, bias] = inputs as [Tensor, Tensor, Tensor?];
  const c = be.allocate(out.size * 4);
  const bt = transposeB ? addr(b) : rowsOfB(be, b, bBatched ? batch : 1, k, n);
  const args = [addr(a), width(a.dtype), bt, hasBias ? addr(bias!) : 0, c.block.ptr, batch, m, k, n, bBatched ? 1 : 0];
  if (be.pool) be.pool.splitRows(be.wasm, 'matmul', args, m);
  else be.wasm.matmul(...(args as [number, number, number, number, number, number, number, number, number, number]), 0, m);
  return c;
};
