/**
 * gpu.js elementwise kernels (engine/NUMERICS.md §6, §16.2): relu, add, mul, cast and isqrt.
 *
 * Operands are read as signed 16-bit limbs (h, l) (int32 from their two planes, int8/int16
 * values split on the device), so one kernel serves every dtype; results are saturated from
 * limbs (fixed_point.ts). An int32 output is 2·size threads: hi limbs, then lo limbs.
 */
import { DTYPE_MAX, DTYPE_MIN, type DType } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import { gpujs, type KernelSource } from './backend.js';
import { LIMB_FUNCTIONS } from './fixed_point.js';
import { FLOOR_DIV } from './functions.js';
import { READ_LIMBS } from './requantize.js';

// One float per int8/int16 element; for int32 the planes are hi limbs then lo limbs, and the
// sign of the value is the sign of its hi limb. Bound: values only, |x| ≤ 2^16.
const RELU: KernelSource = {
  name: 'relu',
  source: `function (x, size, limbs) {
  const t = this.thread.x;
  let h = x[t];
  if (limbs > 0) {
    if (t < size) { h = x[t]; } else { h = x[t - size]; }
  }
  if (h < 0) { return 0; }
  return x[t];
}`,
};

export const reluKernel: KernelFunc = ({ backend, inputs, out }) => {
  const g = gpujs(backend);
  const limbs = out.dtype === 'int32' ? 2 : 1;
  const y = g.dispatch(RELU, limbs * out.size, [g.plane(inputs[0]!), out.size, limbs - 1]);
  return g.result('relu', y, out.dtype, out.size);
};

// The common head of add and mul: thread → element i and output limb `part`, b's element
// j = i mod size(b), and both operands as signed limbs (ah, al), (bh, bl).
const BINARY_HEAD = `
  const t = this.thread.x;
  let i = t;
  let part = 0;
  if (t >= size) { i = t - size; part = 1; }
  let j = i;
  if (sizeB < size) { j = i - floorDiv(i, sizeB) * sizeB; }
  let ah = 0;
  let al = 0;
  let bh = 0;
  let bl = 0;
  if (limbs > 0.5) {
    ah = a[i];
    al = a[size + i];
    bh = b[j];
    bl = b[sizeB + j];
  } else {
    ah = Math.floor(a[i] * 0.0000152587890625);
    al = a[i] - ah * 65536;
    bh = Math.floor(b[j] * 0.0000152587890625);
    bl = b[j] - bh * 65536;
  }`;

// The signed result (h, l), |h| ≤ 2^16, saturated to the output dtype.
const BINARY_TAIL = `
  if (wide < 0.5) { return satNarrow(h, l, mn, mx); }
  if (part > 0.5) { return satLo(h, l); }
  return satHi(h, l);`;

// Limb add with one carry. Bound: l < 2^17, |h| ≤ 2^16 + 1.
const ADD: KernelSource = {
  name: 'add',
  functions: [...LIMB_FUNCTIONS, FLOOR_DIV],
  source: `function (a, b, size, sizeB, limbs, wide, mn, mx) {${BINARY_HEAD}
  let l = al + bl;
  const carry = Math.floor(l * 0.0000152587890625);
  l = l - carry * 65536;
  const h = ah + bh + carry;${BINARY_TAIL}
}`,
};

// |a|·|b| from 8-bit limbs (G3), capped to 2^31 + 1 above 2^31 as in the reference (§6.1): any
// magnitude above 2^31 saturates every dtype alike. Bound: partial products < 2^16, at most 4
// per column plus carry < 2^18 + 2^11; the capped magnitude as 16-bit words.
const MUL: KernelSource = {
  name: 'mul',
  functions: [...LIMB_FUNCTIONS, FLOOR_DIV],
  source: `function (a, b, size, sizeB, limbs, wide, mn, mx) {${BINARY_HEAD}
  const uh = absHi(ah, al);
  const ul = absLo(ah, al);
  const vh = absHi(bh, bl);
  const vl = absLo(bh, bl);
  const a1 = Math.floor(ul * 0.00390625);
  const a0 = ul - a1 * 256;
  const a3 = Math.floor(uh * 0.00390625);
  const a2 = uh - a3 * 256;
  const b1 = Math.floor(vl * 0.00390625);
  const b0 = vl - b1 * 256;
  const b3 = Math.floor(vh * 0.00390625);
  const b2 = vh - b3 * 256;
  let c = a0 * b0;
  let k = Math.floor(c * 0.00390625);
  const p0 = c - k * 256;
  c = a0 * b1 + a1 * b0 + k;
  k = Math.floor(c * 0.00390625);
  const p1 = c - k * 256;
  c = a0 * b2 + a1 * b1 + a2 * b0 + k;
  k = Math.floor(c * 0.00390625);
  const p2 = c - k * 256;
  c = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + k;
  k = Math.floor(c * 0.00390625);
  const p3 = c - k * 256;
  const over = a1 * b3 + a2 * b2 + a3 * b1 + a2 * b3 + a3 * b2 + a3 * b3 + k;
  let mh = p3 * 256 + p2;
  let ml = p1 * 256 + p0;
  if (over > 0.5 || mh > 32768.5 || (mh > 32767.5 && ml > 0.5)) {
    mh = 32768;
    ml = 1;
  }
  let h = mh;
  let l = ml;
  if ((ah < 0) != (bh < 0)) {
    h = negHi(mh, ml);
    l = negLo(mh, ml);
  }${BINARY_TAIL}
}`,
};

