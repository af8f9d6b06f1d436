/**
 * Bad input gets a typed error (engine/NUMERICS.md §19): for every op and for tensor(), every
 * kind of wrong input throws the right SpmlError subclass, with the right code, `op` equal to the
 * public op name, and a message that names the offending thing; and it throws rather than
 * returning some output.
 */
import { describe, expect, it } from 'vitest';
import '../../kernels/cpu/index.js';
import {
  BackendError,
  DTYPE_MAX,
  DTYPE_MIN,
  DTypeError,
  ParamError,
  ShapeError,
  Tensor,
  ValueRangeError,
  add,
  argmax,
  cast,
  causalMask,
  concat,
  dequantize,
  expNeg,
  gather,
  getBackend,
  isqrt,
  layerNorm,
  linear,
  lut,
  matmul,
  mul,
  quantize,
  relu,
  requantize,
  reshape,
  rmsNorm,
  rope,
  sample,
  slice,
  softmax,
  tensor,
  transpose,
  type Backend,
  type DType,
  type Dyadic,
  type NormOptions,
} from '../../lib/index.js';
import { Rng } from '../../tools/data/rng.js';
import { expectSpmlError, rejected, thrown, type ErrorClass } from './expect_error.js';
import { registerCpuClone } from './test_backends.js';

const cpu = await getBackend('cpu');
const cpu2 = await registerCpuClone('cpu2');
const rng = new Rng(0x0e770125);

function rand(dtype: DType, shape: number[], backend: Backend = cpu, scale?: Dyadic): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(backend, rng.ints(n, DTYPE_MIN[dtype], DTYPE_MAX[dtype]), shape, dtype, scale);
}
const i8 = (shape: number[]) => rand('int8', shape);
const i16 = (shape: number[]) => rand('int16', shape);
const i32 = (shape: number[]) => rand('int32', shape);

/** A fresh tensor with t's contents on `backend`. */
function copyOn(backend: Backend, t: Tensor): Tensor {
  return tensor(backend, t.dataSync(), t.shape, t.dtype, t.scale);
}

const ONE: Dyadic = { multiplier: 1 << 30, shift: 30 };
const A8 = i8([2, 3]);
const B8 = i8([3, 4]);
const BIAS = i32([4]);
const RESIDUAL = i16([2, 4]);
const X8 = i8([2, 3]);
const X16 = i16([2, 3]);
const X32 = i32([2, 3]);
const TABLE = i8([256]);
const XN = i8([2, 4]);
const GAMMA = i16([4]);
const BETA = i32([4]);
const EMB = i8([5, 3]);
const XR = i16([2, 3, 4]); // [B, T, D]
const COS = i16([8, 2]);
const SIN = i16([8, 2]);
const LOGITS = i32([2, 5]);
const SCORES = i32([2, 3, 3]);
const NORM: NormOptions = { eps: 1, scale: ONE, outDtype: 'int8' };
const SAMPLE = { scale: ONE, seed: 1, step: 0 };

interface Case {
  op: string;
  what: string;
  cls: ErrorClass;
  mentions: readonly string[];
  run: () => unknown;
  async: boolean;
}

const make =
  (cls: ErrorClass) =>
  (op: string, what: string, mentions: readonly string[], run: () => unknown, async = false): Case => ({ op, what, cls, mentions, run, async });
const SHAPE = make(ShapeError);
const DTYPE = make(DTypeError);
const RANGE = make(ValueRangeError);
const PARAM = make(ParamError);
const BACKEND = make(BackendError);

// ---------------------------------------------------------------------------------------------
// Hand-written cases: shapes, dtypes, parameters and data of each op.

