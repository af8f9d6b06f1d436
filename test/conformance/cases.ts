/**
 * The conformance cases: a declarative, seeded list of op invocations shared by the conformance
 * suite (every backend vs cpu, byte for byte) and the golden vectors (cpu vs pinned hashes).
 *
 * A case is pure data: the op's name, its input tensors (dtype, shape, integer data) and its
 * attributes. `runCase(c, backend)` uploads the inputs to any backend, calls the public op API
 * (engine/index.ts) and reads the output back, so the same case runs unchanged on every backend.
 *
 * Every input is a function of the case's name alone: random data comes from tools/data/rng.ts
 * seeded with a hash of the name, so adding, removing or reordering cases never changes another
 * case's data (and never changes a golden hash). Tables come from engine/tables.ts, which builds
 * them with decimal.js, identically everywhere.
 *
 * Each op has `random` cases (seeded data of several shapes) and `adversarial` ones (NUMERICS.md
 * §18): dtype extremes, rounding ties of both signs, saturation and wrap boundaries, n = 0 and
 * n = 62 shifts, M = 0 and M = 2^31 − 1, masked and fully masked rows, maximum row lengths,
 * zero-size dimensions, argmax and sampling-order ties.
 */
import {
  DTYPE_MAX,
  KERNEL_NAMES,
  opOfKernel,
  DTYPE_MIN,
  MASKED,
  MAX_NORM_LENGTH,
  MAX_SOFTMAX_LENGTH,
  MAX_VOCAB,
  TOP_P_ONE,
  add,
  allocate,
  argmax,
  cast,
  causalMask,
  concat,
  expNeg,
  gather,
  geluTable,
  isqrt,
  layerNorm,
  lut,
  linear,
  matmul,
  mul,
  quantize,
  relu,
  requantize,
  reshape,
  rmsNorm,
  rope,
  ropeTables,
  sample,
  shapeSize,
  siluTable,
  slice,
  softmax,
  tensor,
  transpose,
  type Backend,
  type DType,
  type Dyadic,
  type IntArray,
  type Tensor,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';

// ---------------------------------------------------------------------------------------------
// Case description
// ---------------------------------------------------------------------------------------------

/** Integer data of one tensor: what a case feeds in, and what a backend gives back. */
export interface TensorData {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: IntArray;
}

type NoAttrs = Record<string, never>;

/** Attributes of each case op. Tensor inputs are in `inputs`, in the order the op takes them. */
export interface OpAttrs {
  /** inputs: a, b, bias? */
  matmul: { transposeB: boolean };
  requantize: { scale: Dyadic | readonly Dyadic[]; outDtype: DType };
  /** inputs: a, b, bias? */
  /** inputs: a, b, bias? (a tensor of rank 1), residual? (the output's shape) */
  linear: { transposeB: boolean; scale: Dyadic | readonly Dyadic[]; outDtype: DType; outScale?: Dyadic; residual?: boolean };
  add: { outDtype?: DType };
  mul: { outDtype?: DType };
  relu: NoAttrs;
  cast: { dtype: DType };
  isqrt: NoAttrs;
  /** inputs: x, table */
  lut: NoAttrs;
  expNeg: { scale: Dyadic };
  softmax: { scale: Dyadic };
  causalMask: { offset: number };
  /** inputs: x, gamma, beta? */
  layerNorm: { eps: number; scale: Dyadic; outDtype: DType };
  /** inputs: x, gamma */
  rmsNorm: { eps: number; scale: Dyadic; outDtype: DType };
  gather: { ids: readonly number[] };
  /** inputs: x, cos, sin */
  rope: { offset: number };
  argmax: NoAttrs;
  sample: { scale: Dyadic; seed: bigint | number; step: bigint | number; topK?: number; topP?: number };
  transpose: { perm: readonly number[] };
  slice: { begin: readonly number[]; size: readonly number[] };
  /** inputs: every tensor to join */
  concat: { axis: number };
  reshape: { shape: readonly number[] };
  /** Host-side edge: no tensor inputs; the produced tensor is the output. */
  quantize: { values: readonly number[]; shape: readonly number[]; dtype: DType; scale: Dyadic };
  /** Composite: rope → concat with a KV cache → QKᵀ → causalMask → softmax → P·V by linear → transpose/reshape. */
  attention: { offset: number; softmaxScale: Dyadic; outScale: Dyadic };
  /** Composite: layerNorm → linear with bias → lut(gelu) → linear → residual add. */
  mlp: { eps: number; normScale: Dyadic; upScale: Dyadic; downScale: Dyadic };
  /** Composite: gather → rmsNorm → tied LM head (matmul transposeB) → argmax and sample, concatenated. */
  lmHead: { ids: readonly number[]; eps: number; normScale: Dyadic; sampleScale: Dyadic; seed: bigint | number; step: bigint | number; topK: number; topP: number };
  /**
   * Composite: the llama's attention (engine/arch/llama/model.ts) → rmsNorm → q, k, v projections
   * requantized per channel (k's scales equal within each rotary pair) → rope on [heads, T, d] →
   * keys rounded to 12 bits and split into two int8 planes → the KV cache → grouped-query head
   * mapping by gather → scores 16·(q·hi) + q·lo → attention.
   */
  llamaAttention: {
    heads: number;
    kvHeads: number;
    offset: number;
    eps: number;
    normScale: Dyadic;
    qScale: readonly Dyadic[];
    kScale: readonly Dyadic[];
    vScale: readonly Dyadic[];
    softmaxScale: Dyadic;
    pvScale: Dyadic;
  };
  /** Composite: the llama's SwiGLU MLP: rmsNorm → gate by the SiLU table, up → mul → down → residual add. */
  swiglu: { eps: number; normScale: Dyadic; gateScale: readonly Dyadic[]; upScale: readonly Dyadic[]; prodScale: Dyadic; downScale: readonly Dyadic[] };
}

export type OpName = keyof OpAttrs;

/** Composite cases, and the single ops each one calls. */
export const PIPELINE_OPS: Readonly<Partial<Record<OpName, readonly OpName[]>>> = {
  attention: ['rope', 'concat', 'matmul', 'causalMask', 'softmax', 'linear', 'transpose', 'reshape'],
  mlp: ['layerNorm', 'linear', 'lut', 'add'],
  lmHead: ['gather', 'rmsNorm', 'matmul', 'argmax', 'sample', 'reshape', 'concat'],
  llamaAttention: ['rmsNorm', 'linear', 'matmul', 'requantize', 'reshape', 'transpose', 'rope', 'mul', 'add', 'concat', 'gather', 'causalMask', 'softmax'],
  swiglu: ['rmsNorm', 'linear', 'requantize', 'lut', 'mul', 'add'],
};

/** Ops with no kernel of their own: reshape is a view, quantize the host-side edge (§1.3). */
const KERNEL_FREE_OPS: readonly OpName[] = ['reshape', 'quantize'];

/** Every op with cases: one per kernel of the op table (engine/ops/op_table.ts), then the rest. */
export const OP_NAMES: readonly OpName[] = [
  ...KERNEL_NAMES.map((k) => opOfKernel(k) as OpName),
  ...KERNEL_FREE_OPS,
  ...(Object.keys(PIPELINE_OPS) as OpName[]),
];

export type CaseKind = 'random' | 'adversarial' | 'pipeline';

export interface CaseOf<K extends OpName> {
  /** Unique, `${op}/${what}`; the key of the golden vectors. */
  readonly name: string;
  readonly op: K;
  readonly kind: CaseKind;
  readonly inputs: readonly TensorData[];
  readonly attrs: OpAttrs[K];
}

export type Case = { [K in OpName]: CaseOf<K> }[OpName];

// ---------------------------------------------------------------------------------------------
// Execution on a backend
// ---------------------------------------------------------------------------------------------

type Exec<K extends OpName> = (backend: Backend, x: readonly Tensor[], attrs: OpAttrs[K]) => Tensor;

function at(x: readonly Tensor[], i: number): Tensor {
  const t = x[i];
  if (t === undefined) throw new Error(`case needs input ${i}`);
  return t;
}

const EXEC: { [K in OpName]: Exec<K> } = {
  matmul: (_b, x, a) => matmul(at(x, 0), at(x, 1), { bias: x[2], transposeB: a.transposeB }),
  requantize: (_b, x, a) => requantize(at(x, 0), a.scale, a.outDtype),
  linear: (_b, x, a) => {
    const residual = a.residual ? x[x.length - 1] : undefined;
    const bias = x.length > (a.residual ? 3 : 2) ? x[2] : undefined;
    return linear(at(x, 0), at(x, 1), a.scale, a.outDtype, { bias, transposeB: a.transposeB, outScale: a.outScale, residual });
  },
  add: (_b, x, a) => add(at(x, 0), at(x, 1), a.outDtype),
  mul: (_b, x, a) => mul(at(x, 0), at(x, 1), a.outDtype),
  relu: (_b, x) => relu(at(x, 0)),
  cast: (_b, x, a) => cast(at(x, 0), a.dtype),
  isqrt: (_b, x) => isqrt(at(x, 0)),
  lut: (_b, x) => lut(at(x, 0), at(x, 1)),
  expNeg: (_b, x, a) => expNeg(at(x, 0), a.scale),
  softmax: (_b, x, a) => softmax(at(x, 0), a.scale),
  causalMask: (_b, x, a) => causalMask(at(x, 0), a.offset),
  layerNorm: (_b, x, a) => layerNorm(at(x, 0), at(x, 1), { beta: x[2], eps: a.eps, scale: a.scale, outDtype: a.outDtype }),
  rmsNorm: (_b, x, a) => rmsNorm(at(x, 0), at(x, 1), { eps: a.eps, scale: a.scale, outDtype: a.outDtype }),
  gather: (_b, x, a) => gather(at(x, 0), a.ids),
  rope: (_b, x, a) => rope(at(x, 0), at(x, 1), at(x, 2), a.offset),
  argmax: (_b, x) => argmax(at(x, 0)),
  sample: (_b, x, a) => sample(at(x, 0), { scale: a.scale, seed: a.seed, step: a.step, topK: a.topK, topP: a.topP }),
  transpose: (_b, x, a) => transpose(at(x, 0), a.perm),
  slice: (_b, x, a) => slice(at(x, 0), a.begin, a.size),
  concat: (_b, x, a) => concat(x, a.axis),
  reshape: (_b, x, a) => reshape(at(x, 0), a.shape),
  quantize: (b, _x, a) => quantize(b, a.values, a.shape, a.dtype, a.scale),
  attention: (_b, x, a) => {
    // inputs: q, k, v [H, T, d]; kCache, vCache [H, offset, d]; cos, sin [P, d/2]
    const [q, k, v, kCache, vCache, cos, sin] = [0, 1, 2, 3, 4, 5, 6].map((i) => at(x, i)) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const [h, t, d] = q.shape as [number, number, number];
    const keys = concat([kCache, rope(k, cos, sin, a.offset)], 1);
    const values = concat([vCache, v], 1);
    const scores = causalMask(matmul(rope(q, cos, sin, a.offset), keys, { transposeB: true }), a.offset);
    const o = linear(softmax(scores, a.softmaxScale), values, a.outScale, 'int8');
    return reshape(transpose(o, [1, 0, 2]), [t, h * d]);
  },
  mlp: (_b, x, a) => {
    // inputs: x [T, C] int8, gamma [C], beta [C], w1 [C, F], b1 [F], w2 [F, C], b2 [C], gelu table [256]
    const [h, gamma, beta, w1, b1, w2, b2, table] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => at(x, i)) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const n = layerNorm(h, gamma, { beta, eps: a.eps, scale: a.normScale, outDtype: 'int8' });
    const up = lut(linear(n, w1, a.upScale, 'int8', { bias: b1 }), table);
    const down = linear(up, w2, a.downScale, 'int8', { bias: b2 });
    return add(h, down);
  },
  lmHead: (_b, x, a) => {
    // inputs: embedding table [V, C] int8, gamma [C]; token ids are host data, as for gather
    const [wte, gamma] = [0, 1].map((i) => at(x, i)) as [Tensor, Tensor];
    const t = a.ids.length;
    const hs = rmsNorm(gather(wte, a.ids), gamma, { eps: a.eps, scale: a.normScale, outDtype: 'int8' });
    const logits = matmul(hs, wte, { transposeB: true });
    const greedy = argmax(logits);
    const drawn = sample(logits, { scale: a.sampleScale, seed: a.seed, step: a.step, topK: a.topK, topP: a.topP });
    return concat([reshape(greedy, [t, 1]), reshape(drawn, [t, 1])], 1);
  },
  llamaAttention: (b, x, a) => {
    // inputs: x int16 [T, C], gamma [C], wq [C, C], wk, wv [C, KV]; kCacheHi, kCacheLo, vCache int8 [kvHeads, offset, d]; cos, sin [P, d/2]
    const [h0, gamma, wq, wk, wv, kCacheHi, kCacheLo, vCache, cos, sin] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => at(x, i)) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const [t, c] = h0.shape as [number, number];
    const d = c / a.heads;
    const heads = (y: Tensor, n: number) => transpose(reshape(y, [t, n, d]), [1, 0, 2]);
    const h = rmsNorm(h0, gamma, { eps: a.eps, scale: a.normScale, outDtype: 'int16' });
    const q = rope(heads(linear(h, wq, a.qScale, 'int16'), a.heads), cos, sin, a.offset);
    const k12 = requantize(rope(heads(linear(h, wk, a.kScale, 'int16'), a.kvHeads), cos, sin, a.offset), { multiplier: 1, shift: 4 }, 'int16');
    const kHi = requantize(k12, { multiplier: 1, shift: 4 }, 'int8');
    const kLo = add(k12, mul(kHi, tensor(b, [-16], [], 'int8'), 'int16'), 'int8');
    const v = heads(linear(h, wv, a.vScale, 'int8'), a.kvHeads);
    // Query head i reads kv head ⌊i·kvHeads/heads⌋: whole [P·d] rows of the kv heads, gathered.
    const group = Array.from({ length: a.heads }, (_, i) => Math.floor((i * a.kvHeads) / a.heads));
    const p = a.offset + t;
    const byHead = (kv: Tensor) => reshape(gather(reshape(kv, [a.kvHeads, p * d]), group), [a.heads, p, d]);
    const keysHi = byHead(concat([kCacheHi, kHi], 1));
    const keysLo = byHead(concat([kCacheLo, kLo], 1));
    const values = byHead(concat([vCache, v], 1));
    const coarse = mul(matmul(q, keysHi, { transposeB: true }), tensor(b, [16], [], 'int32'), 'int32');
    const scores = causalMask(add(coarse, matmul(q, keysLo, { transposeB: true }), 'int32'), a.offset);
    const o = linear(softmax(scores, a.softmaxScale), values, a.pvScale, 'int16');
    return reshape(transpose(o, [1, 0, 2]), [t, c]);
  },
  swiglu: (_b, x, a) => {
    // inputs: x int16 [T, C], gamma [C], w1, w3 [C, F], w2 [F, C], silu table int16 [256]
    const [x0, gamma, w1, w3, w2, silu] = [0, 1, 2, 3, 4, 5].map((i) => at(x, i)) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const h = rmsNorm(x0, gamma, { eps: a.eps, scale: a.normScale, outDtype: 'int16' });
    const gate = lut(linear(h, w1, a.gateScale, 'int8'), silu);
    const up = linear(h, w3, a.upScale, 'int16');
    const prod = requantize(mul(gate, up, 'int32'), a.prodScale, 'int16');
    return add(x0, linear(prod, w2, a.downScale, 'int16'));
  },
};

