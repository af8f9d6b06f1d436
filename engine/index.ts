/**
 * spml: deterministic fixed-point inference. Public entry point of the engine.
 * The numerics contract is engine/NUMERICS.md; kernels/cpu is its reference implementation.
 */
export * from './errors.js';
export * from './dtype.js';
export * from './quant.js';
export * from './constants.js';
export { Tensor, tensor, shapeSize } from './tensor.js';
export { tidy, keep } from './scope.js';
export { registerBackend, getBackend, listBackends, defaultBackendName, setDefaultBackend, type Backend, type BackendFactory, type DeviceStats } from './backend.js';
export { registerKernel, registerKernels, getKernel, listKernels, type KernelConfig, type KernelFunc } from './kernel_registry.js';
export { KERNEL_NAMES, opOfKernel, type KernelName, type KernelTable, type OpAttrs } from './ops/op_table.js';
export { canonicalBytes, hashData, hashTensor, bytesToHex } from './hash.js';
export { Trace, merkleRoot, leafHash, inclusionProof, verifyInclusion, bisect, type TraceLeaf } from './trace.js';
export { buildLut, geluTable, siluTable, geluReal, siluReal, ropeTables } from './tables.js';
export * from './ops/index.js';

export { loadModel, generate, generateStream, classify, inspectModel, SHIPPED_MODELS } from './api.js';
export { importModel, type ImportOptions, type ImportedModel, type ImportProgress } from './import_model.js';
export type {
  SpmlModel,
  LoadedLanguageModel,
  LoadedClassifier,
  LoadOptions,
  GenerationResult,
  ClassificationResult,
  ClassifyResult,
  ClassifyOptions,
  GenerateOptions,
  GeneratedToken,
  GenerationStream,
} from './api.js';
export { GENERATE_DEFAULTS } from './generate.js';
export { verify, firstDifference, type Claim, type VerifyResult, type HashCheck, type FirstDifference, type GenerateInput, type ClassifyInput } from './verify.js';
export { registerArchitecture, getArchitecture, listArchitectures } from './arch/registry.js';
export type {
  Architecture,
  LanguageModelArchitecture,
  ClassifierArchitecture,
  LanguageModel,
  LanguageModelSession,
  Classifier,
  ModelInstance,
  Task,
  TaskInput,
  TraceStep,
} from './arch/architecture.js';
export type { Tokenizer } from './tokenizer/tokenizer.js';
export { CharTokenizer } from './tokenizer/char.js';
export { BpeTokenizer, TOKEN_TYPE, type BpeVocabulary, type EncodeOptions, type DecodeOptions } from './tokenizer/bpe.js';
