/**
 * gpu.js Linear (engine/NUMERICS.md §5.1, §16.2): matmul.ts's passes with requantize (§4) and
 * the residual add (§6.1) done by its last one, so the int32 product never leaves the thread that
 * folded it. A projection takes the matmul's runs (pack A, chunk sums, fold) and nothing more,
 * instead of two more for requantize and add.
 *
 * The fold cannot also hold the chunk sums: one thread per element looping over all of K would
 * meet llvmpipe's per-invocation loop limit and matmul's chunking (§16.3), so the chunk sums
 * stay a pass of their own, and requantize and add join the fold, which already has the whole
 * int32 sum of one element in its limbs (hi, lo).
 *
 * A product too large for one tile is read back tile by tile in matmul.ts; there Linear runs
 * the MatMul, Requantize and Add kernels in turn (kernels/shared/linear_by_parts.ts), the same
 * bits by §5.1's definition.
 */
import { DTYPE_MAX, DTYPE_MIN } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { LinearAttrs } from '../../engine/ops/linear.js';
import { linearByParts } from '../shared/linear_by_parts.js';
import { gpujs, type KernelSource } from './backend.js';
import { addKernel } from './elementwise.js';
import { LIMB_FUNCTIONS, R_FUNCTIONS } from './fixed_point.js';
import { FOLD_BODY, FOLD_FUNCTIONS, MAX_CHUNKS, matmulKernel, matmulTiles } from './matmul.js';
import { requantizeKernel, requantizeLines, scaleWords } from './requantize.js';

// FOLD_BODY leaves (hi, lo), the wrapped int32 sum of element e = row·width + j in limbs, and
// `wantLo` for the second half of an int32 output's threads; j is also the channel of a
// per-channel scale. Then requantize's lines (requantize.ts) and add's (elementwise.ts):
// Bound (§16.1): hi ∈ [−2^15, 2^15), lo ∈ [0, 2^16) after the fold (its own bound, matmul.ts);
// |product| as 16-bit words by absHi/absLo; R's own bound (fixed_point.ts) with min(R, 2^24) for
// narrow outputs, |r| ≤ 2^24; after the clamp |r| ≤ 2^15 and the residual |res| ≤ 2^15, so
// |r + res| ≤ 2^16; int32: saturated limbs plus the residual's, l < 2^17, |h| ≤ 2^16 + 1.
const LINES = requantizeLines('hi', 'lo', 'ch');

const LINEAR: KernelSource = {
  name: 'linear.foldRequantize',
  source: `function (p, bias, size, width, chunks, parts, hasBias, mh, ml, nn, channels, wide, mn, mx, res, hasRes) {${FOLD_BODY}
  let ch = 0;
  if (channels > 1.5) { ch = j; }
  if (wide < 0.5) {${LINES.narrow}
    if (hasRes > 0.5) { r = Math.min(Math.max(r + res[e], mn), mx); }
    return r;
  }${LINES.wide}
  if (hasRes < 0.5) {
    if (wantLo > 0.5) { return ql; }
    return qh;
  }
  let sumL = ql + res[size + e];
  const up = Math.floor(sumL * 0.0000152587890625);
  sumL = sumL - up * 65536;
  const sumH = qh + res[e] + up;
  if (wantLo > 0.5) { return satLo(sumH, sumL); }
  return satHi(sumH, sumL);
}`,
  functions: [...FOLD_FUNCTIONS, ...R_FUNCTIONS, ...LIMB_FUNCTIONS],
  loopMax: MAX_CHUNKS,
};

const byParts = linearByParts(matmulKernel, requantizeKernel, addKernel);

export const linearKernel: KernelFunc<LinearAttrs> = (call) => {
  const { backend, inputs, attrs, out } = call;
  const g = gpujs(backend);
  if (out.size === 0) return g.result('linear', new Float32Array(0), out.dtype, 0);
  const operands = attrs.hasResidual ? inputs.slice(0, -1) : inputs;
  const mm = attrs.matmul;
  const tiles = matmulTiles(g, operands, mm);
  if (tiles.nb < mm.n || tiles.rowsPer < tiles.allRows) return byParts(call);
  const wide = out.dtype === 'int32' ? 1 : 0;
  const [mh, ml, nn] = scaleWords(g, attrs.requantize);
  const bp = tiles.packB(0, mm.n);
  const sums = tiles.sums(bp, 0, tiles.allRows, mm.n);
  const y = g.dispatch(LINEAR, (wide + 1) * out.size, [
    sums,
    tiles.bias(0, mm.n),
    out.size,
    mm.n,
    tiles.chunks,
    tiles.parts,
    mm.hasBias ? 1 : 0,
    mh,
    ml,
    nn,
    attrs.requantize.multipliers.length,
    wide,
    wide ? 0 : DTYPE_MIN[out.dtype],
    wide ? 0 : DTYPE_MAX[out.dtype],
    attrs.hasResidual ? g.plane(inputs[inputs.length - 1]!) : g.unused(),
    attrs.hasResidual ? 1 : 0,
  ]);
  g.free(sums);
  tiles.doneB(bp);
  return g.result('linear', y, out.dtype, out.size);
};