function binaryKernel(k: KernelSource): KernelFunc {
  return ({ backend, inputs, out }) => {
    const a = inputs[0]!;
    const b = inputs[1]!;
    const g = gpujs(backend);
    const wide = out.dtype === 'int32' ? 1 : 0;
    const y = g.dispatch(k, (wide + 1) * out.size, [
      g.plane(a),
      g.plane(b),
      out.size,
      b.size,
      a.dtype === 'int32' ? 1 : 0,
      wide,
      wide ? 0 : DTYPE_MIN[out.dtype as DType],
      wide ? 0 : DTYPE_MAX[out.dtype as DType],
    ]);
    return g.result(k.name, y, out.dtype, out.size);
  };
}

export const addKernel = binaryKernel(ADD);
export const mulKernel = binaryKernel(MUL);

// Same threads and input limbs as REQUANTIZE (requantize.ts). Bound: |h·2^16 + l| ≤ 2^16 where formed.
const CAST: KernelSource = {
  name: 'cast',
  functions: LIMB_FUNCTIONS,
  source: `function (x, size, limbs, wide, mn, mx) {
${READ_LIMBS}
  if (wide < 0.5) { return satNarrow(h, l, mn, mx); }
  if (part > 0.5) { return satLo(h, l); }
  return satHi(h, l);
}`,
};

export const castKernel: KernelFunc = ({ backend, inputs, out }) => {
  const x = inputs[0]!;
  const g = gpujs(backend);
  const wide = out.dtype === 'int32' ? 1 : 0;
  const y = g.dispatch(CAST, (wide + 1) * out.size, [
    g.plane(x),
    out.size,
    x.dtype === 'int32' ? 1 : 0,
    wide,
    wide ? 0 : DTYPE_MIN[out.dtype],
    wide ? 0 : DTYPE_MAX[out.dtype],
  ]);
  return g.result('cast', y, out.dtype, out.size);
};

// 1 when r² ≤ v = h·2^16 + l, for 0 ≤ r < 2^16: r = 256·rh + rl, so
// r² = rh²·2^16 + (2·rh·rl)·2^8 + rl², regathered into 16-bit words (qh, ql) and compared
// lexicographically. Bound: rh² < 2^16, 2·rh·rl < 2^17, ql < 2^17.
const SQUARE_AT_MOST = `function squareAtMost(r, h, l) {
  const rh = Math.floor(r * 0.00390625);
  const rl = r - rh * 256;
  const m = 2 * rh * rl;
  const mh = Math.floor(m * 0.00390625);
  let ql = (m - mh * 256) * 256 + rl * rl;
  const carry = Math.floor(ql * 0.0000152587890625);
  ql = ql - carry * 65536;
  const qh = rh * rh + mh + carry;
  if (qh < h) { return 1; }
  if (qh > h) { return 0; }
  if (ql <= l) { return 1; }
  return 0;
}`;

// A float32 estimate of √x (x rounded to float32, so within one or two of floor(√x)), then exact
// steps down while r² > x and up while (r + 1)² ≤ x (§6.4). Output hi limbs are 0 (r ≤ 46340).
// Bound: r ≤ 46342, squares compared as 16-bit words (squareAtMost).
const ISQRT: KernelSource = {
  name: 'isqrt',
  functions: [SQUARE_AT_MOST],
  source: `function (x, size) {
  const t = this.thread.x;
  if (t < size) { return 0; }
  const i = t - size;
  const h = x[i];
  const l = x[size + i];
  if (h < 0 || (h < 0.5 && l < 0.5)) { return 0; }
  let r = Math.min(Math.floor(Math.sqrt(h * 65536 + l)), 46341);
  for (let s = 0; s < 3; s++) {
    if (squareAtMost(r, h, l) < 0.5) { r = r - 1; }
  }
  for (let s = 0; s < 3; s++) {
    if (squareAtMost(r + 1, h, l) > 0.5) { r = r + 1; }
  }
  return r;
}`,
};

export const isqrtKernel: KernelFunc = ({ backend, inputs, out }) => {
  const g = gpujs(backend);
  const y = g.dispatch(ISQRT, 2 * out.size, [g.plane(inputs[0]!), out.size]);
  return g.result('isqrt', y, 'int32', out.size);
};