const cases: Case[] = [
  // matmul
  DTYPE('matmul', 'a int32', ['a must be int8 or int16', 'got int32'], () => matmul(i32([2, 3]), B8)),
  DTYPE('matmul', 'b int16', ['b must be int8', 'got int16'], () => matmul(A8, i16([3, 4]))),
  DTYPE('matmul', 'bias int16', ['bias must be int32', 'got int16'], () => matmul(A8, B8, { bias: i16([4]) })),
  SHAPE('matmul', 'a rank 1', ['a must have rank 2 or 3', '[3]'], () => matmul(i8([3]), B8)),
  SHAPE('matmul', 'b rank 4', ['b must have rank 2 or 3', '[1, 1, 3, 4]'], () => matmul(A8, i8([1, 1, 3, 4]))),
  SHAPE('matmul', 'inner dimensions', ['inner dimensions', '[2, 3]', '[4, 5]'], () => matmul(A8, i8([4, 5]))),
  SHAPE('matmul', 'inner dimensions, transposeB', ['(transposed)', '[3, 4]'], () => matmul(A8, B8, { transposeB: true })),
  SHAPE('matmul', 'batched b, 2-D a', ['batched b', '[2, 3, 4]', '[2, 3]'], () => matmul(A8, i8([2, 3, 4]))),
  SHAPE('matmul', 'batch sizes differ', ['[3, 3, 4]', '[2, 2, 3]'], () => matmul(i8([2, 2, 3]), i8([3, 3, 4]))),
  SHAPE('matmul', 'bias length', ['bias must have shape [4]', '[5]'], () => matmul(A8, B8, { bias: i32([5]) })),
  SHAPE('matmul', 'bias rank 2', ['bias must have shape [4]', '[1, 4]'], () => matmul(A8, B8, { bias: i32([1, 4]) })),
  PARAM('matmul', 'options null', ['options'], () => matmul(A8, B8, null as never)),
  PARAM('matmul', 'options a number', ['options'], () => matmul(A8, B8, 5 as never)),

  // requantize
  PARAM('requantize', 'outDtype float32', ['outDtype', 'float32'], () => requantize(X32, ONE, 'float32' as never)),
  PARAM('requantize', 'outDtype missing', ['outDtype', 'undefined'], () => requantize(X32, ONE, undefined as never)),
  SHAPE('requantize', 'per-channel count', ['2 per-channel scales', 'last dimension 3'], () => requantize(X32, [ONE, ONE], 'int8')),
  SHAPE('requantize', 'empty scale list', ['0 per-channel scales', '3'], () => requantize(X32, [], 'int8')),
  PARAM('requantize', 'scale missing', ['scale'], () => requantize(X32, undefined as never, 'int8')),

  // linear: matmul's checks and requantize's, each naming linear
  DTYPE('linear', 'a int32', ['a must be int8 or int16', 'got int32'], () => linear(i32([2, 3]), B8, ONE, 'int8')),
  SHAPE('linear', 'inner dimensions', ['inner dimensions', '[2, 3]', '[4, 5]'], () => linear(A8, i8([4, 5]), ONE, 'int8')),
  SHAPE('linear', 'bias length', ['bias must have shape [4]', '[5]'], () => linear(A8, B8, ONE, 'int8', { bias: i32([5]) })),
  SHAPE('linear', 'per-channel count', ['3 per-channel scales', 'last dimension 4'], () => linear(A8, B8, [ONE, ONE, ONE], 'int8')),
  SHAPE('linear', 'per-channel count, transposeB', ['4 per-channel scales', 'last dimension 3'], () => linear(A8, i8([3, 3]), [ONE, ONE, ONE, ONE], 'int8', { transposeB: true })),
  PARAM('linear', 'outDtype float32', ['outDtype', 'float32'], () => linear(A8, B8, ONE, 'float32' as never)),
  PARAM('linear', 'scale missing', ['scale'], () => linear(A8, B8, undefined as never, 'int8')),
  PARAM('linear', 'outScale not dyadic', ['outScale'], () => linear(A8, B8, ONE, 'int32', { outScale: { multiplier: -1, shift: 0 } })),
  PARAM('linear', 'options null', ['options'], () => linear(A8, B8, ONE, 'int8', null as never)),
  DTYPE('linear', 'residual int8 for an int16 output', ['residual must be int16', 'got int8'], () => linear(A8, B8, ONE, 'int16', { residual: i8([2, 4]) })),
  SHAPE('linear', 'residual shape', ["residual must have the output's shape [2, 4]", '[4]'], () => linear(A8, B8, ONE, 'int16', { residual: i16([4]) })),

  // cast, isqrt
  PARAM('cast', 'dtype float16', ['outDtype', 'float16'], () => cast(X8, 'float16' as never)),
  PARAM('cast', 'dtype missing', ['outDtype', 'undefined'], () => cast(X8, undefined as never)),
  DTYPE('isqrt', 'x int16', ['x must be int32', 'got int16'], () => isqrt(X16)),
  DTYPE('isqrt', 'x int8', ['x must be int32', 'got int8'], () => isqrt(X8)),

  // lut
  DTYPE('lut', 'x int16', ['x must be int8', 'got int16'], () => lut(X16, TABLE)),
  DTYPE('lut', 'table int32', ['table must be int8 or int16', 'got int32'], () => lut(X8, i32([256]))),
  SHAPE('lut', 'table [255]', ['table must have shape [256]', '[255]'], () => lut(X8, i8([255]))),
  SHAPE('lut', 'table [2, 128]', ['table must have shape [256]', '[2, 128]'], () => lut(X8, i8([2, 128]))),

  // expNeg, softmax, causalMask
  DTYPE('expNeg', 'x int16', ['x must be int32', 'got int16'], () => expNeg(X16, ONE)),
  DTYPE('expNeg', 'x int8', ['x must be int32', 'got int8'], () => expNeg(X8, ONE)),
  DTYPE('softmax', 'x int16', ['x must be int32', 'got int16'], () => softmax(X16, ONE)),
  SHAPE('softmax', 'x rank 0', ['rank >= 1', '[]'], () => softmax(tensor(cpu, [5], [], 'int32'), ONE)),
  SHAPE('softmax', 'rows of 65537', ['65537', '65536'], () => softmax(tensor(cpu, new Int32Array(65537), [1, 65537]), ONE)),
  DTYPE('causalMask', 'x int16', ['x must be int32', 'got int16'], () => causalMask(i16([2, 2]))),
  SHAPE('causalMask', 'x rank 1', ['rank >= 2', '[4]'], () => causalMask(i32([4]))),
  PARAM('causalMask', 'offset -1', ['offset', 'got -1'], () => causalMask(i32([2, 2]), -1)),
  PARAM('causalMask', 'offset 1.5', ['offset', 'got 1.5'], () => causalMask(i32([2, 2]), 1.5)),
  PARAM('causalMask', 'offset 2^31', ['offset', 'got 2147483648'], () => causalMask(i32([2, 2]), 2 ** 31)),
  PARAM('causalMask', 'offset NaN', ['offset', 'got NaN'], () => causalMask(i32([2, 2]), NaN)),
  PARAM('causalMask', 'offset a string', ['offset', 'got 1'], () => causalMask(i32([2, 2]), '1' as never)),

  // layerNorm only
  DTYPE('layerNorm', 'beta int16', ['beta must be int32', 'got int16'], () => layerNorm(XN, GAMMA, { ...NORM, beta: i16([4]) })),
  SHAPE('layerNorm', 'beta [5]', ['beta must have shape [4]', '[5]'], () => layerNorm(XN, GAMMA, { ...NORM, beta: i32([5]) })),
  // rmsNorm only
  PARAM('rmsNorm', 'given a beta', ['rmsNorm takes no beta'], () => rmsNorm(XN, GAMMA, { ...NORM, beta: BETA } as never)),

  // gather
  SHAPE('gather', 'table rank 1', ['table must have rank 2', '[5]'], () => gather(i8([5]), [0])),
  SHAPE('gather', 'table rank 3', ['table must have rank 2', '[1, 5, 3]'], () => gather(i8([1, 5, 3]), [0])),
  PARAM('gather', 'ids a string', ['ids must be'], () => gather(EMB, '012' as never)),
  PARAM('gather', 'ids a Float64Array', ['ids must be'], () => gather(EMB, new Float64Array([0, 1]) as never)),
  PARAM('gather', 'ids missing', ['ids must be'], () => gather(EMB, undefined as never)),
  RANGE('gather', 'id -1 at position 2', ['ids[2] = -1', '5 rows'], () => gather(EMB, [0, 4, -1, 1])),
  RANGE('gather', 'id = V at position 0', ['ids[0] = 5', '5 rows'], () => gather(EMB, [5])),
  RANGE('gather', 'id 1.5 at position 1', ['ids[1] = 1.5'], () => gather(EMB, [0, 1.5])),
  RANGE('gather', 'id NaN at position 3', ['ids[3] = NaN'], () => gather(EMB, [0, 1, 2, NaN])),
  RANGE('gather', 'Int32Array id 7 at position 1', ['ids[1] = 7'], () => gather(EMB, new Int32Array([0, 7]))),
  RANGE('gather', 'id 2^31 at position 0', ['ids[0] = 2147483648'], () => gather(EMB, [2 ** 31])),

  // rope
  DTYPE('rope', 'x int32', ['x must be int8 or int16', 'got int32'], () => rope(i32([3, 4]), COS, SIN)),
  DTYPE('rope', 'cos int8', ['cos must be int16', 'got int8'], () => rope(XR, i8([8, 2]), SIN)),
  DTYPE('rope', 'sin int32', ['sin must be int16', 'got int32'], () => rope(XR, COS, i32([8, 2]))),
  SHAPE('rope', 'x rank 1', ['rank >= 2', '[4]'], () => rope(i16([4]), COS, SIN)),
  SHAPE('rope', 'odd D', ['last dimension 5', 'even'], () => rope(i16([3, 5]), COS, SIN)),
  SHAPE('rope', 'cos rank 1', ['cos must have rank 2', '[8]'], () => rope(XR, i16([8]), SIN)),
  SHAPE('rope', 'cos [8, 3]', ['[8, 3]', '[P, 2]'], () => rope(XR, i16([8, 3]), SIN)),
  SHAPE('rope', 'sin [7, 2]', ['[7, 2]', '[P, 2]'], () => rope(XR, COS, i16([7, 2]))),
  SHAPE('rope', 'sin rank 3', ['[1, 8, 2]', '[P, 2]'], () => rope(XR, COS, i16([1, 8, 2]))),
  PARAM('rope', 'offset -1', ['offset', 'got -1'], () => rope(XR, COS, SIN, -1)),
  PARAM('rope', 'offset 0.5', ['offset', 'got 0.5'], () => rope(XR, COS, SIN, 0.5)),
  RANGE('rope', 'offset 6 + T 3 > 8 positions', ['positions up to 8', '8 positions'], () => rope(XR, COS, SIN, 6)),
  RANGE('rope', 'T 9 > 8 positions', ['positions up to 8', '8 positions'], () => rope(i16([9, 4]), COS, SIN)),
  RANGE('rope', 'offset 2^31 - 1', ['positions up to 2147483649'], () => rope(XR, COS, SIN, 2 ** 31 - 1)),

  // argmax
  SHAPE('argmax', 'x rank 0', ['non-empty last axis', '[]'], () => argmax(tensor(cpu, [1], [], 'int32'))),
  SHAPE('argmax', 'empty last axis', ['non-empty last axis', '[2, 0]'], () => argmax(i32([2, 0]))),

  // sample
  DTYPE('sample', 'logits int16', ['logits must be int32', 'got int16'], () => sample(i16([2, 5]), SAMPLE)),
  SHAPE('sample', 'logits rank 0', ['last axis of 1 to 65536', '[]'], () => sample(tensor(cpu, [1], [], 'int32'), SAMPLE)),
  SHAPE('sample', 'V = 0', ['last axis of 1 to 65536', '[2, 0]'], () => sample(i32([2, 0]), SAMPLE)),
  SHAPE('sample', 'V = 65537', ['[1, 65537]'], () => sample(tensor(cpu, new Int32Array(65537), [1, 65537]), SAMPLE)),
  PARAM('sample', 'options null', ['options'], () => sample(LOGITS, null as never)),
  PARAM('sample', 'options missing', ['options'], () => sample(LOGITS, undefined as never)),
  PARAM('sample', 'scale missing', ['scale'], () => sample(LOGITS, { seed: 1, step: 0 } as never)),

  // reshape
  SHAPE('reshape', 'size differs', ['[2, 3]', '6 elements', '[4]'], () => reshape(X8, [4])),
  SHAPE('reshape', 'negative dimension', ['-1'], () => reshape(X8, [-1, 6])),
  SHAPE('reshape', 'fractional dimension', ['1.5'], () => reshape(X8, [1.5, 4])),
  PARAM('reshape', 'shape a number', ['shape must be an array'], () => reshape(X8, 6 as never)),
  PARAM('reshape', 'shape an Int32Array', ['shape must be an array'], () => reshape(X8, new Int32Array([6]) as never)),

  // transpose
  PARAM('transpose', 'perm a number', ['perm must be an array'], () => transpose(X8, 1 as never)),
  PARAM('transpose', 'perm too short', ['perm [0]', '[2, 3]'], () => transpose(X8, [0])),
  PARAM('transpose', 'perm repeats an axis', ['perm [0, 0]'], () => transpose(X8, [0, 0])),
  PARAM('transpose', 'perm out of range', ['perm [0, 2]'], () => transpose(X8, [0, 2])),
  PARAM('transpose', 'perm fractional', ['perm [1, 0.5]'], () => transpose(X8, [1, 0.5])),

  // slice
  PARAM('slice', 'begin not an array', ['begin and size must be arrays'], () => slice(X8, 0 as never, [1, 1])),
  PARAM('slice', 'size not an array', ['begin and size must be arrays'], () => slice(X8, [0, 0], 1 as never)),
  PARAM('slice', 'begin of wrong length', ['need 2 entries', '[2, 3]'], () => slice(X8, [0], [1, 1])),
  SHAPE('slice', 'past the end', ['axis 1', '[2, 5)', '[0, 3)'], () => slice(X8, [0, 2], [2, 3])),
  SHAPE('slice', 'negative begin', ['axis 0', '[-1, 0)'], () => slice(X8, [-1, 0], [1, 1])),
  SHAPE('slice', 'negative size', ['axis 1', '[1, 0)'], () => slice(X8, [0, 1], [1, -1])),
  SHAPE('slice', 'fractional begin', ['axis 0', '0.5'], () => slice(X8, [0.5, 0], [1, 1])),

  // concat
  PARAM('concat', 'no tensors', ['at least one tensor'], () => concat([], 0)),
  PARAM('concat', 'not an array', ['at least one tensor'], () => concat(X8 as never, 0)),
  PARAM('concat', 'axis 2 of rank 2', ['axis 2', '[0, 2)'], () => concat([X8, X8], 2)),
  PARAM('concat', 'axis -1', ['axis -1'], () => concat([X8, X8], -1)),
  PARAM('concat', 'axis 0.5', ['axis 0.5'], () => concat([X8, X8], 0.5)),
  DTYPE('concat', 'dtypes differ', ['xs[1] is int16', 'xs[0] is int8'], () => concat([X8, X16], 0)),
  SHAPE('concat', 'other axes differ', ['xs[1] [3, 4]', '[2, 3]', 'axis 0'], () => concat([X8, i8([3, 4])], 0)),
  SHAPE('concat', 'ranks differ', ['xs[1] [6]'], () => concat([X8, i8([6])], 0)),

  // quantize
  RANGE('quantize', 'NaN at index 2', ['value 2', 'NaN'], () => quantize(cpu, [0, 1, NaN, 3], [4], 'int8', ONE)),
  RANGE('quantize', 'Infinity at index 0', ['value 0', 'Infinity'], () => quantize(cpu, [Infinity, 1], [2], 'int16', ONE)),
  RANGE('quantize', '-Infinity at index 1', ['value 1', '-Infinity'], () => quantize(cpu, [0, -Infinity], [2], 'int32', ONE)),
  RANGE('quantize', 'NaN in a Float32Array at index 5', ['value 5', 'NaN'], () =>
    quantize(cpu, new Float32Array([0, 0, 0, 0, 0, NaN]), [6], 'int8', ONE),
  ),
  RANGE('quantize', 'a string at index 1', ['value 1'], () => quantize(cpu, [0, '1'] as never, [2], 'int8', ONE)),
  DTYPE('quantize', 'dtype float32', ["'float32'"], () => quantize(cpu, [0], [1], 'float32' as never, ONE)),
  PARAM('quantize', 'multiplier 0', ['multiplier 0'], () => quantize(cpu, [0], [1], 'int8', { multiplier: 0, shift: 0 })),
  PARAM('quantize', 'values null', ['values must be'], () => quantize(cpu, null as never, [1], 'int8', ONE)),
  PARAM('quantize', 'values a number', ['values must be'], () => quantize(cpu, 3 as never, [], 'int8', ONE)),
  SHAPE('quantize', '3 values for shape [2]', ['3 values', '[2]'], () => quantize(cpu, [1, 2, 3], [2], 'int8', ONE)),
  SHAPE('quantize', 'negative dimension', ['-2'], () => quantize(cpu, [1, 2], [-2], 'int8', ONE)),

  // dequantize
  PARAM('dequantize', 'no scale anywhere', ['no scale'], () => dequantize(X8), true),

  // tensor()
  RANGE('tensor', '[300] as int8', ['element 0', '300', 'int8', '[-128, 127]'], () => tensor(cpu, [300], [1], 'int8')),
  RANGE('tensor', '-129 as int8 at index 1', ['element 1', '-129', 'int8'], () => tensor(cpu, [0, -129], [2], 'int8')),
  RANGE('tensor', '40000 as int16', ['element 0', '40000', 'int16'], () => tensor(cpu, [40000], [1], 'int16')),
  RANGE('tensor', '2^31 as int32', ['element 2', '2147483648', 'int32'], () => tensor(cpu, [0, 0, 2 ** 31], [3], 'int32')),
  RANGE('tensor', '1.5', ['element 0', '1.5'], () => tensor(cpu, [1.5], [1], 'int32')),
  RANGE('tensor', 'NaN', ['element 0', 'NaN'], () => tensor(cpu, [NaN], [1], 'int32')),
  RANGE('tensor', '-Infinity', ['element 0', '-Infinity'], () => tensor(cpu, [-Infinity], [1], 'int16')),
  RANGE('tensor', 'a string', ['element 0'], () => tensor(cpu, ['1'] as never, [1], 'int8')),
  SHAPE('tensor', '3 numbers for [2, 2]', ['3 elements', '[2, 2]', '(4 elements)'], () => tensor(cpu, [1, 2, 3], [2, 2], 'int8')),
  SHAPE('tensor', '5 typed for [2, 3]', ['5 elements', '[2, 3]'], () => tensor(cpu, new Int16Array(5), [2, 3])),
  SHAPE('tensor', '1 element for []', ['0 elements', '[]'], () => tensor(cpu, [], [], 'int8')),
  SHAPE('tensor', 'dimension -1', ['dimension -1', '[-1, 2]'], () => tensor(cpu, [1, 2], [-1, 2], 'int8')),
  SHAPE('tensor', 'dimension 1.5', ['dimension 1.5'], () => tensor(cpu, [1, 2], [1.5], 'int8')),
  SHAPE('tensor', 'dimension 2^31', ['dimension 2147483648'], () => tensor(cpu, [], [2 ** 31, 0], 'int8')),
  SHAPE('tensor', 'dimension NaN', ['dimension NaN'], () => tensor(cpu, [1], [NaN], 'int8')),
  SHAPE('tensor', 'rank 256', ['rank 256'], () => tensor(cpu, [1], new Array<number>(256).fill(1), 'int8')),
  SHAPE('tensor', 'shape not an array', ['shape must be an array'], () => tensor(cpu, [1], 1 as never, 'int8')),
  DTYPE('tensor', 'Float32Array data', ['Float32Array'], () => tensor(cpu, new Float32Array(2) as never, [2])),
  DTYPE('tensor', 'Uint8Array data', ['Uint8Array'], () => tensor(cpu, new Uint8Array(2) as never, [2])),
  DTYPE('tensor', 'BigInt64Array data', ['BigInt64Array'], () => tensor(cpu, new BigInt64Array(2) as never, [2])),
  DTYPE('tensor', 'Int8Array data asked as int16', ['data is int8', "'int16'"], () => tensor(cpu, new Int8Array(2), [2], 'int16')),
  DTYPE('tensor', 'plain array without dtype', ['a dtype is required'], () => tensor(cpu, [1, 2], [2])),
  DTYPE('tensor', 'dtype int64', ["'int64'"], () => tensor(cpu, [1, 2], [2], 'int64' as never)),
  DTYPE('tensor', 'dtype uint8', ["'uint8'"], () => tensor(cpu, [1, 2], [2], 'uint8' as never)),
];

