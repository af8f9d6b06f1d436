/// <reference types="@webgpu/types" />
/**
 * webgpu int8/int16 × int8 → int32 matmul (engine/NUMERICS.md §5; loop budget of §16.3),
 * transliterated from kernels/cpu/matmul.ts: tiled, untiled for small m, and K split into chunks
 * whose wrapping partial sums a second pass adds. The pass that stores the final sums (the row
 * kernel, or the reduce pass) puts each through an epilogue: none for MatMul, requantize and the
 * residual add for Linear (§5.1, linear.ts), so a decode step's projection is one pass that never
 * stores its int32 product. The tiled kernel (16 rows or more) stores plain sums and leaves the
 * epilogue to the reduce pass.
 */
import type { DType } from '../../engine/dtype.js';
import type { KernelFunc } from '../../engine/kernel_registry.js';
import type { MatMulAttrs } from '../../engine/ops/matmul.js';
import type { Tensor } from '../../engine/tensor.js';
import { asWebGpu, gpuBuffer, type WebGpuBackend } from './backend.js';
import { roomyPlane } from './kv_rows.js';
import { Y, shader } from './wgsl/common.js';
import { REQUANTIZE_WGSL, saturateWgsl } from './wgsl/fixed_point.js';

const gpu = asWebGpu;

/**
 * Requantize each finished sum to `dtype` by the (M, n) pairs in `scales`, one per channel or
 * one for all (§4), then add the same element of `residual`, saturating to `dtype` (§6.1).
 */
export interface Epilogue {
  readonly dtype: DType;
  readonly scales: GPUBuffer;
  readonly channels: number;
  readonly residual?: GPUBuffer;
}

/** The WGSL variant of an epilogue: what the source depends on (the buffers are bindings). */
interface Finish {
  readonly dtype: DType;
  readonly residual: boolean;
}

/**
 * WGSL `finish(acc, o, col)`, applied to output o (in column col) before it is stored: identity,
 * or requantize to the dtype with the channel count in P[channelsParam] (scales bound as `ms`,
 * after the kernel's own inputs), then plus `res[o]` when there is a residual (bound after `ms`).
 * Both values are within the dtype, so their sum is exact in 33 bits; saturating it needs the
 * carry only for int32.
 */
function finishWgsl(f: Finish | undefined, channelsParam: number): string {
  if (f === undefined) return 'fn finish(acc: i32, o: u32, col: u32) -> i32 {\n  return acc;\n}\n';
  const addResidual = f.residual
    ? `
  let a = satSigned(r.neg, r.mag);
  let b = res[o];
  let sum = a + b;
  // Same signs and a sum of the other sign: the exact sum left int32 (only possible for int32).
  if ((a < 0) == (b < 0) && (sum < 0) != (a < 0)) {
    return satSigned(a < 0, 0x80000000u + select(0u, 1u, a >= 0));
  }
  return satSigned(sum < 0, bitcast<u32>(select(sum, 0 - sum, sum < 0)));`
    : `
  return satSigned(r.neg, r.mag);`;
  return `${REQUANTIZE_WGSL}${saturateWgsl(f.dtype)}
fn finish(acc: i32, o: u32, col: u32) -> i32 {
  let c = col % P[${channelsParam}];
  let r = requantizeScalar(acc, ms[2u * c], ms[2u * c + 1u]);${addResidual}
}
`;
}
/** The epilogue's bindings, after a kernel's own inputs and before y. */
function finishBuffers(f: Finish | undefined): { name: string; type?: string }[] {
  if (f === undefined) return [];
  return [{ name: 'ms', type: 'u32' }, ...(f.residual ? [{ name: 'res' }] : [])];
}
const key = (f: Finish | undefined): string => (f ? `${f.dtype}${f.residual ? '+res' : ''}` : 'plain');

/** Each source built once per variant: building one is string work on every dispatch otherwise. */
const built = new Map<string, string>();
function memo(key: string, build: () => string): string {
  let src = built.get(key);
  if (src === undefined) built.set(key, (src = build()));
  return src;
}