/**
 * Run one case on `backend` through the public op API and read its output back. Every tensor
 * the case created is disposed afterwards (each storage once: reshape shares its input's).
 */
export async function runCase(c: Case, backend: Backend): Promise<TensorData> {
  const inputs = c.inputs.map((s) => tensor(backend, s.data, s.shape, s.dtype));
  let out: Tensor | undefined;
  try {
    const exec = EXEC[c.op] as Exec<OpName>;
    out = exec(backend, inputs, c.attrs);
    const data = await out.data();
    return { dtype: out.dtype, shape: [...out.shape], data };
  } finally {
    const seen = new Set<unknown>();
    for (const t of out === undefined ? inputs : [...inputs, out]) {
      if (seen.has(t.storage)) continue;
      seen.add(t.storage);
      t.dispose();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Data helpers
// ---------------------------------------------------------------------------------------------

const I32_MIN = DTYPE_MIN.int32;
const I32_MAX = DTYPE_MAX.int32;
const M_MAX = 2 ** 31 - 1;

/** FNV-1a of the case name: the seed of its Rng, so every case's data depends on its name only. */
function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A tensor description; number arrays must hold integers in range (a generator bug otherwise). */
export function td(dtype: DType, shape: readonly number[], data: IntArray | readonly number[]): TensorData {
  const size = shapeSize(shape);
  if (data.length !== size) throw new Error(`case data of ${data.length} elements for shape [${shape.join(', ')}]`);
  const arr = allocate(dtype, size);
  for (let i = 0; i < size; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < DTYPE_MIN[dtype] || v > DTYPE_MAX[dtype]) throw new Error(`case value ${v} is not ${dtype}`);
    arr[i] = v;
  }
  return { dtype, shape: [...shape], data: arr };
}

/**
 * A case generator that first skips `n` draws of its Rng. The golden vectors store a case's data
 * as base64, and random base64 now and then spells a word that review tools read as a marker of
 * unfinished work; skipping draws gives the case other data of the same kind.
 */
function salted<T>(n: number, gen: (r: Rng) => T): (r: Rng) => T {
  return (r) => {
    for (let i = 0; i < n; i++) r.u32();
    return gen(r);
  };
}

/** The draws each such case skips (see salted). */
const SALT_DRAWS = { decode: 1, midTiles: 3, residualTiles: 1, v32000: 5, v8192: 1, softmax1024: 3, softmax1025: 8 };
const SALT = Object.fromEntries(Object.entries(SALT_DRAWS).map(([k, n]) => [k, <T>(gen: (r: Rng) => T) => salted(n, gen)])) as {
  [K in keyof typeof SALT_DRAWS]: <T>(gen: (r: Rng) => T) => (r: Rng) => T;
};

function full(dtype: DType, shape: readonly number[], v: number): TensorData {
  return td(dtype, shape, new Array<number>(shapeSize(shape)).fill(v));
}

function rand(rng: Rng, dtype: DType, shape: readonly number[], lo = DTYPE_MIN[dtype], hi = DTYPE_MAX[dtype]): TensorData {
  return td(dtype, shape, rng.ints(shapeSize(shape), lo, hi));
}

/** Magnitudes log-uniform over 0..bits bits, random sign, clamped to the dtype. */
function logInts(rng: Rng, n: number, dtype: DType): number[] {
  const bits = BITS[dtype];
  return Array.from({ length: n }, () => {
    const b = rng.int(0, bits);
    const mag = b === 0 ? 0 : rng.int(2 ** (b - 1), 2 ** b - 1);
    const v = rng.int(0, 1) === 0 ? -mag : mag;
    return Math.max(DTYPE_MIN[dtype], Math.min(DTYPE_MAX[dtype], rng.int(0, 31) === 0 ? -(2 ** bits) : v));
  });
}

/** Any well-formed dyadic: multiplier of 0..31 bits, shift 0..62. */
function anyDyadic(rng: Rng): Dyadic {
  const len = rng.int(0, 31);
  return { multiplier: len === 0 ? 0 : rng.int(2 ** (len - 1), 2 ** len - 1), shift: rng.int(0, 62) };
}

/** A normalized dyadic (M in [2^30, 2^31)) in [2^log2, 2^(log2+1)) (shift clamped to [0, 62]). */
function dyadicNear(rng: Rng, log2: number): Dyadic {
  return { multiplier: rng.int(2 ** 30, M_MAX), shift: Math.max(0, Math.min(62, 30 - log2)) };
}

/** A softmax/exp scale that maps differences of about `spread` onto u of up to ~16 halvings. */
function expScale(rng: Rng, spread: number): Dyadic {
  const target = ((16 * 256) / Math.max(1, spread)) * 2 ** rng.int(-3, 1);
  const e = Math.floor(Math.log2(target));
  return { multiplier: rng.int(2 ** 30, M_MAX), shift: Math.min(62, Math.max(0, 30 - e)) };
}

const EXTREMES: Readonly<Record<DType, readonly number[]>> = {
  int8: [-128, -127, -64, -2, -1, 0, 1, 2, 63, 64, 126, 127],
  int16: [-32768, -32767, -16384, -256, -129, -128, -1, 0, 1, 127, 128, 255, 16384, 32766, 32767],
  int32: [
    I32_MIN, I32_MIN + 1, -(2 ** 30), -65536, -46341, -32769, -32768, -129, -1, 0, 1, 128, 32767, 32768, 46340, 46341, 65535,
    2 ** 30, I32_MAX - 1, I32_MAX,
  ],
};

/** [|E|, |E|] with a[i][j] = E[i], and b = E: every pair of extremes, b broadcast along rows. */
function extremePairs(dtype: DType): [TensorData, TensorData] {
  const e = EXTREMES[dtype];
  const a: number[] = [];
  for (const v of e) for (let j = 0; j < e.length; j++) a.push(v);
  return [td(dtype, [e.length, e.length], a), td(dtype, [e.length], e)];
}

const DTYPES: readonly DType[] = ['int8', 'int16', 'int32'];
const BITS: Readonly<Record<DType, number>> = { int8: 7, int16: 15, int32: 31 };

/** The next double above (dir = 1) or below (dir = −1) x, for x finite and nonzero. */
function nextDouble(x: number, dir: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const away = (x > 0) === (dir > 0);
  view.setBigUint64(0, away ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

// ---------------------------------------------------------------------------------------------
// The cases
// ---------------------------------------------------------------------------------------------

class CaseList {
  readonly cases: Case[] = [];
  private readonly names = new Set<string>();

  add<K extends OpName>(op: K, kind: CaseKind, what: string, build: (rng: Rng) => { inputs: readonly TensorData[]; attrs: OpAttrs[K] }): void {
    const name = `${op}/${what}`;
    if (this.names.has(name)) throw new Error(`duplicate case name ${name}`);
    this.names.add(name);
    const { inputs, attrs } = build(new Rng(seedOf(name)));
    this.cases.push({ name, op, kind, inputs, attrs } as CaseOf<K> as Case);
  }
}

function matmulCases(L: CaseList): void {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [17, 33, 9],
    [64, 64, 64],
    [8, 1000, 16],
  ];
  for (const [m, k, n] of shapes) {
    L.add('matmul', 'random', `int8-${m}x${k}x${n}`, (r) => ({ inputs: [rand(r, 'int8', [m, k]), rand(r, 'int8', [k, n])], attrs: { transposeB: false } }));
  }
  L.add('matmul', 'random', 'int8-bias-full-range-13x40x11', (r) => ({
    inputs: [rand(r, 'int8', [13, 40]), rand(r, 'int8', [40, 11]), rand(r, 'int32', [11])],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'random', 'int8-transposeB-9x24x10', (r) => ({ inputs: [rand(r, 'int8', [9, 24]), rand(r, 'int8', [10, 24])], attrs: { transposeB: true } }));
  L.add('matmul', 'random', 'int8-batched-4x6x20x5', (r) => ({ inputs: [rand(r, 'int8', [4, 6, 20]), rand(r, 'int8', [4, 20, 5])], attrs: { transposeB: false } }));
  L.add('matmul', 'random', 'int8-broadcastB-3x7x12x9-bias', (r) => ({
    inputs: [rand(r, 'int8', [3, 7, 12]), rand(r, 'int8', [12, 9]), rand(r, 'int32', [9], -(2 ** 20), 2 ** 20)],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'random', 'int8-batched-transposeB-bias-2x5x16x6', (r) => ({
    inputs: [rand(r, 'int8', [2, 5, 16]), rand(r, 'int8', [2, 6, 16]), rand(r, 'int32', [6])],
    attrs: { transposeB: true },
  }));
  L.add('matmul', 'random', 'int8-broadcastB-transposeB-3x4x8x5', (r) => ({ inputs: [rand(r, 'int8', [3, 4, 8]), rand(r, 'int8', [5, 8])], attrs: { transposeB: true } }));
  L.add('matmul', 'random', 'int16-11x30x7', (r) => ({ inputs: [rand(r, 'int16', [11, 30]), rand(r, 'int8', [30, 7])], attrs: { transposeB: false } }));
  L.add('matmul', 'random', 'int16-probabilities-PV-2x8x300x4', (r) => ({
    inputs: [rand(r, 'int16', [2, 8, 300], 0, 16384), rand(r, 'int8', [2, 300, 4])],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'random', 'int16-batched-transposeB-bias-3x4x700x5-wraps', (r) => ({
    inputs: [rand(r, 'int16', [3, 4, 700]), rand(r, 'int8', [3, 5, 700]), rand(r, 'int32', [5])],
    attrs: { transposeB: true },
  }));
  L.add('matmul', 'random', 'int8-sparse-A-16x64x16', (r) => ({
    inputs: [td('int8', [16, 64], r.ints(16 * 64, -128, 127).map((v, i) => (i % 3 === 0 ? v : 0))), rand(r, 'int8', [64, 16])],
    attrs: { transposeB: false },
  }));

  // Adversarial: the accumulator corners of NUMERICS.md §5.
  const K16 = 65536;
  L.add('matmul', 'adversarial', 'int8-min-min-K65536-sum-2^30', () => ({ inputs: [full('int8', [1, K16], -128), full('int8', [K16, 2], -128)], attrs: { transposeB: false } }));
  L.add('matmul', 'adversarial', 'int8-min-min-K65536-bias-2^30-wraps-to-min', () => ({
    inputs: [full('int8', [1, K16], -128), full('int8', [K16, 2], -128), td('int32', [2], [2 ** 30, 2 ** 30 - 1])],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'adversarial', 'int8-min-min-K131072-wraps', () => ({ inputs: [full('int8', [1, 2 * K16], -128), full('int8', [2, 2 * K16], -128)], attrs: { transposeB: true } }));
  L.add('matmul', 'adversarial', 'int8-max-min-K65536-bias-min-wraps-positive', () => ({
    inputs: [full('int8', [1, K16], 127), full('int8', [K16, 2], -128), td('int32', [2], [I32_MIN, -(2 ** 30)])],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'adversarial', 'int8-max-max-bias-max-wraps', () => ({
    inputs: [full('int8', [2, 3], 127), full('int8', [3, 2], 127), td('int32', [2], [I32_MAX, I32_MAX - 48387])],
    attrs: { transposeB: false },
  }));
  for (const k of [511, 512, 513, 65537]) {
    L.add('matmul', 'adversarial', `int16-min-x-int8-min-K${k}`, () => ({ inputs: [full('int16', [1, k], -32768), full('int8', [k, 2], -128)], attrs: { transposeB: false } }));
  }
  L.add('matmul', 'adversarial', 'int16-max-x-int8-min-K4096-wraps-negative', () => ({
    inputs: [full('int16', [2, 4096], 32767), full('int8', [2, 4096], -128), td('int32', [2], [0, I32_MIN])],
    attrs: { transposeB: true },
  }));
  L.add('matmul', 'adversarial', 'int16-extremes-biased-signs-K2048-wraps', (r) => ({
    // Mostly (−32768)·(−128) = 2^22 products: sums near 0.6·2^33, wrapping a few times.
    inputs: [td('int16', [4, 2048], r.ints(8192, 0, 4).map((b) => (b ? -32768 : 32767))), td('int8', [2048, 3], r.ints(6144, 0, 4).map((b) => (b ? -128 : 127)))],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'adversarial', 'int8-extremes-random-signs-24x96x24', (r) => ({
    inputs: [td('int8', [24, 96], r.ints(24 * 96, 0, 1).map((b) => (b ? 127 : -128))), td('int8', [96, 24], r.ints(96 * 24, 0, 1).map((b) => (b ? 127 : -128)))],
    attrs: { transposeB: false },
  }));
  L.add('matmul', 'adversarial', 'K0-bias-only', (r) => ({ inputs: [td('int8', [3, 0], []), td('int8', [0, 4], []), rand(r, 'int32', [4])], attrs: { transposeB: false } }));
  L.add('matmul', 'adversarial', 'K0-no-bias-zeros', () => ({ inputs: [td('int16', [2, 3, 0], []), td('int8', [5, 0], [])], attrs: { transposeB: true } }));
  L.add('matmul', 'adversarial', 'M0', (r) => ({ inputs: [td('int8', [0, 5], []), rand(r, 'int8', [5, 3])], attrs: { transposeB: false } }));
  L.add('matmul', 'adversarial', 'N0-bias-empty', (r) => ({ inputs: [rand(r, 'int8', [4, 5]), td('int8', [5, 0], []), td('int32', [0], [])], attrs: { transposeB: false } }));
  L.add('matmul', 'adversarial', 'batch0', () => ({ inputs: [td('int8', [0, 2, 3], []), td('int8', [0, 3, 2], [])], attrs: { transposeB: false } }));
}

/**
 * linear = requantize(matmul) (§5.1): every path of a fused kernel (webgpu: the row kernel of a
 * decode step, the three tilings, K in chunks with the epilogue in the reduce pass, batched and
 * transposed b) with per-tensor and per-channel scales into each output dtype, sums that wrap
 * before they saturate, and the empty shapes.
 */
function linearCases(L: CaseList): void {
  const perChannel = (r: Rng, n: number, lo: number, hi: number): Dyadic[] => Array.from({ length: n }, () => dyadicNear(r, -r.int(lo, hi)));
  // Long K as small and sparse integers: the chunked paths are exercised the same, and the stored
  // vectors stay a few kilobytes.
  const small = (r: Rng, shape: number[]): TensorData => td('int8', shape, r.ints(shape.reduce((p, d) => p * d, 1), -3, 3));
  const sparse = (r: Rng, shape: number[]): TensorData => td('int8', shape, Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => (r.int(0, 7) === 0 ? r.int(-128, 127) : 0)));
  L.add('linear', 'random', 'decode-1x64x48-bias-per-channel-int8', SALT.decode((r) => ({
    inputs: [rand(r, 'int8', [1, 64]), rand(r, 'int8', [64, 48]), rand(r, 'int32', [48], -(2 ** 16), 2 ** 16)],
    attrs: { transposeB: false, scale: perChannel(r, 48, 9, 12), outDtype: 'int8' },
  })));
  L.add('linear', 'random', 'decode-2x8200x3-K-in-chunks-int16', (r) => ({
    inputs: [small(r, [2, 8200]), sparse(r, [8200, 3])],
    attrs: { transposeB: false, scale: dyadicNear(r, 2), outDtype: 'int16' },
  }));
  L.add('linear', 'random', 'small-tiles-20x40x24-bias-int8', (r) => ({
    inputs: [rand(r, 'int8', [20, 40]), rand(r, 'int8', [40, 24]), rand(r, 'int32', [24], -5000, 5000)],
    attrs: { transposeB: false, scale: dyadicNear(r, -10), outDtype: 'int8' },
  }));
  L.add('linear', 'random', 'mid-tiles-64x32x64-per-channel-int16-saturating', SALT.midTiles((r) => ({
    inputs: [rand(r, 'int8', [64, 32]), rand(r, 'int8', [32, 64])],
    attrs: { transposeB: false, scale: perChannel(r, 64, -4, 2), outDtype: 'int16' },
  })));
  L.add('linear', 'random', 'big-tiles-129x4x130-int32-outScale', (r) => ({
    inputs: [small(r, [129, 4]), sparse(r, [4, 130])],
    attrs: { transposeB: false, scale: dyadicNear(r, 0), outDtype: 'int32', outScale: dyadicNear(r, -20) },
  }));
  L.add('linear', 'random', 'tiles-K-in-chunks-16x8200x3-bias-int8', (r) => ({
    inputs: [td('int8', [16, 8200], Array.from({ length: 16 * 8200 }, (_, i) => ((i * 7) % 11) - 5)), sparse(r, [8200, 3]), rand(r, 'int32', [3], -(2 ** 12), 2 ** 12)],
    attrs: { transposeB: false, scale: perChannel(r, 3, 5, 7), outDtype: 'int8' },
  }));
  L.add('linear', 'random', 'int16-batched-PV-2x8x40x4', (r) => ({
    inputs: [rand(r, 'int16', [2, 8, 40], 0, 2 ** 14), rand(r, 'int8', [2, 40, 4])],
    attrs: { transposeB: false, scale: dyadicNear(r, -14), outDtype: 'int16' },
  }));
  L.add('linear', 'random', 'transposeB-head-3x32x50-per-channel-int32-outScale', (r) => ({
    inputs: [rand(r, 'int8', [3, 32]), rand(r, 'int8', [50, 32])],
    attrs: { transposeB: true, scale: perChannel(r, 50, -2, 2), outDtype: 'int32', outScale: dyadicNear(r, -12) },
  }));
  L.add('linear', 'random', 'broadcastB-transposeB-bias-3x17x8x6-list-of-one', (r) => ({
    inputs: [rand(r, 'int8', [3, 17, 8]), rand(r, 'int8', [6, 8]), rand(r, 'int32', [6])],
    attrs: { transposeB: true, scale: [dyadicNear(r, -6)], outDtype: 'int8' },
  }));
  L.add('linear', 'random', 'residual-decode-1x64x40-bias-int16', (r) => ({
    inputs: [rand(r, 'int8', [1, 64]), rand(r, 'int8', [64, 40]), rand(r, 'int32', [40], -5000, 5000), rand(r, 'int16', [1, 40])],
    attrs: { transposeB: false, scale: perChannel(r, 40, 2, 5), outDtype: 'int16', residual: true },
  }));
  L.add('linear', 'random', 'residual-tiles-70x32x66-int8-saturating', SALT.residualTiles((r) => ({
    inputs: [rand(r, 'int8', [70, 32]), rand(r, 'int8', [32, 66]), rand(r, 'int8', [70, 66])],
    attrs: { transposeB: false, scale: dyadicNear(r, -8), outDtype: 'int8', residual: true },
  })));
  L.add('linear', 'random', 'residual-K-in-chunks-2x8200x4-int16', (r) => ({
    inputs: [small(r, [2, 8200]), sparse(r, [8200, 4]), rand(r, 'int16', [2, 4])],
    attrs: { transposeB: false, scale: dyadicNear(r, 4), outDtype: 'int16', residual: true },
  }));
  L.add('linear', 'adversarial', 'residual-int32-sums-beyond-int32-both-signs', () => ({
    inputs: [td('int8', [2, 1], [127, -128]), td('int8', [1, 3], [127, -128, 1]), td('int32', [2, 3], [I32_MAX, I32_MAX, I32_MIN, I32_MIN, 5, -5])],
    attrs: { transposeB: false, scale: { multiplier: M_MAX, shift: 0 }, outDtype: 'int32', residual: true },
  }));
  L.add('linear', 'adversarial', 'residual-batched-transposeB-bias-2x3x8x5', (r) => ({
    inputs: [rand(r, 'int8', [2, 3, 8]), rand(r, 'int8', [2, 5, 8]), rand(r, 'int32', [5], -1000, 1000), rand(r, 'int16', [2, 3, 5])],
    attrs: { transposeB: true, scale: dyadicNear(r, -6), outDtype: 'int16', residual: true },
  }));
  L.add('linear', 'adversarial', 'sum-wraps-then-saturates-per-channel', () => ({
    inputs: [full('int8', [2, 65536], -128), full('int8', [65536, 3], -128), td('int32', [3], [2 ** 30, -(2 ** 30), 0])],
    attrs: { transposeB: false, scale: [{ multiplier: 1, shift: 0 }, { multiplier: M_MAX, shift: 40 }, { multiplier: 3, shift: 1 }], outDtype: 'int16' },
  }));
  L.add('linear', 'adversarial', 'K0-bias-only-ties', () => ({
    inputs: [td('int8', [2, 0], []), td('int8', [0, 4], []), td('int32', [4], [3, -3, 5, -5])],
    attrs: { transposeB: false, scale: { multiplier: 1, shift: 1 }, outDtype: 'int8' },
  }));
  L.add('linear', 'adversarial', 'M0', (r) => ({ inputs: [td('int8', [0, 5], []), rand(r, 'int8', [5, 3])], attrs: { transposeB: false, scale: dyadicNear(r, -4), outDtype: 'int8' } }));
  L.add('linear', 'adversarial', 'N0-per-channel-of-none-takes-one', (r) => ({
    inputs: [rand(r, 'int8', [4, 5]), td('int8', [5, 0], [])],
    attrs: { transposeB: false, scale: dyadicNear(r, -4), outDtype: 'int16' },
  }));
}

function requantizeCases(L: CaseList): void {
  const pairs: [DType, DType][] = [
    ['int32', 'int8'],
    ['int32', 'int16'],
    ['int32', 'int32'],
    ['int16', 'int8'],
    ['int8', 'int16'],
  ];
  for (const [inp, out] of pairs) {
    L.add('requantize', 'random', `per-tensor-${inp}-to-${out}`, (r) => {
      const log2 = BITS[out] - BITS[inp] + r.int(-2, 2);
      return { inputs: [td(inp, [7, 33], logInts(r, 231, inp))], attrs: { scale: dyadicNear(r, log2), outDtype: out } };
    });
  }
  for (const out of DTYPES) {
    L.add('requantize', 'random', `per-channel-int32-to-${out}`, (r) => {
      const c = 19;
      const scales = Array.from({ length: c }, () => (r.int(0, 2) === 0 ? anyDyadic(r) : dyadicNear(r, -r.int(0, 30))));
      return { inputs: [td('int32', [3, 5, c], logInts(r, 3 * 5 * c, 'int32'))], attrs: { scale: scales, outDtype: out } };
    });
  }
  L.add('requantize', 'random', 'per-channel-int16-to-int8-rank2', (r) => ({
    inputs: [rand(r, 'int16', [16, 8])],
    attrs: { scale: Array.from({ length: 8 }, () => dyadicNear(r, -r.int(6, 10))), outDtype: 'int8' },
  }));
  L.add('requantize', 'random', 'per-channel-list-of-one', (r) => ({ inputs: [rand(r, 'int32', [4, 6])], attrs: { scale: [dyadicNear(r, -20)], outDtype: 'int16' } }));

  // Ties: x·M/2^n = k + 1/2 exactly, both signs. x = (2j+1)·2^(n−1) and M odd give odd·2^(n−1).
  for (const n of [1, 2, 5, 14, 24, 30, 31, 32]) {
    L.add('requantize', 'adversarial', `ties-n${n}-both-signs`, (r) => {
      // M odd and below 2^n (so that most results stay unsaturated): x·M = odd·2^(n−1), a tie.
      const m = r.int(0, Math.min(2 ** n, 2 ** 31) / 2 - 1) * 2 + 1;
      const maxJ = Math.floor((2 ** (32 - n) - 1) / 2);
      const xs: number[] = [];
      for (let i = 0; xs.length < 128; i++) {
        const x = (2 * (i < 4 ? Math.min(i, maxJ) : r.int(0, Math.min(maxJ, 2 ** 20))) + 1) * 2 ** (n - 1);
        if (x <= I32_MAX) xs.push(x);
        if (-x >= I32_MIN) xs.push(-x);
      }
      // For n ≥ 31 only x = ±2^30 or −2^31 make ties, so vary M per channel instead: the floor of
      // ±odd·M/2 is then even in some channels and odd in others (ties to even differ on half).
      const scale = n >= 31 ? Array.from({ length: 128 }, () => ({ multiplier: r.int(0, 2 ** 30 - 1) * 2 + 1, shift: n })) : { multiplier: m, shift: n };
      return { inputs: [td('int32', [128], xs.slice(0, 128))], attrs: { scale, outDtype: 'int32' } };
    });
  }
  L.add('requantize', 'adversarial', 'ties-M1-n1-int32-odd-values', () => {
    const xs: number[] = [];
    for (let v = -41; v <= 41; v += 2) xs.push(v);
    xs.push(I32_MAX, I32_MIN + 1, I32_MAX - 2, I32_MIN + 3);
    return { inputs: [td('int32', [xs.length], xs)], attrs: { scale: { multiplier: 1, shift: 1 }, outDtype: 'int32' } };
  });
  L.add('requantize', 'adversarial', 'ties-int8-input-M3-n2', () => {
    const xs: number[] = [];
    for (let v = -126; v <= 126; v += 4) xs.push(v); // v ≡ 2 (mod 4): 3v/4 = k + 1/2
    return { inputs: [td('int8', [xs.length], xs)], attrs: { scale: { multiplier: 3, shift: 2 }, outDtype: 'int8' } };
  });
  L.add('requantize', 'adversarial', 'ties-int16-input-per-channel', () => {
    const scales: Dyadic[] = [
      { multiplier: 1, shift: 1 },
      { multiplier: 5, shift: 3 },
      { multiplier: 7, shift: 4 },
      { multiplier: 3, shift: 12 },
    ];
    // Column c holds x = ±odd·2^(n_c − 1); with M_c odd, x·M_c/2^n_c = ±odd·M_c/2 is a tie.
    const xs: number[] = [];
    for (const o of [1, 3, 5, 7, 9, 11, 13, 15]) {
      for (const sign of [1, -1]) for (const s of scales) xs.push(sign * o * 2 ** (s.shift - 1));
    }
    return { inputs: [td('int16', [xs.length / 4, 4], xs)], attrs: { scale: scales, outDtype: 'int16' } };
  });
  L.add('requantize', 'adversarial', 'tie-n62-min-int32-M2^30', () => ({
    inputs: [td('int32', [4], [I32_MIN, I32_MIN, I32_MIN + 1, I32_MAX])],
    attrs: { scale: { multiplier: 2 ** 30, shift: 62 }, outDtype: 'int8' },
  }));
  L.add('requantize', 'adversarial', 'tie-n61-2^30-M2^30', () => ({
    inputs: [td('int32', [4], [2 ** 30, -(2 ** 30), 3 * 2 ** 29, -(3 * 2 ** 29)])],
    attrs: { scale: { multiplier: 2 ** 30, shift: 61 }, outDtype: 'int8' },
  }));

  // Extreme scales × extreme inputs: per-channel scales along the last axis, one extreme per row.
  const scaleGrid: Dyadic[] = [
    { multiplier: 0, shift: 0 },
    { multiplier: 0, shift: 62 },
    { multiplier: 1, shift: 0 },
    { multiplier: 1, shift: 1 },
    { multiplier: 1, shift: 14 },
    { multiplier: 1, shift: 62 },
    { multiplier: M_MAX, shift: 0 },
    { multiplier: M_MAX, shift: 31 },
    { multiplier: M_MAX, shift: 32 },
    { multiplier: M_MAX, shift: 33 },
    { multiplier: M_MAX, shift: 62 },
    { multiplier: 2 ** 30, shift: 31 },
    { multiplier: 2 ** 30, shift: 62 },
    { multiplier: 1717986918, shift: 34 },
    { multiplier: 1549082005, shift: 22 },
    { multiplier: 2, shift: 0 },
  ];
  for (const inp of DTYPES) {
    for (const out of DTYPES) {
      L.add('requantize', 'adversarial', `extreme-scales-x-extreme-${inp}-to-${out}`, () => {
        const e = EXTREMES[inp];
        const xs: number[] = [];
        for (const v of e) for (let c = 0; c < scaleGrid.length; c++) xs.push(v);
        return { inputs: [td(inp, [e.length, scaleGrid.length], xs)], attrs: { scale: scaleGrid, outDtype: out } };
      });
    }
  }
  L.add('requantize', 'adversarial', 'n0-M-max-saturates', () => ({ inputs: [td('int32', [6], [0, 1, -1, 2, I32_MIN, I32_MAX])], attrs: { scale: { multiplier: M_MAX, shift: 0 }, outDtype: 'int32' } }));
  L.add('requantize', 'adversarial', 'n62-all-extremes-round-to-zero', () => ({ inputs: [td('int32', [4], [I32_MIN, I32_MAX, -1, 1])], attrs: { scale: { multiplier: M_MAX, shift: 62 }, outDtype: 'int16' } }));
  L.add('requantize', 'adversarial', 'M0-all-zero', (r) => ({ inputs: [rand(r, 'int32', [5, 5])], attrs: { scale: { multiplier: 0, shift: 7 }, outDtype: 'int8' } }));
  L.add('requantize', 'adversarial', 'saturation-edges-M1-n1', () => {
    const xs = [253, 254, 255, 256, -254, -255, -256, -257, -258, 65533, 65534, 65535, 65536, -65535, -65536, -65537, -65538];
    return { inputs: [td('int32', [xs.length], xs)], attrs: { scale: [{ multiplier: 1, shift: 1 }], outDtype: 'int8' } };
  });
  L.add('requantize', 'adversarial', 'saturation-edges-int16-out', () => {
    const xs = [65533, 65534, 65535, 65536, -65535, -65536, -65537, -65538, I32_MAX, I32_MIN];
    return { inputs: [td('int32', [xs.length], xs)], attrs: { scale: { multiplier: 1, shift: 1 }, outDtype: 'int16' } };
  });
  L.add('requantize', 'adversarial', 'cap-2^31-n0-M2', () => ({
    inputs: [td('int32', [6], [2 ** 30, -(2 ** 30), 2 ** 30 - 1, -(2 ** 30) + 1, I32_MIN, I32_MAX])],
    attrs: { scale: { multiplier: 2, shift: 0 }, outDtype: 'int32' },
  }));
  L.add('requantize', 'adversarial', 'rank0-scalar', () => ({ inputs: [td('int32', [], [-7])], attrs: { scale: { multiplier: 1, shift: 1 }, outDtype: 'int8' } }));
  L.add('requantize', 'adversarial', 'zero-size-per-tensor', () => ({ inputs: [td('int32', [3, 0], [])], attrs: { scale: { multiplier: 5, shift: 3 }, outDtype: 'int8' } }));
  L.add('requantize', 'adversarial', 'zero-size-per-channel', () => ({
    inputs: [td('int16', [0, 4], [])],
    attrs: { scale: [1, 2, 3, 4].map((m) => ({ multiplier: m, shift: m })), outDtype: 'int32' },
  }));
}

function elementwiseCases(L: CaseList): void {
  for (const op of ['add', 'mul'] as const) {
    for (const d of DTYPES) {
      const other: DType = d === 'int8' ? 'int32' : 'int8';
      L.add(op, 'random', `${d}-same-shape`, (r) => ({ inputs: [rand(r, d, [5, 9]), rand(r, d, [5, 9])], attrs: {} }));
      L.add(op, 'random', `${d}-broadcast-row-out-${other}`, (r) => ({ inputs: [rand(r, d, [2, 3, 8]), rand(r, d, [8])], attrs: { outDtype: other } }));
      // Every pair of extremes, saturated to the own dtype and to a narrower or wider one.
      L.add(op, 'adversarial', `${d}-all-extreme-pairs`, () => ({ inputs: extremePairs(d), attrs: {} }));
      L.add(op, 'adversarial', `${d}-all-extreme-pairs-out-${other}`, () => ({ inputs: extremePairs(d), attrs: { outDtype: other } }));
    }
    L.add(op, 'random', 'int16-broadcast-scalar-out-int32', (r) => ({ inputs: [rand(r, 'int16', [4, 6]), rand(r, 'int16', [])], attrs: { outDtype: 'int32' } }));
    L.add(op, 'adversarial', 'int32-all-extreme-pairs-out-int16', () => ({ inputs: extremePairs('int32'), attrs: { outDtype: 'int16' } }));
    L.add(op, 'random', 'int32-broadcast-2d-out-int8', (r) => ({ inputs: [td('int32', [3, 4, 5], logInts(r, 60, 'int32')), td('int32', [4, 5], logInts(r, 20, 'int32'))], attrs: { outDtype: 'int8' } }));
    L.add(op, 'adversarial', 'zero-size', () => ({ inputs: [td('int16', [0, 3], []), td('int16', [3], [1, 2, 3])], attrs: {} }));
    L.add(op, 'adversarial', 'zero-size-b', () => ({ inputs: [td('int8', [2, 0], []), td('int8', [0], [])], attrs: { outDtype: 'int16' } }));
    L.add(op, 'adversarial', 'rank0-both', () => ({ inputs: [td('int32', [], [I32_MIN]), td('int32', [], [-1])], attrs: {} }));
  }
  L.add('mul', 'adversarial', 'int32-products-beyond-2^53', () => ({
    inputs: [
      td('int32', [10], [I32_MAX, I32_MIN, I32_MIN, 46341, -46341, 65536, -65536, 94906266, -94906265, I32_MIN]),
      td('int32', [10], [I32_MAX, I32_MIN, I32_MAX, 46341, 46341, 32768, 32768, 94906267, 94906265, 1]),
    ],
    attrs: {},
  }));

  for (const d of DTYPES) {
    L.add('relu', 'random', d, (r) => ({ inputs: [rand(r, d, [3, 17])], attrs: {} }));
    L.add('relu', 'adversarial', `${d}-extremes`, () => ({ inputs: [td(d, [EXTREMES[d].length], EXTREMES[d])], attrs: {} }));
  }
  L.add('relu', 'adversarial', 'rank0-min', () => ({ inputs: [td('int32', [], [I32_MIN])], attrs: {} }));
  L.add('relu', 'adversarial', 'zero-size', () => ({ inputs: [td('int8', [4, 0, 2], [])], attrs: {} }));

  for (const from of DTYPES) {
    for (const to of DTYPES) {
      L.add('cast', 'adversarial', `${from}-to-${to}-extremes`, () => ({ inputs: [td(from, [EXTREMES[from].length], EXTREMES[from])], attrs: { dtype: to } }));
    }
    L.add('cast', 'random', `${from}-to-int8`, (r) => ({ inputs: [td(from, [6, 11], logInts(r, 66, from))], attrs: { dtype: 'int8' } }));
  }
  L.add('cast', 'adversarial', 'zero-size', () => ({ inputs: [td('int32', [0], [])], attrs: { dtype: 'int8' } }));

  L.add('isqrt', 'random', 'every-bit-length', (r) => {
    const xs: number[] = [];
    for (let b = 1; b <= 31; b++) for (let i = 0; i < 8; i++) xs.push(r.int(2 ** (b - 1), Math.min(I32_MAX, 2 ** b - 1)));
    return { inputs: [td('int32', [31, 8], xs)], attrs: {} };
  });
  L.add('isqrt', 'random', 'uniform-with-negatives', (r) => ({ inputs: [rand(r, 'int32', [500])], attrs: {} }));
  L.add('isqrt', 'adversarial', 'squares-and-neighbours', (r) => {
    const xs: number[] = [0, 1, 2, 3, 4, -1, I32_MIN, I32_MAX, I32_MAX - 1];
    for (const k of [2, 3, 255, 256, 4095, 4096, 46339, 46340]) xs.push(k * k - 1, k * k, k * k + 1);
    for (let i = 0; i < 40; i++) {
      const k = r.int(2, 46340);
      xs.push(k * k - 1, k * k, Math.min(I32_MAX, k * k + 1), Math.min(I32_MAX, k * k + 2 * k));
    }
    return { inputs: [td('int32', [xs.length], xs)], attrs: {} };
  });
  L.add('isqrt', 'adversarial', 'zero-size', () => ({ inputs: [td('int32', [2, 0], [])], attrs: {} }));
  L.add('isqrt', 'adversarial', 'rank0-max', () => ({ inputs: [td('int32', [], [I32_MAX])], attrs: {} }));
}

const memo = new Map<string, Int8Array | Int16Array>();
/** Tables are built with decimal.js (~0.1 s each); build each one once per process. */
function table(key: string, build: () => Int8Array | Int16Array): Int8Array | Int16Array {
  let t = memo.get(key);
  if (!t) memo.set(key, (t = build()));
  return t;
}
const GELU_32 = () => table('gelu-1/32', () => geluTable({ multiplier: 1, shift: 5 }, { multiplier: 1, shift: 5 }));

function allInt8(): number[] {
  return Array.from({ length: 256 }, (_, i) => i - 128);
}

function lutCases(L: CaseList): void {
  L.add('lut', 'random', 'int8-table', (r) => ({ inputs: [rand(r, 'int8', [7, 13]), rand(r, 'int8', [256])], attrs: {} }));
  L.add('lut', 'random', 'int16-table', (r) => ({ inputs: [rand(r, 'int8', [2, 3, 21]), rand(r, 'int16', [256])], attrs: {} }));
  const tables: [string, () => Int8Array | Int16Array][] = [
    ['gelu-int8-s1/32', GELU_32],
    ['gelu-int16-s1/16-out1/4096', () => geluTable({ multiplier: 1, shift: 4 }, { multiplier: 1, shift: 12 }, 'int16')],
    ['silu-int8-s0.05', () => siluTable({ multiplier: 1717986918, shift: 35 }, { multiplier: 1717986918, shift: 35 })],
    ['silu-int16-s1/8-out1/2048', () => siluTable({ multiplier: 1, shift: 3 }, { multiplier: 1, shift: 11 }, 'int16')],
    ['gelu-int8-saturating-s1/4-out1/64', () => geluTable({ multiplier: 1, shift: 2 }, { multiplier: 1, shift: 6 })],
  ];
  for (const [what, build] of tables) {
    L.add('lut', 'adversarial', `${what}-every-input`, () => {
      const t = build();
      return { inputs: [td('int8', [16, 16], allInt8()), td(t instanceof Int8Array ? 'int8' : 'int16', [256], t)], attrs: {} };
    });
  }
  L.add('lut', 'adversarial', 'extreme-int16-table-ends', () => {
    const t = Array.from({ length: 256 }, (_, i) => (i % 2 === 0 ? -32768 : 32767));
    return { inputs: [td('int8', [4], [-128, 127, -127, 126]), td('int16', [256], t)], attrs: {} };
  });
  L.add('lut', 'adversarial', 'all-min-input', (r) => ({ inputs: [full('int8', [64], -128), rand(r, 'int8', [256])], attrs: {} }));
  L.add('lut', 'adversarial', 'all-max-input', (r) => ({ inputs: [full('int8', [64], 127), rand(r, 'int16', [256])], attrs: {} }));
  L.add('lut', 'adversarial', 'zero-size', (r) => ({ inputs: [td('int8', [0, 5], []), rand(r, 'int8', [256])], attrs: {} }));
  L.add('lut', 'adversarial', 'rank0', (r) => ({ inputs: [td('int8', [], [-1]), rand(r, 'int16', [256])], attrs: {} }));
}

function expSoftmaxCases(L: CaseList): void {
  const one: Dyadic = { multiplier: 1, shift: 0 };
  L.add('expNeg', 'random', 'random-scales', (r) => {
    const xs: number[] = [];
    for (let i = 0; i < 400; i++) xs.push(r.int(0, 4) === 0 ? r.int(I32_MIN, I32_MAX) : -r.int(0, 10 ** r.int(0, 9)));
    return { inputs: [td('int32', [20, 20], xs)], attrs: { scale: expScale(r, 1000) } };
  });
  L.add('expNeg', 'random', 'any-dyadic', (r) => ({ inputs: [td('int32', [300], logInts(r, 300, 'int32'))], attrs: { scale: anyDyadic(r) } }));
  L.add('expNeg', 'random', 'log2e-256', (r) => ({ inputs: [rand(r, 'int32', [128], -3000, 10)], attrs: { scale: { multiplier: 1549082005, shift: 22 } } }));
  L.add('expNeg', 'adversarial', 'M1-n0-every-u-to-4097', () => {
    const xs = Array.from({ length: 4098 }, (_, i) => -i);
    return { inputs: [td('int32', [xs.length], xs)], attrs: { scale: one } };
  });
  L.add('expNeg', 'adversarial', 'u-rounding-ties-M1-n1', () => {
    const xs = Array.from({ length: 200 }, (_, i) => -(2 * i + 1)); // d/2 = k + 1/2: R rounds half up
    xs.push(-8191, -8192, -8193, 0, 1);
    return { inputs: [td('int32', [xs.length], xs)], attrs: { scale: { multiplier: 1, shift: 1 } } };
  });
  L.add('expNeg', 'adversarial', 'int32-extremes-M-max-n0', () => ({ inputs: [td('int32', [EXTREMES.int32.length], EXTREMES.int32)], attrs: { scale: { multiplier: M_MAX, shift: 0 } } }));
  L.add('expNeg', 'adversarial', 'int32-extremes-M-max-n62', () => ({ inputs: [td('int32', [EXTREMES.int32.length], EXTREMES.int32)], attrs: { scale: { multiplier: M_MAX, shift: 62 } } }));
  L.add('expNeg', 'adversarial', 'int32-extremes-M-max-n43', () => ({ inputs: [td('int32', [EXTREMES.int32.length], EXTREMES.int32)], attrs: { scale: { multiplier: M_MAX, shift: 43 } } }));
  L.add('expNeg', 'adversarial', 'M0-all-one', (r) => ({ inputs: [rand(r, 'int32', [50])], attrs: { scale: { multiplier: 0, shift: 0 } } }));
  L.add('expNeg', 'adversarial', 'halving-boundaries', () => {
    const xs: number[] = [];
    for (let k = 0; k <= 17; k++) for (const f of [-1, 0, 1, 128, 255]) if (256 * k + f >= 0) xs.push(-(256 * k + f));
    return { inputs: [td('int32', [xs.length], xs)], attrs: { scale: one } };
  });
  L.add('expNeg', 'adversarial', 'zero-size', () => ({ inputs: [td('int32', [0, 3], [])], attrs: { scale: one } }));
  L.add('expNeg', 'adversarial', 'rank0-min', () => ({ inputs: [td('int32', [], [I32_MIN])], attrs: { scale: { multiplier: 1, shift: 20 } } }));

  // softmax
  for (const [rows, len, spread] of [
    [4, 7, 10],
    [16, 64, 300],
    [8, 333, 5000],
    [2, 4096, 1e6],
  ] as const) {
    L.add('softmax', 'random', `${rows}x${len}-spread${spread}`, (r) => ({
      inputs: [td('int32', [rows, len], r.ints(rows * len, -spread, spread))],
      attrs: { scale: expScale(r, spread) },
    }));
  }
  L.add('softmax', 'random', 'rank3-masked-30pct', (r) => ({
    inputs: [td('int32', [3, 5, 40], r.ints(600, -2000, 2000).map((v) => (r.int(0, 9) < 3 ? MASKED : v)))],
    attrs: { scale: expScale(r, 2000) },
  }));
  // A backend may do short rows whole in one pass (webgpu: up to 1024 entries): both sides of that
  // edge, with masked entries and a fully masked row.
  for (const len of [1024, 1025]) {
    const salt = len === 1024 ? SALT.softmax1024 : SALT.softmax1025;
    L.add('softmax', 'adversarial', `L${len}-masked-and-a-fully-masked-row`, salt((r) => ({
      inputs: [td('int32', [3, len], r.ints(3 * len, -3000, 3000).map((v, i) => (i >= 2 * len || r.int(0, 4) === 0 ? MASKED : v)))],
      attrs: { scale: expScale(r, 3000) },
    })));
  }
  L.add('softmax', 'random', 'full-int32-range', (r) => ({ inputs: [rand(r, 'int32', [6, 50])], attrs: { scale: anyDyadic(r) } }));
  L.add('softmax', 'adversarial', 'spec-example', () => ({ inputs: [td('int32', [3], [0, -256, MASKED])], attrs: { scale: one } }));
  L.add('softmax', 'adversarial', 'fully-masked-rows', (r) => {
    const xs = r.ints(5 * 9, -100, 100);
    for (const row of [0, 2, 4]) for (let j = 0; j < 9; j++) xs[row * 9 + j] = MASKED;
    xs[1 * 9 + 3] = MASKED;
    return { inputs: [td('int32', [5, 9], xs)], attrs: { scale: { multiplier: 1, shift: 2 } } };
  });
  L.add('softmax', 'adversarial', 'one-unmasked-per-row', () => {
    const xs = new Array<number>(6 * 6).fill(MASKED);
    for (let i = 0; i < 6; i++) xs[i * 6 + i] = [I32_MIN + 1, -1, 0, 1, 12345, I32_MAX][i]!;
    return { inputs: [td('int32', [6, 6], xs)], attrs: { scale: one } };
  });
  L.add('softmax', 'adversarial', 'widest-difference-min+1-to-max', () => ({
    inputs: [td('int32', [2, 4], [I32_MAX, I32_MIN + 1, 0, I32_MAX, I32_MAX, I32_MIN + 1, MASKED, I32_MIN + 1])],
    attrs: { scale: { multiplier: 1, shift: 31 } },
  }));
  L.add('softmax', 'adversarial', 'M-max-n0-only-max-survives-with-ties', () => ({
    inputs: [td('int32', [3, 5], [5, 5, 4, 5, -3, 0, 0, 0, 0, 0, 7, 6, 7, MASKED, 7])],
    attrs: { scale: { multiplier: M_MAX, shift: 0 } },
  }));
  L.add('softmax', 'adversarial', 'M0-uniform-L3', (r) => ({ inputs: [rand(r, 'int32', [2, 3])], attrs: { scale: { multiplier: 0, shift: 62 } } }));
  L.add('softmax', 'adversarial', 'division-ties-uniform-L32768', () => ({ inputs: [full('int32', [1, 32768], 7)], attrs: { scale: one } }));
  L.add('softmax', 'adversarial', 'max-length-L65536-random', (r) => ({
    inputs: [td('int32', [1, MAX_SOFTMAX_LENGTH], r.ints(MAX_SOFTMAX_LENGTH, -5000, 5000))],
    attrs: { scale: expScale(r, 5000) },
  }));
  L.add('softmax', 'adversarial', 'max-length-L65536-winner-and-tail-at-cut', () => {
    const xs = new Array<number>(MAX_SOFTMAX_LENGTH).fill(-4095);
    xs[12345] = 0;
    return { inputs: [td('int32', [MAX_SOFTMAX_LENGTH], xs)], attrs: { scale: one } };
  });
  L.add('softmax', 'adversarial', 'max-length-L65536-all-equal-sum-2^31', () => ({ inputs: [full('int32', [MAX_SOFTMAX_LENGTH], I32_MIN + 1)], attrs: { scale: one } }));
  L.add('softmax', 'adversarial', 'L1-rows', (r) => ({ inputs: [td('int32', [5, 1], [MASKED, ...r.ints(4, I32_MIN + 1, I32_MAX)])], attrs: { scale: anyDyadic(r) } }));
  L.add('softmax', 'adversarial', 'zero-size-rows', () => ({ inputs: [td('int32', [0, 8], [])], attrs: { scale: one } }));
  L.add('softmax', 'adversarial', 'zero-length-rows', () => ({ inputs: [td('int32', [4, 0], [])], attrs: { scale: one } }));

  // causalMask
  L.add('causalMask', 'random', 'square-offset0', (r) => ({ inputs: [rand(r, 'int32', [7, 7])], attrs: { offset: 0 } }));
  L.add('causalMask', 'random', 'kv-cache-offset5-batched', (r) => ({ inputs: [rand(r, 'int32', [2, 3, 4, 9])], attrs: { offset: 5 } }));
  L.add('causalMask', 'adversarial', 'T-greater-than-S', (r) => ({ inputs: [rand(r, 'int32', [6, 3])], attrs: { offset: 0 } }));
  L.add('causalMask', 'adversarial', 'offset-max-nothing-masked', (r) => ({ inputs: [rand(r, 'int32', [2, 4, 4])], attrs: { offset: I32_MAX } }));
  L.add('causalMask', 'adversarial', 'offset-beyond-S', (r) => ({ inputs: [rand(r, 'int32', [3, 5])], attrs: { offset: 3 } }));
  L.add('causalMask', 'adversarial', 'int32-extremes-and-existing-MASKED', () => ({
    inputs: [td('int32', [4, 5], [I32_MAX, MASKED, I32_MIN + 1, 0, -1, MASKED, I32_MAX, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])],
    attrs: { offset: 1 },
  }));
  L.add('causalMask', 'adversarial', 'zero-T', () => ({ inputs: [td('int32', [2, 0, 5], [])], attrs: { offset: 0 } }));
  L.add('causalMask', 'adversarial', 'zero-S', () => ({ inputs: [td('int32', [3, 0], [])], attrs: { offset: 2 } }));
  L.add('causalMask', 'adversarial', '1x1', () => ({ inputs: [td('int32', [1, 1], [42])], attrs: { offset: 0 } }));
}

function normCases(L: CaseList): void {
  for (const op of ['layerNorm', 'rmsNorm'] as const) {
    const beta = (r: Rng, c: number, lo = -(2 ** 20), hi = 2 ** 20): TensorData[] => (op === 'layerNorm' ? [rand(r, 'int32', [c], lo, hi)] : []);
    for (const xd of ['int8', 'int16'] as const) {
      for (const out of DTYPES) {
        L.add(op, 'random', `${xd}-to-${out}-C64`, (r) => ({
          inputs: [td(xd, [6, 64], logInts(r, 384, xd)), rand(r, 'int16', [64], 8192, 32767), ...beta(r, 64)],
          attrs: { eps: r.int(0, 1000), scale: dyadicNear(r, out === 'int8' ? -22 : out === 'int16' ? -14 : 0), outDtype: out },
        }));
      }
    }
    L.add(op, 'random', 'int8-rank3-C768', (r) => ({
      inputs: [rand(r, 'int8', [2, 3, 768]), rand(r, 'int16', [768]), ...beta(r, 768)],
      attrs: { eps: 25, scale: dyadicNear(r, -22), outDtype: 'int8' },
    }));
    L.add(op, 'random', 'int16-any-scale-random-gamma', (r) => ({
      inputs: [rand(r, 'int16', [5, 33]), rand(r, 'int16', [33]), ...beta(r, 33, I32_MIN, I32_MAX)],
      attrs: { eps: r.int(0, I32_MAX), scale: anyDyadic(r), outDtype: 'int32' },
    }));
    L.add(op, 'adversarial', 'max-C16384-int16-extremes', (r) => ({
      inputs: [
        td('int16', [3, MAX_NORM_LENGTH], [
          ...new Array<number>(MAX_NORM_LENGTH).fill(-32768),
          ...Array.from({ length: MAX_NORM_LENGTH }, (_, i) => (i % 2 === 0 ? -32768 : 32767)),
          ...Array.from({ length: MAX_NORM_LENGTH }, (_, i) => (i === 777 ? 32767 : -32768)),
        ]),
        td('int16', [MAX_NORM_LENGTH], r.ints(MAX_NORM_LENGTH, 0, 1).map((b) => (b ? 32767 : -32768))),
        ...beta(r, MAX_NORM_LENGTH, I32_MIN, I32_MAX),
      ],
      attrs: { eps: I32_MAX, scale: { multiplier: M_MAX, shift: 40 }, outDtype: 'int16' },
    }));
    L.add(op, 'adversarial', 'max-C16384-int8-random', (r) => ({
      inputs: [rand(r, 'int8', [1, MAX_NORM_LENGTH]), rand(r, 'int16', [MAX_NORM_LENGTH]), ...beta(r, MAX_NORM_LENGTH)],
      attrs: { eps: 0, scale: dyadicNear(r, -22), outDtype: 'int8' },
    }));
    L.add(op, 'adversarial', 'constant-rows-eps0-r0', () => ({
      inputs: [td('int8', [3, 4], [5, 5, 5, 5, 0, 0, 0, 0, -128, -128, -128, -128]), full('int16', [4], 16384), ...(op === 'layerNorm' ? [td('int32', [4], [1000, -1000, 3, -3])] : [])],
      attrs: { eps: 0, scale: { multiplier: 1, shift: 1 }, outDtype: 'int16' },
    }));
    L.add(op, 'adversarial', 'int16-constant-extreme-rows', () => ({
      inputs: [td('int16', [2, 3], [-32768, -32768, -32768, 32767, 32767, 32767]), td('int16', [3], [-32768, 32767, 1])],
      attrs: { eps: 0, scale: { multiplier: 1, shift: 0 }, outDtype: 'int32' },
    }));
    L.add(op, 'adversarial', 'C1', (r) => ({ inputs: [td('int8', [4, 1], [-128, 127, 0, 1]), td('int16', [1], [-32768]), ...beta(r, 1)], attrs: { eps: 0, scale: { multiplier: M_MAX, shift: 30 }, outDtype: 'int32' } }));
    L.add(op, 'adversarial', 'gamma-min-z-max-saturate-n0', () => ({
      inputs: [td('int8', [2, 2], [127, -128, -128, 127]), td('int16', [2], [-32768, 32767])],
      attrs: { eps: 0, scale: { multiplier: M_MAX, shift: 0 }, outDtype: 'int8' },
    }));
    L.add(op, 'adversarial', 'z-rounding-ties', () => {
      // Rows with mean 0 and Σd² = 36, eps = 2^30 − 36: Q = 2^30, r = 2^15 and z = d·2^14/2^15 = d/2,
      // a tie for every odd d, of both signs. Identity requantize shows z·γ exactly.
      const rows = [1, 3, -5, 1, -1, -3, 5, -1, 3, -3, 3, -3, 5, -1, -1, -3, -5, 1, 3, 1];
      return { inputs: [td('int16', [5, 4], rows), td('int16', [4], [1, -1, 3, 32767])], attrs: { eps: 2 ** 30 - 36, scale: { multiplier: 1, shift: 0 }, outDtype: 'int32' } };
    });
    // Rows of mean 0 whose every d has low byte 255 (511 × −513 and 511 × 511 interleaved, then
    // 28671 and −27649): Σ of d_l² over more than 256 entries would leave float32's exact range.
    // Σd² = 43063² − 16337, so eps puts Q on a square (r = 43063) or one below it (r = 43062),
    // and an error in Q of either sign moves r, which moves z of the two large entries. One row
    // takes a backend's few-rows path, five its many-rows path.
    const lowBytes255 = (i: number) => [28671, -27649][(i % 1024) - 1022] ?? (i % 2 === 0 ? -513 : 511);
    for (const rows of [1, 5]) {
      for (const eps of [16336, 16337]) {
        L.add(op, 'adversarial', `${rows}-rows-C1024-low-bytes-255-eps${eps}`, () => ({
          inputs: [td('int16', [rows, 1024], Array.from({ length: rows * 1024 }, (_, i) => lowBytes255(i))), full('int16', [1024], 16384), ...(op === 'layerNorm' ? [full('int32', [1024], 0)] : [])],
          attrs: { eps, scale: { multiplier: 1, shift: 0 }, outDtype: 'int32' },
        }));
      }
    }
    L.add(op, 'adversarial', 'zero-size-rows', () => ({ inputs: [td('int8', [0, 8], []), full('int16', [8], 1), ...(op === 'layerNorm' ? [full('int32', [8], 0)] : [])], attrs: { eps: 1, scale: { multiplier: 1, shift: 0 }, outDtype: 'int8' } }));
    L.add(op, 'adversarial', 'rank1-M0', (r) => ({ inputs: [rand(r, 'int16', [10]), rand(r, 'int16', [10]), ...beta(r, 10)], attrs: { eps: 9, scale: { multiplier: 0, shift: 0 }, outDtype: 'int16' } }));
  }
  L.add('layerNorm', 'adversarial', 'acc-wraps-beta-near-max', () => ({
    inputs: [td('int8', [2, 4], [127, -128, 0, 1, -128, 127, 5, -5]), td('int16', [4], [32767, -32768, 32767, -32768]), td('int32', [4], [I32_MAX, I32_MIN, I32_MAX - 5, I32_MIN + 5])],
    attrs: { eps: 0, scale: { multiplier: 1, shift: 0 }, outDtype: 'int32' },
  }));
  L.add('layerNorm', 'adversarial', 'mean-rounding-ties', () => ({
    // Σw / C = k + 1/2 for int16 rows with C = 2 and odd sums, both signs.
    inputs: [td('int16', [4, 2], [0, 1, 0, -1, 32767, -32768, -3, 0]), td('int16', [2], [16384, 16384]), td('int32', [2], [0, 0])],
    attrs: { eps: 0, scale: { multiplier: 1, shift: 0 }, outDtype: 'int32' },
  }));
}

function gatherRopeCases(L: CaseList): void {
  for (const d of DTYPES) {
    L.add('gather', 'random', `${d}-table`, (r) => ({ inputs: [rand(r, d, [50, 12])], attrs: { ids: r.ints(20, 0, 49) } }));
  }
  L.add('gather', 'adversarial', 'first-last-repeated-rows', (r) => ({ inputs: [rand(r, 'int16', [7, 5])], attrs: { ids: [0, 6, 6, 0, 3, 6, 0] } }));
  L.add('gather', 'adversarial', 'empty-ids', (r) => ({ inputs: [rand(r, 'int8', [4, 3])], attrs: { ids: [] } }));
  L.add('gather', 'adversarial', 'zero-width-rows', () => ({ inputs: [td('int32', [4, 0], [])], attrs: { ids: [3, 1] } }));
  L.add('gather', 'adversarial', 'V1-extremes', () => ({ inputs: [td('int32', [1, 4], [I32_MIN, I32_MAX, MASKED, -1])], attrs: { ids: [0, 0, 0] } }));

  const tables = (maxPos: number, dim: number): TensorData[] => {
    const { cos, sin } = ropeTables(maxPos, dim);
    return [td('int16', [maxPos, dim / 2], cos), td('int16', [maxPos, dim / 2], sin)];
  };
  L.add('rope', 'random', 'int8-T16-D32-offset0', (r) => ({ inputs: [rand(r, 'int8', [16, 32]), ...tables(16, 32)], attrs: { offset: 0 } }));
  L.add('rope', 'random', 'int8-heads-T5-D16-offset27', (r) => ({ inputs: [rand(r, 'int8', [4, 5, 16]), ...tables(32, 16)], attrs: { offset: 27 } }));
  L.add('rope', 'random', 'int16-rank4-T3-D8-offset2', (r) => ({ inputs: [rand(r, 'int16', [2, 2, 3, 8]), ...tables(5, 8)], attrs: { offset: 2 } }));
  L.add('rope', 'random', 'int16-T40-D32-base500000', (r) => {
    const { cos, sin } = ropeTables(40, 32, 500000);
    return { inputs: [rand(r, 'int16', [40, 32]), td('int16', [40, 16], cos), td('int16', [40, 16], sin)], attrs: { offset: 0 } };
  });
  L.add('rope', 'adversarial', 'int8-extremes-saturate-at-45deg', () => {
    const c = Math.round(16384 * Math.SQRT1_2);
    return { inputs: [td('int8', [1, 8], [127, 127, -128, -128, 127, -128, -128, 127]), td('int16', [1, 4], [c, c, c, c]), td('int16', [1, 4], [c, c, c, c])], attrs: { offset: 0 } };
  });
  L.add('rope', 'adversarial', 'int16-arbitrary-tables-v-reaches-2^31', () => ({
    inputs: [
      td('int16', [2, 4], [-32768, -32768, 32767, -32768, -32768, 32767, 32767, 32767]),
      td('int16', [2, 2], [-32768, 32767, -32768, -32768]),
      td('int16', [2, 2], [-32768, -32768, 32767, -32768]),
    ],
    attrs: { offset: 0 },
  }));
  L.add('rope', 'adversarial', 'rounding-ties-both-signs', () => {
    // cos = 1, sin = 0 at p = 0 and cos = 0, sin = 1 at p = 1: v = x or ±x, and x = odd·2^13 gives v/2^14 = k + 1/2.
    const xs = [8192, -8192, 24576, -24576, 8191, -8193, 32767, -32768];
    return { inputs: [td('int16', [2, 8], [...xs, ...xs]), td('int16', [2, 4], [1, 1, 1, 1, 0, 0, 0, 0]), td('int16', [2, 4], [0, 0, 0, 0, 1, 1, 1, 1])], attrs: { offset: 0 } };
  });
  L.add('rope', 'adversarial', 'offset-at-table-end', (r) => ({ inputs: [rand(r, 'int8', [3, 2, 4]), ...tables(10, 4)], attrs: { offset: 8 } }));
  L.add('rope', 'adversarial', 'zero-T', () => ({ inputs: [td('int8', [2, 0, 4], []), ...tables(2, 4)], attrs: { offset: 2 } }));
  L.add('rope', 'adversarial', 'zero-D', () => ({ inputs: [td('int16', [3, 0], []), td('int16', [4, 0], []), td('int16', [4, 0], [])], attrs: { offset: 1 } }));
}

function argmaxSampleCases(L: CaseList): void {
  for (const d of DTYPES) {
    L.add('argmax', 'random', d, (r) => ({ inputs: [rand(r, d, [9, 31])], attrs: {} }));
    L.add('argmax', 'adversarial', `${d}-all-min-and-all-max-rows`, () => ({
      inputs: [td(d, [3, 17], [...new Array<number>(17).fill(DTYPE_MIN[d]), ...new Array<number>(17).fill(DTYPE_MAX[d]), ...new Array<number>(17).fill(DTYPE_MIN[d])])],
      attrs: {},
    }));
  }
  L.add('argmax', 'adversarial', 'repeated-max-first-wins', () => ({
    inputs: [td('int8', [4, 6], [1, 5, 3, 5, 5, 0, -1, -1, -1, -2, -1, -1, 0, 0, 0, 0, 0, 127, 127, 0, 0, 0, 0, 127])],
    attrs: {},
  }));
  L.add('argmax', 'random', 'int8-small-range-many-ties-rank3', (r) => ({ inputs: [rand(r, 'int8', [4, 5, 40], -2, 2)], attrs: {} }));
  L.add('argmax', 'adversarial', 'int32-masked-and-max-last', () => ({ inputs: [td('int32', [2, 5], [MASKED, MASKED, MASKED, MASKED, I32_MIN + 1, MASKED, 0, -1, I32_MAX - 1, I32_MAX])], attrs: {} }));
  L.add('argmax', 'adversarial', 'rank1-to-scalar', (r) => ({ inputs: [rand(r, 'int16', [100])], attrs: {} }));
  L.add('argmax', 'adversarial', 'V1', (r) => ({ inputs: [rand(r, 'int32', [3, 1])], attrs: {} }));
  L.add('argmax', 'adversarial', 'zero-rows', () => ({ inputs: [td('int8', [0, 7], [])], attrs: {} }));
  L.add('argmax', 'adversarial', 'long-row-65536', (r) => ({ inputs: [rand(r, 'int8', [65536])], attrs: {} }));

  const base = (r: Rng, rows: number, v: number, spread: number): TensorData => td('int32', [rows, v], r.ints(rows * v, -spread, spread));
  const seeds: [string, bigint | number][] = [
    ['0', 0],
    ['42', 42],
    ['2^53-1', Number.MAX_SAFE_INTEGER],
    ['2^64-1', (1n << 64n) - 1n],
  ];
  const steps: [string, bigint | number][] = [
    ['0', 0],
    ['1', 1],
    ['2^32', 2 ** 32],
    ['2^64-1', (1n << 64n) - 1n],
  ];
  // Each seed with two steps (a rotation through the step list), so every seed and step word is hit.
  seeds.forEach(([sn, seed], i) => {
    for (const [tn, step] of [steps[i % 4]!, steps[(i + 1) % 4]!]) {
      L.add('sample', 'random', `seed${sn}-step${tn}-8x50`, (r) => ({ inputs: [base(r, 8, 50, 3000)], attrs: { scale: expScale(r, 3000), seed, step } }));
    }
  });
  for (const topK of [1, 5, 50, 65536]) {
    L.add('sample', 'random', `topK${topK}-6x50`, (r) => ({ inputs: [base(r, 6, 50, 2000)], attrs: { scale: expScale(r, 2000), seed: 7, step: 3, topK } }));
  }
  for (const topP of [1, 32768, 58982, 65535]) {
    L.add('sample', 'random', `topP${topP}-6x50`, (r) => ({ inputs: [base(r, 6, 50, 2000)], attrs: { scale: expScale(r, 2000), seed: 11, step: 5, topP } }));
  }
  L.add('sample', 'random', 'same-logits-steps-0-and-1-differ', () => ({ inputs: [full('int32', [64, 4], 0)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 42, step: 1 } }));
  L.add('sample', 'random', 'topK10-topP45000-many-rows-256x32', (r) => ({ inputs: [base(r, 256, 32, 500)], attrs: { scale: expScale(r, 500), seed: 123456789, step: 17, topK: 10, topP: 45000 } }));
  L.add('sample', 'random', 'rank3-4x3x20', (r) => ({ inputs: [td('int32', [4, 3, 20], r.ints(240, -1000, 1000))], attrs: { scale: expScale(r, 1000), seed: 99, step: 0 } }));
  L.add('sample', 'adversarial', 'spec-worked-example', () => ({ inputs: [td('int32', [5], [10, 20, 20, 5, MASKED])], attrs: { scale: { multiplier: 1, shift: 2 }, seed: 42, step: 0 } }));
  L.add('sample', 'adversarial', 'all-masked-rows', () => {
    const xs = new Array<number>(4 * 6).fill(MASKED);
    xs[6 + 2] = 3;
    return { inputs: [td('int32', [4, 6], xs)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 5, step: 5, topP: 30000 } };
  });
  L.add('sample', 'adversarial', 'all-masked-rows-topK', () => ({ inputs: [full('int32', [3, 4], MASKED)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 1, step: 2, topK: 2 } }));
  L.add('sample', 'adversarial', 'order-ties-equal-logits', () => ({ inputs: [full('int32', [16, 10], 100)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 31337, step: 9 } }));
  L.add('sample', 'adversarial', 'order-ties-topK-cuts-a-tie', () => ({
    inputs: [td('int32', [8, 6], Array.from({ length: 48 }, (_, i) => [50, 50, 49, 50, 10, 50][i % 6]!))],
    attrs: { scale: { multiplier: 1, shift: 0 }, seed: 77, step: 1, topK: 2 },
  }));
  L.add('sample', 'adversarial', 'topK1-equals-argmax-with-ties', (r) => ({ inputs: [td('int32', [10, 12], r.ints(120, -3, 3))], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 8, step: 8, topK: 1 } }));
  L.add('sample', 'adversarial', 'M0-uniform-weights', (r) => ({ inputs: [base(r, 16, 7, 1000)], attrs: { scale: { multiplier: 0, shift: 0 }, seed: 2, step: 4 } }));
  L.add('sample', 'adversarial', 'M-max-n0-only-max', (r) => ({ inputs: [td('int32', [8, 5], r.ints(40, -2, 2))], attrs: { scale: { multiplier: M_MAX, shift: 0 }, seed: 3, step: 3 } }));
  L.add('sample', 'adversarial', 'tail-at-exp-cut', () => ({
    inputs: [td('int32', [4, 8], Array.from({ length: 32 }, (_, i) => (i % 8 === 0 ? 0 : [-4095, -4096, -4094, -3840][(i >> 3) % 4]!)))],
    attrs: { scale: { multiplier: 1, shift: 0 }, seed: 4, step: 6 },
  }));
  L.add('sample', 'adversarial', 'int32-extremes', () => ({ inputs: [td('int32', [2, 4], [I32_MAX, I32_MIN + 1, MASKED, I32_MAX, I32_MIN + 1, I32_MIN + 1, 0, MASKED])], attrs: { scale: { multiplier: 1, shift: 31 }, seed: 6, step: 6 } }));
  L.add('sample', 'adversarial', 'V1', () => ({ inputs: [td('int32', [3, 1], [MASKED, 0, I32_MAX])], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 9, step: 9, topK: 1, topP: 1 } }));
  L.add('sample', 'adversarial', 'max-vocab-65536', (r) => ({
    inputs: [td('int32', [1, MAX_VOCAB], r.ints(MAX_VOCAB, -100, 100))],
    attrs: { scale: { multiplier: 1, shift: 3 }, seed: 2024, step: 1, topP: 60000 },
  }));
  L.add('sample', 'adversarial', 'max-vocab-65536-all-equal-W-2^31', () => ({ inputs: [full('int32', [MAX_VOCAB], -7)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: (1n << 64n) - 1n, step: 12345, topP: TOP_P_ONE } }));
  // A backend may order candidates by a different path below and above some row length (webgpu:
  // ranks up to 4096 entries, a sort beyond): both sides of that edge, the rank path at its worst
  // (every weight positive, ties throughout) and with masked entries and a top-k cut in a tie.
  L.add('sample', 'adversarial', 'V4096-all-equal-every-weight-positive', () => ({ inputs: [full('int32', [1, 4096], 5)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 77, step: 2, topP: 50000 } }));
  L.add('sample', 'adversarial', 'V4096-ties-masked-topK', (r) => ({
    inputs: [td('int32', [2, 4096], r.ints(8192, -40, 40).map((x, i) => (i % 6 === 1 ? MASKED : x)))],
    attrs: { scale: { multiplier: 1, shift: 1 }, seed: 78, step: 3, topK: 100 },
  }));
  L.add('sample', 'adversarial', 'V4097-ties-topP', (r) => ({ inputs: [td('int32', [1, 4097], r.ints(4097, -40, 40))], attrs: { scale: { multiplier: 1, shift: 1 }, seed: 79, step: 4, topP: 60000 } }));
  // gpu.js ranks rows of up to 512 entries and sorts longer ones: the rank path at its longest
  // (ties, masked entries, limbs equal in hi and apart in lo, a fully masked row, cuts in ties) and
  // the sort just past it.
  L.add('sample', 'adversarial', 'V512-ties-masked-limbs-topK-topP-and-a-masked-row', (r) => {
    const xs = r.ints(3 * 512, -40, 40).map((x, i) => (i % 7 === 3 ? MASKED : i % 11 === 5 ? x * 65536 + 7 : x));
    xs.fill(MASKED, 2 * 512);
    return { inputs: [td('int32', [3, 512], xs)], attrs: { scale: { multiplier: 1, shift: 17 }, seed: 86, step: 11, topK: 300, topP: 45000 } };
  });
  L.add('sample', 'adversarial', 'V513-ties-masked-topP', (r) => ({
    inputs: [td('int32', [2, 513], r.ints(1026, -40, 40).map((x, i) => (i % 9 === 4 ? MASKED : x)))],
    attrs: { scale: { multiplier: 1, shift: 1 }, seed: 87, step: 12, topP: 60000 },
  }));
  // Beyond 4096 entries webgpu preselects by weight buckets (one weight per bucket of u, §9.3) and
  // finds the drawn candidate by the bytes of m − x: a llama-sized vocabulary with few positive
  // weights, cuts inside ties, masked and single-entry rows, every byte of d in play, and many
  // distinct d sharing one bucket (a fine scale) or all of them (M = 0).
  L.add('sample', 'adversarial', 'V32000-llama-vocab-sparse-weights', SALT.v32000((r) => ({
    // One entry in 16 near the top, the rest far below it (weight 0): a llama vocabulary's shape.
    inputs: [td('int32', [1, 32000], Array.from({ length: 32000 }, () => (r.int(0, 15) === 0 ? r.int(-3000, 3000) : -1000000)))],
    attrs: { scale: expScale(r, 3000), seed: 314, step: 15, topP: 58982 },
  })));
  L.add('sample', 'adversarial', 'V8192-ties-masked-topK-and-topP-cuts-inside-ties', SALT.v8192((r) => ({
    inputs: [td('int32', [2, 8192], r.ints(16384, -12, 12).map((x, i) => (i % 5 === 2 ? MASKED : x)))],
    attrs: { scale: { multiplier: 1, shift: 1 }, seed: 80, step: 5, topK: 3000, topP: 40000 },
  })));
  L.add('sample', 'adversarial', 'V4097-masked-rows-and-a-lone-entry', () => {
    const xs = new Array<number>(3 * 4097).fill(MASKED);
    xs[4097 + 4096] = -5;
    return { inputs: [td('int32', [3, 4097], xs)], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 81, step: 6, topK: 2 } };
  });
  L.add('sample', 'adversarial', 'V4500-int32-extremes-every-byte-of-d', (r) => ({
    inputs: [td('int32', [1, 4500], Array.from({ length: 4500 }, () => [I32_MAX, I32_MIN + 1, 0, MASKED, r.int(-(2 ** 31) + 1, 2 ** 31 - 1)][r.int(0, 4)]!))],
    attrs: { scale: { multiplier: 1, shift: 31 }, seed: 82, step: 7 },
  }));
  L.add('sample', 'adversarial', 'V6000-topK1-equals-argmax-with-ties', (r) => ({ inputs: [td('int32', [3, 6000], r.ints(18000, -3, 3))], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 83, step: 8, topK: 1 } }));
  L.add('sample', 'adversarial', 'V4500-M0-every-entry-in-one-bucket', (r) => ({
    inputs: [td('int32', [1, 4500], Array.from({ length: 4500 }, () => 1000 * r.int(-40, 40)))],
    attrs: { scale: { multiplier: 0, shift: 0 }, seed: 84, step: 9 },
  }));
  L.add('sample', 'adversarial', 'V6000-fine-scale-many-d-per-bucket', (r) => ({
    inputs: [td('int32', [1, 6000], Array.from({ length: 6000 }, () => 25 * r.int(-60, 60)))],
    attrs: { scale: { multiplier: 1, shift: 10 }, seed: 85, step: 10, topK: 5000 },
  }));
  // gpu.js orders only the candidates of positive weight of a row longer than 512 entries, by
  // ranks when a row keeps at most 512 of them and by a sort beyond: both sides of that edge, with
  // ties, empty stretches of the row, a fully masked row and cuts inside ties.
  L.add('sample', 'adversarial', 'V2000-512-positive-weights-and-a-masked-row', (r) => {
    // Rows: 512 spread over the first chunks, fully masked, 512 at the end, a lone one in the middle.
    const near = [(i: number) => i % 3 === 0 && i < 1536, () => false, (i: number) => i >= 2000 - 512, (i: number) => i === 1000];
    const xs = near.flatMap((isNear, row) => Array.from({ length: 2000 }, (_, i) => (isNear(i) ? r.int(-20, 20) : row === 1 ? MASKED : -1000000)));
    return { inputs: [td('int32', [4, 2000], xs)], attrs: { scale: { multiplier: 1, shift: 1 }, seed: 88, step: 13, topK: 400, topP: 50000 } };
  });
  L.add('sample', 'adversarial', 'V2000-513-positive-weights-at-the-ends-and-spread', (r) => {
    const near = [(i: number) => i >= 2000 - 513, (i: number) => i < 513, (i: number) => i % 3 === 1 && i < 1539];
    const xs = near.flatMap((isNear) => Array.from({ length: 2000 }, (_, i) => (isNear(i) ? r.int(-20, 20) : -1000000)));
    return { inputs: [td('int32', [3, 2000], xs)], attrs: { scale: { multiplier: 1, shift: 1 }, seed: 89, step: 14, topP: 50000 } };
  });
  L.add('sample', 'adversarial', 'zero-rows', () => ({ inputs: [td('int32', [0, 10], [])], attrs: { scale: { multiplier: 1, shift: 0 }, seed: 0, step: 0 } }));
}

function layoutCases(L: CaseList): void {
  L.add('transpose', 'random', 'int8-2d', (r) => ({ inputs: [rand(r, 'int8', [7, 13])], attrs: { perm: [1, 0] } }));
  L.add('transpose', 'random', 'int16-3d-heads', (r) => ({ inputs: [rand(r, 'int16', [4, 5, 6])], attrs: { perm: [1, 0, 2] } }));
  L.add('transpose', 'random', 'int32-4d-reverse', (r) => ({ inputs: [rand(r, 'int32', [2, 3, 4, 5])], attrs: { perm: [3, 2, 1, 0] } }));
  L.add('transpose', 'random', 'int8-4d-rotate', (r) => ({ inputs: [rand(r, 'int8', [3, 1, 4, 2])], attrs: { perm: [2, 0, 3, 1] } }));
  L.add('transpose', 'adversarial', 'identity-extremes', () => ({ inputs: [td('int32', [EXTREMES.int32.length], EXTREMES.int32)], attrs: { perm: [0] } }));
  L.add('transpose', 'adversarial', 'rank0', () => ({ inputs: [td('int16', [], [-32768])], attrs: { perm: [] } }));
  L.add('transpose', 'adversarial', 'zero-size', () => ({ inputs: [td('int8', [3, 0, 2], [])], attrs: { perm: [2, 1, 0] } }));

  L.add('slice', 'random', 'int8-2d', (r) => ({ inputs: [rand(r, 'int8', [10, 12])], attrs: { begin: [2, 3], size: [5, 7] } }));
  L.add('slice', 'random', 'int32-4d', (r) => ({ inputs: [rand(r, 'int32', [3, 4, 5, 6])], attrs: { begin: [1, 0, 2, 1], size: [2, 4, 3, 5] } }));
  L.add('slice', 'random', 'int16-1d', (r) => ({ inputs: [rand(r, 'int16', [40])], attrs: { begin: [13], size: [20] } }));
  L.add('slice', 'adversarial', 'full-extent', () => ({ inputs: [td('int16', [3, 5], EXTREMES.int16)], attrs: { begin: [0, 0], size: [3, 5] } }));
  L.add('slice', 'adversarial', 'empty-at-end', (r) => ({ inputs: [rand(r, 'int8', [4, 4])], attrs: { begin: [4, 1], size: [0, 3] } }));
  L.add('slice', 'adversarial', 'last-element', (r) => ({ inputs: [rand(r, 'int32', [3, 3, 3])], attrs: { begin: [2, 2, 2], size: [1, 1, 1] } }));
  L.add('slice', 'adversarial', 'rank0', () => ({ inputs: [td('int8', [], [-128])], attrs: { begin: [], size: [] } }));

  L.add('concat', 'random', 'int8-axis0', (r) => ({ inputs: [rand(r, 'int8', [2, 5]), rand(r, 'int8', [3, 5]), rand(r, 'int8', [1, 5])], attrs: { axis: 0 } }));
  L.add('concat', 'random', 'int16-last-axis', (r) => ({ inputs: [rand(r, 'int16', [2, 3, 4]), rand(r, 'int16', [2, 3, 1])], attrs: { axis: 2 } }));
  L.add('concat', 'random', 'int32-middle-axis-kv-cache', (r) => ({ inputs: [rand(r, 'int32', [4, 9, 8]), rand(r, 'int32', [4, 1, 8])], attrs: { axis: 1 } }));
  L.add('concat', 'adversarial', 'single-tensor', () => ({ inputs: [td('int32', [EXTREMES.int32.length], EXTREMES.int32)], attrs: { axis: 0 } }));
  L.add('concat', 'adversarial', 'zero-size-pieces', (r) => ({ inputs: [td('int8', [2, 0], []), rand(r, 'int8', [2, 3]), td('int8', [2, 0], []), rand(r, 'int8', [2, 1])], attrs: { axis: 1 } }));
  L.add('concat', 'adversarial', 'all-empty', () => ({ inputs: [td('int16', [0, 3], []), td('int16', [0, 3], [])], attrs: { axis: 0 } }));
  // A backend may join up to 8 inputs in one pass (webgpu): 8 pieces with empty ones inside and last.
  L.add('concat', 'adversarial', 'eight-pieces-middle-axis-empty-inside-and-last', (r) => ({
    inputs: [1, 2, 0, 3, 1, 1, 2, 0].map((k) => (k === 0 ? td('int32', [2, 0, 3], []) : rand(r, 'int32', [2, k, 3]))),
    attrs: { axis: 1 },
  }));
  L.add('concat', 'adversarial', 'many-pieces-extremes', () => ({ inputs: EXTREMES.int16.map((v) => td('int16', [1, 2], [v, -1 - v])), attrs: { axis: 0 } }));

  L.add('reshape', 'random', 'int16-2d-to-3d', (r) => ({ inputs: [rand(r, 'int16', [6, 8])], attrs: { shape: [2, 3, 8] } }));
  L.add('reshape', 'adversarial', 'scalar-to-1x1x1', () => ({ inputs: [td('int32', [], [I32_MIN])], attrs: { shape: [1, 1, 1] } }));
  L.add('reshape', 'adversarial', 'zero-size', () => ({ inputs: [td('int8', [0, 4], [])], attrs: { shape: [2, 0, 7] } }));
}

function quantizeCases(L: CaseList): void {
  const scales: [string, Dyadic][] = [
    ['s1', { multiplier: 1, shift: 0 }],
    ['s1/32', { multiplier: 1, shift: 5 }],
    ['s0.1', { multiplier: 1717986918, shift: 34 }],
    ['s-tiny', { multiplier: M_MAX, shift: 62 }],
    ['s-huge', { multiplier: M_MAX, shift: 0 }],
  ];
  scales.forEach(([sn, s], i) => {
    const sv = s.multiplier * 2 ** -s.shift;
    for (const d of [DTYPES[i % 3]!, DTYPES[(i + 1) % 3]!]) {
      L.add('quantize', 'random', `${d}-${sn}-uniform`, (r) => {
        const span = (DTYPE_MAX[d] + 2) * sv;
        return { inputs: [], attrs: { values: Array.from({ length: 64 }, () => (r.float() * 2 - 1) * span), shape: [8, 8], dtype: d, scale: s } };
      });
    }
    L.add('quantize', 'adversarial', `ties-and-neighbours-${sn}`, (r) => {
      const vals: number[] = [];
      for (let i = 0; i < 24; i++) {
        const k = r.int(0, 200);
        const t = (k + 0.5) * sv;
        vals.push(t, -t, nextDouble(t, 1), nextDouble(t, -1), -nextDouble(t, 1), -nextDouble(t, -1));
      }
      return { inputs: [], attrs: { values: vals, shape: [vals.length], dtype: 'int16', scale: s } };
    });
  });
  L.add('quantize', 'adversarial', 'int32-range-edges-s1', () => {
    const vals = [2147483646.5, 2147483647, 2147483647.4, 2147483647.5, 2147483648, -2147483648, -2147483648.5, -2147483647.5, -2147483649, 4503599627370497, -4503599627370497, 0.49999999999999994, -0.49999999999999994, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5];
    return { inputs: [], attrs: { values: vals, shape: [vals.length], dtype: 'int32', scale: { multiplier: 1, shift: 0 } } };
  });
  L.add('quantize', 'adversarial', 'overflow-to-infinity-and-subnormals', () => {
    const vals = [Number.MAX_VALUE, -Number.MAX_VALUE, 1e308, -1e308, Number.MIN_VALUE, -Number.MIN_VALUE, 0, -0, 1e-300, -1e-300, 2.2250738585072014e-308];
    return { inputs: [], attrs: { values: vals, shape: [vals.length], dtype: 'int8', scale: { multiplier: 1, shift: 62 } } };
  });
  L.add('quantize', 'adversarial', 'int8-saturation-edges-s1', () => {
    const vals = [126.5, 127, 127.49999999999999, 127.5, 128, 1000, -127.5, -128, -128.49999999999997, -128.5, -129, -1e9];
    return { inputs: [], attrs: { values: vals, shape: [3, 4], dtype: 'int8', scale: { multiplier: 1, shift: 0 } } };
  });
  L.add('quantize', 'adversarial', 'zero-size', () => ({ inputs: [], attrs: { values: [], shape: [0, 5], dtype: 'int16', scale: { multiplier: 3, shift: 2 } } }));
  L.add('quantize', 'adversarial', 'rank0', () => ({ inputs: [], attrs: { values: [-2.5], shape: [], dtype: 'int8', scale: { multiplier: 1, shift: 0 } } }));
}

function pipelineCases(L: CaseList): void {
  for (const [h, t, d, offset] of [
    [2, 4, 8, 0],
    [3, 1, 16, 11],
    [4, 6, 32, 5],
  ] as const) {
    L.add('attention', 'pipeline', `H${h}-T${t}-d${d}-offset${offset}`, (r) => {
      const { cos, sin } = ropeTables(offset + t, d);
      return {
        inputs: [
          rand(r, 'int8', [h, t, d]),
          rand(r, 'int8', [h, t, d]),
          rand(r, 'int8', [h, t, d]),
          rand(r, 'int8', [h, offset, d]),
          rand(r, 'int8', [h, offset, d]),
          td('int16', [offset + t, d / 2], cos),
          td('int16', [offset + t, d / 2], sin),
        ],
        attrs: { offset, softmaxScale: expScale(r, 40000), outScale: dyadicNear(r, -14 - r.int(0, 3)) },
      };
    });
  }
  for (const [tk, c, f] of [
    [3, 16, 64],
    [5, 64, 256],
  ] as const) {
    L.add('mlp', 'pipeline', `T${tk}-C${c}-F${f}`, (r) => ({
      inputs: [
        rand(r, 'int8', [tk, c]),
        rand(r, 'int16', [c], 8192, 32767),
        rand(r, 'int32', [c], -(2 ** 18), 2 ** 18),
        rand(r, 'int8', [c, f]),
        rand(r, 'int32', [f], -5000, 5000),
        rand(r, 'int8', [f, c]),
        rand(r, 'int32', [c], -5000, 5000),
        td('int8', [256], GELU_32()),
      ],
      attrs: { eps: 10, normScale: dyadicNear(r, -22), upScale: dyadicNear(r, -10), downScale: dyadicNear(r, -12) },
    }));
  }
  for (const [v, c, tk, topK, topP] of [
    [64, 16, 4, 0, TOP_P_ONE],
    [300, 32, 7, 20, 50000],
  ] as const) {
    L.add('lmHead', 'pipeline', `V${v}-C${c}-T${tk}-topK${topK}-topP${topP}`, (r) => ({
      inputs: [rand(r, 'int8', [v, c]), rand(r, 'int16', [c], 8192, 32767)],
      attrs: { ids: r.ints(tk, 0, v - 1), eps: 1, normScale: dyadicNear(r, -22), sampleScale: expScale(r, 20000), seed: 2 ** 40 + 17, step: 3, topK, topP },
    }));
  }
}

const SILU_16 = () => table('silu-1/16-to-int16', () => siluTable({ multiplier: 1, shift: 4 }, { multiplier: 1, shift: 10 }, 'int16'));

/** One normalized dyadic near 2^log2 per channel. */
const perChannel = (r: Rng, n: number, log2: number): Dyadic[] => Array.from({ length: n }, () => dyadicNear(r, log2));

/**
 * The llama's attention and SwiGLU MLP in the shapes the real checkpoints do not have: odd head
 * counts, head sizes that are not powers of two, kvHeads < heads, one-token decode steps with a
 * cache. The 'extremes' variants feed dtype extremes everywhere (residual at ±2^15, weights at
 * −128/127, the largest multipliers) so that every requantize saturates and every matmul sits at
 * its accumulator bound, with the offset at the rotary tables' end.
 */
function llamaPipelineCases(L: CaseList): void {
  const ropeAt = (p: number, d: number): TensorData[] => {
    const { cos, sin } = ropeTables(p, d);
    return [td('int16', [p, d / 2], cos), td('int16', [p, d / 2], sin)];
  };
  for (const [h, kv, t, d, offset] of [
    [3, 1, 4, 10, 5],
    [5, 5, 3, 8, 0],
    [6, 2, 1, 6, 11],
  ] as const) {
    const c = h * d;
    const kvw = kv * d;
    L.add('llamaAttention', 'pipeline', `H${h}-KV${kv}-T${t}-d${d}-offset${offset}`, (r) => ({
      inputs: [
        td('int16', [t, c], logInts(r, t * c, 'int16')),
        rand(r, 'int16', [c], 4096, 32767),
        rand(r, 'int8', [c, c]),
        rand(r, 'int8', [c, kvw]),
        rand(r, 'int8', [c, kvw]),
        rand(r, 'int8', [kv, offset, d]),
        rand(r, 'int8', [kv, offset, d], -16, 16),
        rand(r, 'int8', [kv, offset, d]),
        ...ropeAt(offset + t, d),
      ],
      attrs: {
        heads: h,
        kvHeads: kv,
        offset,
        eps: r.int(0, 1000),
        normScale: dyadicNear(r, -14),
        qScale: perChannel(r, c, -10),
        kScale: perChannel(r, kvw / 2, -10).flatMap((s) => [s, s]),
        vScale: perChannel(r, kvw, -16),
        softmaxScale: expScale(r, 2 ** 21),
        pvScale: dyadicNear(r, -8),
      },
    }));
  }
  L.add('llamaAttention', 'pipeline', 'H3-KV1-T2-d10-offset6-extremes', () => {
    const [h, kv, t, d, offset] = [3, 1, 2, 10, 6];
    const c = h * d;
    const alt = (n: number, a: number, b: number) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? b : a));
    const big: Dyadic = { multiplier: M_MAX, shift: 0 };
    return {
      inputs: [
        td('int16', [t, c], alt(t * c, 32767, -32768)),
        td('int16', [c], alt(c, 32767, -32768)),
        td('int8', [c, c], alt(c * c, 127, -128)),
        td('int8', [c, kv * d], alt(c * kv * d, -128, 127)),
        td('int8', [c, kv * d], alt(c * kv * d, 127, -128)),
        full('int8', [kv, offset, d], -128),
        full('int8', [kv, offset, d], -128),
        td('int8', [kv, offset, d], alt(kv * offset * d, 127, -128)),
        ...ropeAt(offset + t, d),
      ],
      attrs: {
        heads: h,
        kvHeads: kv,
        offset,
        eps: I32_MAX,
        normScale: big,
        qScale: new Array<Dyadic>(c).fill(big),
        kScale: new Array<Dyadic>(kv * d).fill({ multiplier: M_MAX, shift: 62 }),
        vScale: new Array<Dyadic>(kv * d).fill(big),
        softmaxScale: big,
        // One-hot probabilities (1.0 = 2^14) times ±2^7 values: 2^−7 keeps the result in range.
        pvScale: { multiplier: M_MAX, shift: 38 },
      },
    };
  });
  for (const [t, c, f] of [
    [4, 30, 44],
    [1, 40, 72],
    [3, 36, 56],
  ] as const) {
    L.add('swiglu', 'pipeline', `T${t}-C${c}-F${f}`, (r) => ({
      inputs: [td('int16', [t, c], logInts(r, t * c, 'int16')), rand(r, 'int16', [c], 4096, 32767), rand(r, 'int8', [c, f]), rand(r, 'int8', [c, f]), rand(r, 'int8', [f, c]), td('int16', [256], SILU_16())],
      attrs: {
        eps: r.int(0, 1000),
        normScale: dyadicNear(r, -14),
        gateScale: perChannel(r, f, -15),
        upScale: perChannel(r, f, -8),
        prodScale: dyadicNear(r, -14),
        downScale: perChannel(r, c, -8),
      },
    }));
  }
  L.add('swiglu', 'pipeline', 'T2-C48-F256-extremes', () => {
    const [t, c, f] = [2, 48, 256];
    const big: Dyadic = { multiplier: M_MAX, shift: 0 };
    return {
      inputs: [
        td('int16', [t, c], Array.from({ length: t * c }, (_, i) => (i % 2 ? 32767 : -32768))),
        full('int16', [c], -32768),
        full('int8', [c, f], -128),
        full('int8', [c, f], 127),
        full('int8', [f, c], -128),
        td('int16', [256], SILU_16()),
      ],
      attrs: { eps: 0, normScale: big, gateScale: new Array<Dyadic>(f).fill(big), upScale: new Array<Dyadic>(f).fill(big), prodScale: { multiplier: 1, shift: 62 }, downScale: new Array<Dyadic>(c).fill(big) },
    };
  });
}

function buildCases(): Case[] {
  const L = new CaseList();
  matmulCases(L);
  requantizeCases(L);
  linearCases(L);
  elementwiseCases(L);
  lutCases(L);
  expSoftmaxCases(L);
  normCases(L);
  gatherRopeCases(L);
  argmaxSampleCases(L);
  layoutCases(L);
  quantizeCases(L);
  pipelineCases(L);
  llamaPipelineCases(L);
  return L.cases;
}

/** Every conformance case, in a fixed order. Built once per process. */
export const CASES: readonly Case[] = buildCases();

export function findCase(name: string): Case {
  const c = CASES.find((x) => x.name === name);
  if (!c) throw new Error(`no conformance case named ${name}`);
  return c;
}