// add and mul share their checks.
for (const [op, f] of [
  ['add', add],
  ['mul', mul],
] as const) {
  cases.push(
    DTYPE(op, 'int8 with int16', ['a is int8 but b is int16'], () => f(X8, X16)),
    DTYPE(op, 'int32 with int8', ['a is int32 but b is int8'], () => f(X32, X8)),
    SHAPE(op, 'b not a trailing part', ['b [2]', 'a [2, 3]'], () => f(X8, i8([2]))),
    SHAPE(op, 'b of higher rank', ['b [2, 3]', 'a [3]'], () => f(i8([3]), X8)),
    SHAPE(op, 'b [1, 3] against [2, 3]', ['b [1, 3]', 'a [2, 3]'], () => f(X8, i8([1, 3]))),
    PARAM(op, 'outDtype uint8', ['outDtype', 'uint8'], () => f(X8, X8, 'uint8' as never)),
  );
}

// layerNorm and rmsNorm share theirs.
for (const [op, f] of [
  ['layerNorm', layerNorm],
  ['rmsNorm', rmsNorm],
] as const) {
  cases.push(
    DTYPE(op, 'x int32', ['x must be int8 or int16', 'got int32'], () => f(i32([2, 4]), GAMMA, NORM)),
    DTYPE(op, 'gamma int8', ['gamma must be int16', 'got int8'], () => f(XN, i8([4]), NORM)),
    SHAPE(op, 'x rank 0', ['rank >= 1', '[]'], () => f(tensor(cpu, [1], [], 'int8'), GAMMA, NORM)),
    SHAPE(op, 'rows of 0', ['rows of 0', '[1, 16384]'], () => f(i8([2, 0]), i16([0]), NORM)),
    SHAPE(op, 'rows of 16385', ['rows of 16385'], () => f(tensor(cpu, new Int8Array(16385), [1, 16385]), tensor(cpu, new Int16Array(16385), [16385]), NORM)),
    SHAPE(op, 'gamma [3]', ['gamma must have shape [4]', '[3]'], () => f(XN, i16([3]), NORM)),
    SHAPE(op, 'gamma [1, 4]', ['gamma must have shape [4]', '[1, 4]'], () => f(XN, i16([1, 4]), NORM)),
    PARAM(op, 'options missing', ['options'], () => f(XN, GAMMA, undefined as never)),
    PARAM(op, 'eps -1', ['eps', 'got -1'], () => f(XN, GAMMA, { ...NORM, eps: -1 })),
    PARAM(op, 'eps 0.5', ['eps', 'got 0.5'], () => f(XN, GAMMA, { ...NORM, eps: 0.5 })),
    PARAM(op, 'eps 2^31', ['eps', 'got 2147483648'], () => f(XN, GAMMA, { ...NORM, eps: 2 ** 31 })),
    PARAM(op, 'eps missing', ['eps', 'got undefined'], () => f(XN, GAMMA, { scale: ONE, outDtype: 'int8' } as never)),
    PARAM(op, 'outDtype int64', ['outDtype', 'int64'], () => f(XN, GAMMA, { ...NORM, outDtype: 'int64' as never })),
    PARAM(op, 'scale missing', ['scale'], () => f(XN, GAMMA, { eps: 1, outDtype: 'int8' } as never)),
  );
}

