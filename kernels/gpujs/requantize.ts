/**
 * gpu.js requantize (engine/NUMERICS.md §4), following §16.2.
 *
 * Every input is read as signed 16-bit limbs (h, l): int32 from its two planes, int8/int16 values
 * split on the device (h ∈ {−1, 0}); cast (elementwise.ts) reads its input the same way.
 * requantize forms |x| from the limbs, applies R with 11-bit limbs (fixed_point.ts), puts the
 * sign back and saturates. An int32 output needs both words of R, an int8/int16 output only
 * min(R, 2^24), since anything above 2^15 saturates anyway.
 */
import { DTYPE_MAX, DTYPE_MIN } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { RequantizeAttrs } from '../../engine/ops/requantize.js';
import { gpujs, type GpujsBackend, type KernelSource } from './backend.js';
import type { Plane } from './storage.js';
import { LIMB_FUNCTIONS, R_FUNCTIONS, splitWord } from './fixed_point.js';
import { FLOOR_DIV } from './functions.js';

// Shared by requantize's and cast's sources (gpu.js helpers cannot take the input array, §16.4):
// thread t is element i's hi limb (part 0) or, for an int32 output's second half, its lo limb
// (part 1); (h, l) are x[i] as signed 16-bit limbs, read from two planes or split from one float.
export const READ_LIMBS = `  const t = this.thread.x;
  let i = t;
  let part = 0;
  if (t >= size) { i = t - size; part = 1; }
  let h = 0;
  let l = 0;
  if (limbs > 0.5) {
    h = x[i];
    l = x[size + i];
  } else {
    h = Math.floor(x[i] * 0.0000152587890625);
    l = x[i] - h * 65536;
  }
`;

/**
 * Kernel-body lines that requantize v = h·2^16 + l (signed limbs) with the scale of channel c
 * (planes mh, ml, nn): `narrow` sets r = sat(v·M/2^n rounded) within [mn, mx]; `wide` sets
 * (qh, ql), the int32 limbs of that, saturated. Shared with linear.ts's fused kernel.
 * Bound: |v| as 16-bit words; R's own bound (fixed_point.ts); the signed result |r| ≤ 2^24 before
 * the clamp, |sh·2^16 + sl| ≤ 2^31 before saturation.
 */
export function requantizeLines(h: string, l: string, c: string): { narrow: string; wide: string } {
  const abs = `absHi(${h}, ${l}), absLo(${h}, ${l}), mh[${c}], ml[${c}], nn[${c}]`;
  return {
    narrow: `
    let r = mulShiftRoundSmall(${abs});
    if (${h} < 0) { r = -r; }
    r = Math.min(Math.max(r, mn), mx);`,
    wide: `
  const p0 = mulShiftRoundPart(${abs}, 0);
  const p1 = mulShiftRoundPart(${abs}, 1);
  let sh = p0;
  let sl = p1;
  if (${h} < 0) {
    sh = negHi(p0, p1);
    sl = negLo(p0, p1);
  }
  const qh = satHi(sh, sl);
  const ql = satLo(sh, sl);`,
  };
}

const LINES = requantizeLines('h', 'l', 'c');

// Threads: one per element, or for an int32 output its hi limbs then its lo limbs. The channel
// is i mod C (C < 2^23, i < 2^24: floorDiv's range). mh, ml, nn: per-channel words of M and n.
const REQUANTIZE: KernelSource = {
  name: 'requantize',
  functions: [...R_FUNCTIONS, ...LIMB_FUNCTIONS, FLOOR_DIV],
  source: `function (x, size, limbs, mh, ml, nn, channels, wide, mn, mx) {
${READ_LIMBS}
  let c = 0;
  if (channels > 1.5) { c = i - floorDiv(i, channels) * channels; }
  if (wide < 0.5) {${LINES.narrow}
    return r;
  }${LINES.wide}
  if (part > 0.5) { return ql; }
  return qh;
}`,
};

// One-off scale lists up to this many channels are kept by their values (backend `keyed`).
const KEYED_CHANNELS = 64;

/**
 * The planes of M's 16-bit words and of n, one entry per channel, uploaded once. A model's scale
 * lists come back as the same attrs on every pass (`reused`, set by the op layer): their planes
 * are kept with the attrs. A short one-off list (a per-tensor scale made per call) is kept by its
 * values; a long one is uploaded with its run.
 */
export function scaleWords(g: GpujsBackend, attrs: RequantizeAttrs): [Plane, Plane, Plane] {
  const { multipliers, shifts } = attrs;
  const words: [string, () => Float32Array][] = [
    ['requantize.mh', () => Float32Array.from(multipliers, (m) => splitWord(m)[0])],
    ['requantize.ml', () => Float32Array.from(multipliers, (m) => splitWord(m)[1])],
    ['requantize.n', () => Float32Array.from(shifts)],
  ];
  const values = multipliers.length <= KEYED_CHANNELS ? `${multipliers.join()}/${shifts.join()}` : undefined;
  const [mh, ml, nn] = words.map(([key, make]) => {
    if (attrs.reused) return g.constant(attrs, key, make);
    return values === undefined ? make() : g.keyed(`${key}:${values}`, make);
  });
  return [mh!, ml!, nn!];
}

export const requantizeKernel: KernelFunc<RequantizeAttrs> = ({ backend, inputs, attrs, out }) => {
  const x = inputs[0]!;
  const { multipliers } = attrs;
  const g = gpujs(backend);
  const [mh, ml, nn] = scaleWords(g, attrs);
  const wide = out.dtype === 'int32' ? 1 : 0;
  const y = g.dispatch(REQUANTIZE, (wide + 1) * out.size, [
    g.plane(x),
    out.size,
    x.dtype === 'int32' ? 1 : 0,
    mh,
    ml,
    nn,
    multipliers.length,
    wide,
    wide ? 0 : DTYPE_MIN[out.dtype],
    wide ? 0 : DTYPE_MAX[out.dtype],
  ]);
  return g.result('requantize', y, out.dtype, out.size);
};