/**
 * Workgroup-tiled matmul (engine/NUMERICS.md §5). One 64-invocation workgroup (8×8 grid) computes
 * a tile×tile block of one batch's output over one K chunk; invocation (tx, ty) accumulates the
 * per×per outputs at rows ty·per.., cols tx·per.. in vec4<i32> registers. Tilings, by shape:
 *   BIG   (m, n ≥ 128): tile 128, tk 16, per 16 (16 KiB of workgroup memory)
 *   MID   (m, n ≥ 64):  tile 64,  tk 32, per 8  (16 KiB)
 *   SMALL (otherwise):  tile 32,  tk 16, per 4  (4 KiB)
 * and for m < ROW_KERNEL_MAX_M (decode steps, m = 1) the untiled one-invocation-per-output
 * kernel below, where a tile would be mostly padding. Each K stage loads a tile×tk slice of A and
 * a tk×tile slice of B into var<workgroup> memory (stored k-major as vec4s; zero outside the
 * matrix, each invocation loading tile·tk/64 elements of each, unrolled), workgroupBarrier(),
 * then tk multiply-accumulate steps over the per×per block (unrolled), workgroupBarrier().
 *
 * Loop-limit bound: llvmpipe ends a shader invocation after about 65535 loop iterations in all
 * (§16.3). The only loops are the K-stage loop (MATMUL_CHUNK / tk stages per chunk) and, inside
 * it, the tk-step loop: at most (8192 / tk) × (1 + tk) iterations per invocation, i.e. 8704 for
 * tk = 16 and 8448 for tk = 32, well under the limit; the row kernel runs at most 8192. K longer
 * than MATMUL_CHUNK = 8192 is split into chunks (one workgroup per tile and chunk) whose i32
 * partial sums a second pass adds (wrapping addition is associative, so any split of K gives the
 * same bits).
 * P: groups, batch, m, k, cols, bBatchStride, kStride, jStride, chunks, chunkLen, mTiles, nTiles, groups
 */
const MATMUL_CHUNK = 8192;
/** A tile shape: tile×tile outputs per workgroup, tk K steps per stage, per×per per invocation. */
interface Tiling {
  tile: number;
  tk: number;
  per: number;
}
const THREADS = 64; // the tiled kernel's own workgroup size: (tile / per)² for every tiling
const BIG: Tiling = { tile: 128, tk: 16, per: 16 };
const MID: Tiling = { tile: 64, tk: 32, per: 8 };
/** Below this many rows per batch the untiled row kernel is used. */
const ROW_KERNEL_MAX_M = 16;
const SMALL: Tiling = { tile: 32, tk: 16, per: 4 };

function matmulSource(bias: boolean, partial: boolean, t: Tiling): string {
  return memo(`tiled ${bias} ${partial} ${t.tile}`, () => tiledSource(bias, partial, t));
}

