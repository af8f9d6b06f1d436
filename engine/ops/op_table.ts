/**
 * The op table: every kernel a backend implements, by name, with the type of its attributes
 * (engine/NUMERICS.md §0.2 lists the same names with their sections). This is the one place a
 * kernel name is written: the op layer dispatches through it (runKernel), every backend's table
 * is typed against it (KernelTable), and the conformance list and the registry test derive
 * from it. A kernel missing from a backend, or misspelt, is a compile error.
 */
import type { KernelFunc } from '../kernel_registry.js';
import type { GatherAttrs, RopeAttrs } from './gather.js';
import type { ConcatAttrs, SliceAttrs, TransposeAttrs } from './layout.js';
import type { LinearAttrs } from './linear.js';
import type { MatMulAttrs } from './matmul.js';
import type { NormAttrs } from './norm.js';
import type { RequantizeAttrs } from './requantize.js';
import type { SampleAttrs } from './sample.js';
import type { CausalMaskAttrs, ScaleAttrs } from './softmax.js';

/** Kernels that take no attributes. */
type NoAttrs = Record<string, never>;

/** Kernel name → its attribute type. */
export interface OpAttrs {
  MatMul: MatMulAttrs;
  Requantize: RequantizeAttrs;
  Linear: LinearAttrs;
  Cast: NoAttrs;
  Add: NoAttrs;
  Mul: NoAttrs;
  Relu: NoAttrs;
  Isqrt: NoAttrs;
  Lut: NoAttrs;
  ExpNeg: ScaleAttrs;
  Softmax: ScaleAttrs;
  CausalMask: CausalMaskAttrs;
  LayerNorm: NormAttrs;
  RmsNorm: NormAttrs;
  Gather: GatherAttrs;
  Rope: RopeAttrs;
  Argmax: NoAttrs;
  Sample: SampleAttrs;
  Transpose: TransposeAttrs;
  Slice: SliceAttrs;
  Concat: ConcatAttrs;
}

export type KernelName = keyof OpAttrs;

/**
 * Every kernel name, in the order of NUMERICS.md §0.2. `satisfies` below makes the compiler
 * check that this list and OpAttrs name the same kernels.
 */
export const KERNEL_NAMES = [
  'MatMul',
  'Requantize',
  'Linear',
  'Cast',
  'Add',
  'Mul',
  'Relu',
  'Isqrt',
  'Lut',
  'ExpNeg',
  'Softmax',
  'CausalMask',
  'LayerNorm',
  'RmsNorm',
  'Gather',
  'Rope',
  'Argmax',
  'Sample',
  'Transpose',
  'Slice',
  'Concat',
] as const satisfies readonly KernelName[];

// Fails to compile when OpAttrs has a kernel that KERNEL_NAMES lacks.
type Missing = Exclude<KernelName, (typeof KERNEL_NAMES)[number]>;
const everyKernelListed: [Missing] extends [never] ? true : Missing = true;
void everyKernelListed;

/** A backend's kernels: exactly one function per kernel name, typed by its attributes. */
export type KernelTable = { readonly [K in KernelName]: KernelFunc<OpAttrs[K]> };

/** The public op that dispatches a kernel (MatMul → matmul, ExpNeg → expNeg), for messages. */
export function opOfKernel(name: KernelName): string {
  return name === 'MatMul' ? 'matmul' : name.charAt(0).toLowerCase() + name.slice(1);
}
