/**
 * The package entry point `import 'spml/models'`: the tools that build and inspect model files
 * (docs/MODEL_FORMAT.md). The .spml codec and the model hash, float checkpoints, the TensorFlow.js
 * weights importer, and the architectures, each with its float64 reference and quantizer:
 *
 *   const ck = checkpointFromJson(text);                       // or checkpointFromTfjsFiles(…)
 *   const arch = getArchitecture(ck.config.arch)!;
 *   const file = arch.toFile(arch.quantize(ck, calibration), { name: 'my-model' });
 *   const bytes = encodeModel(file);                            // modelHash(bytes) names it
 *
 * A llama2.c checkpoint (with its tokenizer file) or a GGUF file converts in one call, as
 * `spml import` does it: `importModel(bytes, { tokenizer })` (also exported by `spml`).
 */
export {
  encodeModel,
  decodeModel,
  modelHash,
  readModelFile,
  writeModelFile,
  expectTensors,
  ModelFormatError,
  MODEL_FORMAT_VERSION,
  type ModelFile,
  type ModelMeta,
  type ModelTensorEntry,
  type TensorSpec,
} from '../engine/format/format.js';
export { canonicalJson } from '../engine/format/canonical_json.js';
export { checkpointFromJson, checkpointToJson, checkFloatCheckpoint, type FloatCheckpoint } from '../engine/format/checkpoint.js';
export { readLlama2cTokenizer, readLlama2cVocabulary, llama2cTokenTypes, type Llama2cVocabulary } from '../engine/format/llama2c_tokenizer.js';
export { readLlama2c } from '../engine/format/llama2c.js';
export { readGgufLlama, writeGgufLlama, type GgufLlamaOptions } from '../engine/format/gguf_llama.js';
export { readFloatModel, detectModelFormat, type FloatModelFormat } from '../engine/format/import.js';
export { importModel, type ImportOptions, type ImportedModel, type ImportProgress } from '../engine/import_model.js';
export { calibrationSequences, sampleFloatSequence, describeSampling, IMPORT_CALIBRATION, type SamplingRecipe } from '../engine/arch/llama/calibration.js';
export { llamaArchitecture } from '../engine/arch/llama/index.js';
export { quantizeLlama, type LlamaCalibration } from '../engine/arch/llama/quantize.js';
export type { LlamaConfig } from '../engine/arch/llama/config.js';
export {
  checkpointFromTfjsArtifacts,
  checkpointFromTfjsFiles,
  defaultTfjsNameMap,
  TfjsImportError,
  type TfjsArtifacts,
  type TfjsImportOptions,
} from '../engine/format/tfjs.js';
// GGUF version 3 (llama.cpp's format): read any file's metadata and tensor layout, decode F32, F16
// and Q8_0 tensors, write F32 and Q8_0 tensors.
export {
  decodeGguf,
  encodeGguf,
  ggufValue,
  GgufError,
  type GgufErrorKind,
  type GgufFile,
  type GgufTensor,
  type GgufValue,
  type GgufArray,
  type GgufInput,
  type GgufTensorInput,
} from '../engine/format/gguf.js';
export { checkConfig, parameterShapes, parameterCount, type ModelConfig } from '../engine/arch/config.js';
export { getArchitecture, listArchitectures, registerArchitecture } from '../engine/arch/registry.js';
export type { Architecture, LanguageModelArchitecture, ClassifierArchitecture } from '../engine/arch/architecture.js';
// The kit for writing an architecture outside the package (docs/ARCHITECTURE.md, "Adding a
// model architecture"): config checks, quant checks, and the file form of an int model.
export { configChecker } from '../engine/arch/config_check.js';
export { checkNorm, checkPair, checkPairs, failQuant, intModelToFile, isObj, tensorMap } from '../engine/arch/model_io.js';
export { pair, dyadic, type IntModel, type IntTensor, type DyadicPair, type NormQuant } from '../engine/arch/int_model.js';
export type { Classifier, LanguageModel, LanguageModelSession, TaskInput, TraceOptions, TraceStep, FileMeta } from '../engine/arch/architecture.js';
export { gptArchitecture } from '../engine/arch/gpt/index.js';
export { quantizeGpt, type GptCalibration } from '../engine/arch/gpt/quantize.js';
export type { GptConfig } from '../engine/arch/gpt/config.js';
export type { IntGpt, GptQuant } from '../engine/arch/gpt/quant.js';
export { mlpArchitecture } from '../engine/arch/mlp/index.js';
export { quantizeMlp } from '../engine/arch/mlp/quantize.js';
export type { MlpConfig } from '../engine/arch/mlp/config.js';
export type { IntMlp, MlpQuant } from '../engine/arch/mlp/quant.js';