// sample: seed, step, topK and topP. Negative, at or past 2^64, fractional, not a number.
const TOO_BIG = 2n ** 64n;
for (const name of ['seed', 'step'] as const) {
  for (const [v, shown] of [
    [-1, '-1'],
    [-1n, '-1'],
    [TOO_BIG, '18446744073709551616'],
    [2 ** 64, String(2 ** 64)],
    [1.5, '1.5'],
    [NaN, 'NaN'],
    ['7', '7'],
    [undefined, 'undefined'],
  ] as const) {
    cases.push(PARAM('sample', `${name} ${typeof v === 'bigint' ? `${v}n` : String(v)}`, [name, `got ${shown}`], () => sample(LOGITS, { ...SAMPLE, [name]: v } as never)));
  }
}
for (const [name, values] of [
  ['topK', [-1, 65537, 1.5, 2 ** 64, NaN, '3', 2n]],
  ['topP', [0, -1, 65537, 0.5, 2 ** 64, NaN, '3']],
] as const) {
  for (const v of values) {
    cases.push(PARAM('sample', `${name} ${typeof v === 'bigint' ? `${v}n` : String(v)}`, [name, `got ${String(v)}`], () => sample(LOGITS, { ...SAMPLE, [name]: v } as never)));
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed dyadics at every place that takes one.

interface DyadicSite {
  op: string;
  what: string;
  run: (d: Dyadic) => unknown;
  async?: boolean;
}
const DYADIC_SITES: DyadicSite[] = [
  { op: 'requantize', what: 'scale', run: (d) => requantize(X32, d, 'int8') },
  { op: 'requantize', what: 'scale[1]', run: (d) => requantize(X32, [ONE, d, ONE], 'int8') },
  { op: 'requantize', what: 'outScale', run: (d) => requantize(X32, ONE, 'int8', d) },
  { op: 'lut', what: 'outScale', run: (d) => lut(X8, TABLE, d) },
  { op: 'expNeg', what: 'scale', run: (d) => expNeg(X32, d) },
  { op: 'softmax', what: 'scale', run: (d) => softmax(X32, d) },
  { op: 'layerNorm', what: 'scale', run: (d) => layerNorm(XN, GAMMA, { ...NORM, scale: d }) },
  { op: 'layerNorm', what: 'outScale', run: (d) => layerNorm(XN, GAMMA, { ...NORM, outScale: d }) },
  { op: 'rmsNorm', what: 'scale', run: (d) => rmsNorm(XN, GAMMA, { ...NORM, scale: d }) },
  { op: 'rmsNorm', what: 'outScale', run: (d) => rmsNorm(XN, GAMMA, { ...NORM, outScale: d }) },
  { op: 'sample', what: 'scale', run: (d) => sample(LOGITS, { ...SAMPLE, scale: d }) },
  { op: 'quantize', what: 'scale', run: (d) => quantize(cpu, [0.5, -1], [2], 'int8', d) },
  { op: 'dequantize', what: 'scale', run: (d) => dequantize(X8, d), async: true },
  { op: 'tensor', what: 'scale', run: (d) => tensor(cpu, [1, 2], [2], 'int8', d) },
];
const BAD_DYADICS: { what: string; d: Dyadic; mentions: string[] }[] = [
  { what: 'multiplier -1', d: { multiplier: -1, shift: 0 }, mentions: ['multiplier', 'got -1'] },
  { what: 'multiplier 2^31', d: { multiplier: 2 ** 31, shift: 0 }, mentions: ['multiplier', 'got 2147483648'] },
  { what: 'multiplier 1.5', d: { multiplier: 1.5, shift: 3 }, mentions: ['multiplier', 'got 1.5'] },
  { what: 'multiplier NaN', d: { multiplier: NaN, shift: 3 }, mentions: ['multiplier', 'got NaN'] },
  { what: 'multiplier Infinity', d: { multiplier: Infinity, shift: 3 }, mentions: ['multiplier', 'got Infinity'] },
  { what: 'shift 63', d: { multiplier: 1, shift: 63 }, mentions: ['shift', 'got 63'] },
  { what: 'shift -1', d: { multiplier: 1, shift: -1 }, mentions: ['shift', 'got -1'] },
  { what: 'shift 0.5', d: { multiplier: 1, shift: 0.5 }, mentions: ['shift', 'got 0.5'] },
  { what: 'shift missing', d: { multiplier: 1 } as never, mentions: ['shift', 'got undefined'] },
  { what: 'null', d: null as never, mentions: ['must be {multiplier, shift}'] },
  { what: 'a string', d: '0.5' as never, mentions: ['must be {multiplier, shift}'] },
];
for (const site of DYADIC_SITES) {
  for (const bad of BAD_DYADICS) {
    // dequantize(t, null) means "no scale given": it falls back to t's own scale.
    if (site.op === 'dequantize' && bad.d === null) continue;
    cases.push(PARAM(site.op, `${site.what} ${bad.what}`, [site.what, ...bad.mentions], () => site.run(bad.d), site.async === true));
  }
}

// ---------------------------------------------------------------------------------------------
// Every tensor argument of every op: a non-Tensor, a disposed tensor, a tensor on another backend.

interface Slot {
  op: string;
  arg: string;
  valid: () => Tensor;
  run: (t: Tensor) => unknown;
  /** The op takes more than one tensor, so this one can come from another backend. */
  multi: boolean;
  /** Leaving the argument out is allowed (matmul bias, layerNorm beta). */
  optional?: boolean;
  async?: boolean;
}
const SLOTS: Slot[] = [
  { op: 'matmul', arg: 'a', valid: () => A8, run: (t) => matmul(t, B8), multi: true },
  { op: 'matmul', arg: 'b', valid: () => B8, run: (t) => matmul(A8, t), multi: true },
  { op: 'matmul', arg: 'bias', valid: () => BIAS, run: (t) => matmul(A8, B8, { bias: t }), multi: true, optional: true },
  { op: 'requantize', arg: 'x', valid: () => X32, run: (t) => requantize(t, ONE, 'int8'), multi: false },
  { op: 'linear', arg: 'a', valid: () => A8, run: (t) => linear(t, B8, ONE, 'int8'), multi: true },
  { op: 'linear', arg: 'b', valid: () => B8, run: (t) => linear(A8, t, ONE, 'int8'), multi: true },
  { op: 'linear', arg: 'bias', valid: () => BIAS, run: (t) => linear(A8, B8, ONE, 'int8', { bias: t }), multi: true, optional: true },
  { op: 'linear', arg: 'residual', valid: () => RESIDUAL, run: (t) => linear(A8, B8, ONE, 'int16', { residual: t }), multi: true, optional: true },
  { op: 'add', arg: 'a', valid: () => X8, run: (t) => add(t, X8), multi: true },
  { op: 'add', arg: 'b', valid: () => X8, run: (t) => add(X8, t), multi: true },
  { op: 'mul', arg: 'a', valid: () => X16, run: (t) => mul(t, X16), multi: true },
  { op: 'mul', arg: 'b', valid: () => X16, run: (t) => mul(X16, t), multi: true },
  { op: 'relu', arg: 'x', valid: () => X8, run: (t) => relu(t), multi: false },
  { op: 'cast', arg: 'x', valid: () => X32, run: (t) => cast(t, 'int8'), multi: false },
  { op: 'isqrt', arg: 'x', valid: () => X32, run: (t) => isqrt(t), multi: false },
  { op: 'lut', arg: 'x', valid: () => X8, run: (t) => lut(t, TABLE), multi: true },
  { op: 'lut', arg: 'table', valid: () => TABLE, run: (t) => lut(X8, t), multi: true },
  { op: 'expNeg', arg: 'x', valid: () => X32, run: (t) => expNeg(t, ONE), multi: false },
  { op: 'softmax', arg: 'x', valid: () => X32, run: (t) => softmax(t, ONE), multi: false },
  { op: 'causalMask', arg: 'x', valid: () => SCORES, run: (t) => causalMask(t), multi: false },
  { op: 'layerNorm', arg: 'x', valid: () => XN, run: (t) => layerNorm(t, GAMMA, NORM), multi: true },
  { op: 'layerNorm', arg: 'gamma', valid: () => GAMMA, run: (t) => layerNorm(XN, t, NORM), multi: true },
  { op: 'layerNorm', arg: 'beta', valid: () => BETA, run: (t) => layerNorm(XN, GAMMA, { ...NORM, beta: t }), multi: true, optional: true },
  { op: 'rmsNorm', arg: 'x', valid: () => XN, run: (t) => rmsNorm(t, GAMMA, NORM), multi: true },
  { op: 'rmsNorm', arg: 'gamma', valid: () => GAMMA, run: (t) => rmsNorm(XN, t, NORM), multi: true },
  { op: 'gather', arg: 'table', valid: () => EMB, run: (t) => gather(t, [4, 0, 2]), multi: false },
  { op: 'rope', arg: 'x', valid: () => XR, run: (t) => rope(t, COS, SIN, 2), multi: true },
  { op: 'rope', arg: 'cos', valid: () => COS, run: (t) => rope(XR, t, SIN, 2), multi: true },
  { op: 'rope', arg: 'sin', valid: () => SIN, run: (t) => rope(XR, COS, t, 2), multi: true },
  { op: 'argmax', arg: 'x', valid: () => LOGITS, run: (t) => argmax(t), multi: false },
  { op: 'sample', arg: 'logits', valid: () => LOGITS, run: (t) => sample(t, SAMPLE), multi: false },
  { op: 'reshape', arg: 'x', valid: () => X8, run: (t) => reshape(t, [3, 2]), multi: false },
  { op: 'transpose', arg: 'x', valid: () => X8, run: (t) => transpose(t, [1, 0]), multi: false },
  { op: 'slice', arg: 'x', valid: () => X8, run: (t) => slice(t, [1, 1], [1, 2]), multi: false },
  { op: 'concat', arg: 'xs[0]', valid: () => X8, run: (t) => concat([t, X8], 1), multi: true },
  { op: 'concat', arg: 'xs[1]', valid: () => X8, run: (t) => concat([X8, t, X8], 0), multi: true },
  { op: 'dequantize', arg: 't', valid: () => X8, run: (t) => dequantize(t, ONE), multi: false, async: true },
];
const FAKES: { what: string; value: unknown; absent?: boolean }[] = [
  { what: 'undefined', value: undefined, absent: true },
  { what: 'null', value: null },
  { what: 'a number', value: 3 },
  { what: 'a look-alike object', value: { shape: [2, 3], dtype: 'int8', size: 6, rank: 2, data: async () => new Int8Array(6) } },
  { what: 'a raw Int8Array', value: new Int8Array(6) },
];
for (const s of SLOTS) {
  const async = s.async === true;
  for (const f of FAKES) {
    if (f.absent && s.optional) continue;
    cases.push(PARAM(s.op, `${s.arg} is ${f.what}`, [`${s.arg} must be a Tensor`], () => s.run(f.value as Tensor), async));
  }
  cases.push(
    BACKEND(
      s.op,
      `${s.arg} disposed`,
      ['tensor was disposed'],
      () => {
        const t = copyOn(cpu, s.valid());
        t.dispose();
        return s.run(t);
      },
      async,
    ),
  );
  if (s.multi) {
    cases.push(BACKEND(s.op, `${s.arg} on another backend`, ['different backends', "'cpu2'", "'cpu'"], () => s.run(copyOn(cpu2, s.valid())), async));
  }
}

// ---------------------------------------------------------------------------------------------

const ALL_OPS = [
  'matmul', 'requantize', 'linear', 'add', 'mul', 'relu', 'cast', 'isqrt', 'lut', 'expNeg', 'softmax', 'causalMask', 'layerNorm',
  'rmsNorm', 'gather', 'rope', 'argmax', 'sample', 'reshape', 'transpose', 'slice', 'concat', 'quantize', 'dequantize', 'tensor',
];

describe('bad input gets a typed error', () => {
  it('the table covers every op and tensor(), and every case names its op', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(ALL_OPS));
    const names = cases.map((c) => `${c.op}: ${c.what}`);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.op}: ${c.what} → ${c.cls.name}`, async () => {
      // An async op must reject (not throw synchronously); every other op must throw at once,
      // and neither may produce an output.
      const e = c.async ? await rejected(c.run) : thrown(c.run);
      expectSpmlError(e, c.cls, c.op, c.mentions);
    });
  }
});

describe('the same arguments without the fault are accepted', () => {
  // Each negative case above changes one argument of a call that works, so the error is due to
  // that argument alone.
  for (const s of SLOTS) {
    it(`${s.op} with a valid ${s.arg}`, async () => {
      const out = await s.run(s.valid());
      if (s.async) expect(out).toBeInstanceOf(Float64Array);
      else expect(out).toBeInstanceOf(Tensor);
    });
  }
  for (const site of DYADIC_SITES) {
    it(`${site.op} with a valid ${site.what}`, async () => {
      const out = await site.run(ONE);
      expect(out instanceof Tensor || out instanceof Float64Array).toBe(true);
    });
  }

  it('ops whose inputs all live on another backend run there and give the same bytes', () => {
    for (const s of SLOTS.filter((x) => !x.multi && !x.async)) {
      const here = s.run(s.valid()) as Tensor;
      const there = s.run(copyOn(cpu2, s.valid())) as Tensor;
      expect(there.backend.name, s.op).toBe('cpu2');
      expect(there.shape).toEqual(here.shape);
      expect(there.dataSync(), s.op).toEqual(here.dataSync());
    }
  });

  it('boundary values just inside each range are accepted', () => {
    expect(tensor(cpu, [-128, 127], [2], 'int8').dataSync()).toEqual(new Int8Array([-128, 127]));
    expect(tensor(cpu, [-(2 ** 31), 2 ** 31 - 1], [2], 'int32').dataSync()).toEqual(new Int32Array([-(2 ** 31), 2 ** 31 - 1]));
    expect(requantize(X32, { multiplier: 2 ** 31 - 1, shift: 62 }, 'int8').shape).toEqual([2, 3]);
    expect(gather(EMB, [4, 0]).shape).toEqual([2, 3]);
    expect(rope(XR, COS, SIN, 5).shape).toEqual([2, 3, 4]); // positions 5..7 of 8
    expect(sample(LOGITS, { ...SAMPLE, seed: TOO_BIG - 1n, step: TOO_BIG - 1n, topK: 65536, topP: 1 }).shape).toEqual([2]);
    expect(causalMask(i32([2, 2]), 2 ** 31 - 1).shape).toEqual([2, 2]);
  });
});