function tiledSource(bias: boolean, partial: boolean, t: Tiling): string {
  const { tile: TILE, tk: TK, per: PER } = t;
  const bufs = [{ name: 'a' }, { name: 'b' }, ...(bias ? [{ name: 'bias' }] : []), Y];
  const decls = bufs
    .map((b, k) => `@group(0) @binding(${k + 1}) var<storage, ${'write' in b ? 'read_write' : 'read'}> ${b.name}: array<${'type' in b ? b.type : 'i32'}>;`)
    .join('\n');
  const loads: string[] = [];
  for (let e = 0; e < (TILE * TK) / THREADS; e++) {
    loads.push(`  {
      let idx = lid + ${e * THREADS}u;
      let r = idx / ${TK}u;
      let kk = idx % ${TK}u;
      let row = rowBase + r;
      let q = k0 + kk;
      var v: i32 = 0;
      if (row < M && q < q1) { v = a[(bm + row) * K + q]; }
      tA[kk * ${TILE / 4}u + r / 4u][r % 4u] = v;
    }
    {
      let idx = lid + ${e * THREADS}u;
      let kk = idx / ${TILE}u;
      let c = idx % ${TILE}u;
      let col = colBase + c;
      let q = k0 + kk;
      var v: i32 = 0;
      if (col < N && q < q1) { v = b[bBase + col * jStride + q * kStride]; }
      tB[kk * ${TILE / 4}u + c / 4u][c % 4u] = v;
    }`);
  }
  const accDecl: string[] = [];
  const fma: string[] = [];
  const store: string[] = [];
  for (let r4 = 0; r4 < PER / 4; r4++) {
    fma.push(`      let a${r4} = tA[kk * ${TILE / 4}u + ty * ${PER / 4}u + ${r4}u];`);
  }
  for (let c4 = 0; c4 < PER / 4; c4++) fma.push(`      let b${c4} = tB[kk * ${TILE / 4}u + tx * ${PER / 4}u + ${c4}u];`);
  for (let r = 0; r < PER; r++) {
    for (let c4 = 0; c4 < PER / 4; c4++) {
      accDecl.push(`  var c${r}_${c4} = vec4<i32>();`);
      fma.push(`      c${r}_${c4} = c${r}_${c4} + a${r >> 2}[${r & 3}] * b${c4};`);
    }
    for (let c = 0; c < PER; c++) {
      const v = `c${r}_${c >> 2}[${c & 3}]`;
      const rowE = `rowBase + ty * ${PER}u + ${r}u`;
      const colE = `colBase + tx * ${PER}u + ${c}u`;
      store.push(`  {
    let row = ${rowE};
    let col = ${colE};
    if (row < M && col < N) {
      let o = (bm + row) * N + col;
      ${partial ? `y[o * chunks + ch] = ${v};` : `y[o] = ${v}${bias ? ' + bias[col]' : ''};`}
    }
  }`);
    }
  }
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
${decls}
var<workgroup> tA: array<vec4<i32>, ${(TILE * TK) / 4}>;
var<workgroup> tB: array<vec4<i32>, ${(TILE * TK) / 4}>;
@compute @workgroup_size(${THREADS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let g = wg.x + wg.y * nwg.x;
  if (g >= P[12]) {
    return;
  }
  let M = P[2];
  let K = P[3];
  let N = P[4];
  let jStride = P[7];
  let kStride = P[6];
  let chunks = P[8];
  let nTiles = P[11];
  let mTiles = P[10];
  let colBase = (g % nTiles) * ${TILE}u;
  let g1 = g / nTiles;
  let rowBase = (g1 % mTiles) * ${TILE}u;
  let g2 = g1 / mTiles;
  let ch = g2 % chunks;
  let batch = g2 / chunks;
  let bm = batch * M;
  let bBase = batch * P[5];
  let q0 = ch * P[9];
  let q1 = min(q0 + P[9], K);
  let tx = lid % ${TILE / PER}u;
  let ty = lid / ${TILE / PER}u;
${accDecl.join('\n')}
  for (var k0 = q0; k0 < q1; k0 = k0 + ${TK}u) {
  ${loads.join('\n  ')}
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk = kk + 1u) {
${fma.join('\n')}
    }
    workgroupBarrier();
  }
${store.join('\n')}
}
`;
}

/**
 * Small-M fallback (one invocation per output and K chunk; decode steps have m = 1, where a
 * tiled workgroup would waste most of its tile): chunk ch of output o = i / chunks.
 * Loop bound: at most MATMUL_CHUNK = 8192 iterations per invocation.
 * P: n, m, k, cols, bBatchStride, kStride, jStride, chunks, chunkLen, channels
 */
function matmulRowSource(bias: boolean, out?: Finish): string {
  const bufs = [{ name: 'a' }, { name: 'b' }, ...(bias ? [{ name: 'bias' }] : []), ...finishBuffers(out), Y];
  return memo(`row ${bias} ${key(out)}`, () => shader(
    bufs,
    `  let chunks = P[7];
  let o = i / chunks;
  let ch = i % chunks;
  let j = o % P[3];
  let row = o / P[3];
  let p = row / P[1];
  let q0 = ch * P[8];
  let q1 = min(q0 + P[8], P[2]);
  let aBase = row * P[2];
  var bIdx = p * P[4] + j * P[6] + q0 * P[5];
  let kStep = P[5];
  var acc: i32 = ${bias ? 'bias[j]' : '0'};
  for (var q = q0; q < q1; q = q + 1u) {
    acc = acc + a[aBase + q] * b[bIdx];
    bIdx = bIdx + kStep;
  }
  y[i] = finish(acc, i, j);`,
    finishWgsl(out, 9),
  ));
}

/** y[o] = finish(bias[o % cols] + Σ_ch partial[o·chunks + ch]). P: n, chunks, cols, channels */
function matmulReduceSource(bias: boolean, out?: Finish): string {
  const bufs = [{ name: 'part' }, ...(bias ? [{ name: 'bias' }] : []), ...finishBuffers(out), Y];
  return memo(`reduce ${bias} ${key(out)}`, () => shader(
    bufs,
    `  var acc: i32 = ${bias ? 'bias[i % P[2]]' : '0'};
  for (var ch = 0u; ch < P[1]; ch = ch + 1u) {
    acc = acc + part[i * P[1] + ch];
  }
  y[i] = finish(acc, i, i % P[2]);`,
    finishWgsl(out, 3),
  ));
}

export const matmulKernel: KernelFunc<MatMulAttrs> = ({ backend, inputs, attrs, out }) => runMatmul(gpu(backend), inputs, attrs, out.size);

/** The matmul of `inputs` (a, b, bias?) into a new buffer of `size` words, each sum through `epilogue` if given. */
export function runMatmul(g: WebGpuBackend, inputs: readonly Tensor[], attrs: MatMulAttrs, size: number, epilogue?: Epilogue): GPUBuffer {
  const { batch, m, k, n, bBatched, transposeB, hasBias } = attrs;
  const y = g.createBuffer(size);
  if (size === 0) return y;
  const a = gpuBuffer(inputs[0]!);
  // A key/value cache plane is read where it lies, its heads `room` rows apart (kv_rows.ts).
  const plane = bBatched ? roomyPlane(inputs[1]!) : undefined;
  const b = plane ? plane.at.buffer : gpuBuffer(inputs[1]!);
  const bias = hasBias ? [gpuBuffer(inputs[2]!)] : [];
  const ms = epilogue ? [epilogue.scales, ...(epilogue.residual ? [epilogue.residual] : [])] : [];
  const out: Finish | undefined = epilogue ? { dtype: epilogue.dtype, residual: epilogue.residual !== undefined } : undefined;
  const channels = epilogue?.channels ?? 1;
  const chunks = Math.max(1, Math.ceil(k / MATMUL_CHUNK));
  const bBatchStride = plane ? plane.headStride : bBatched ? k * n : 0;
  const [kStride, jStride] = transposeB ? [1, k] : [n, 1];
  // With K in chunks, the partial sums are stored plain and the reduce pass adds the bias and finishes.
  const reduce = (part: GPUBuffer): void => {
    g.run(matmulReduceSource(hasBias, out), [part, ...bias, ...ms, y], [chunks, n, channels], size);
    g.release(part);
  };
  if (m < ROW_KERNEL_MAX_M) {
    const params = [m, k, n, bBatchStride, kStride, jStride, chunks, MATMUL_CHUNK, channels];
    if (chunks === 1) {
      g.run(matmulRowSource(hasBias, out), [a, b, ...bias, ...ms, y], params, size);
      return y;
    }
    const part = g.createBuffer(size * chunks);
    g.run(matmulRowSource(false), [a, b, part], params, size * chunks);
    reduce(part);
    return y;
  }
  const t = m >= 128 && n >= 128 ? BIG : m >= 64 && n >= 64 ? MID : SMALL;
  const mTiles = Math.ceil(m / t.tile);
  const nTiles = Math.ceil(n / t.tile);
  const groups = batch * mTiles * nTiles * chunks;
  const params = [batch, m, k, n, bBatchStride, kStride, jStride, chunks, MATMUL_CHUNK, mTiles, nTiles, groups];
  // The tiled kernel never finishes its sums itself: unrolled over its per×per outputs, the
  // epilogue made a shader that SwiftShader took seconds to compile. A product of 16 rows or more
  // (a prompt) is rare enough to afford the reduce pass for it.
  if (chunks === 1 && !epilogue) {
    g.runGroups(matmulSource(hasBias, false, t), [a, b, ...bias, y], params, groups);
    return y;
  }
  const part = g.createBuffer(size * chunks);
  g.runGroups(matmulSource(false, true, t), [a, b, part], params, groups);
  reduce(part);
  return y;
}
