/**
 * The llama architecture as a plug-in (engine/arch/architecture.ts): a Llama-style decoder with a
 * BPE vocabulary, as llama2.c's checkpoints (engine/format/llama2c.ts) hold it. config.ts is its
 * config, quant.ts its int model in the .spml file, model.ts the integer forward pass
 * (engine/NUMERICS.md §20.7), float.ts the float64 reference, quantize.ts the quantizer,
 * vocabulary.ts its vocabulary and tokenizer.
 */
import type { LanguageModelArchitecture } from '../architecture.js';
import { intModelToFile } from '../model_io.js';
import { checkLlamaConfig, LLAMA_CONFIG_KEYS, llamaParameterShapes, type LlamaConfig } from './config.js';
import { floatLlamaForward } from './float.js';
import { LlamaModel } from './model.js';
import { llamaFromFile, llamaIntTensorSpecs, type IntLlama } from './quant.js';
import { quantizeLlama } from './quantize.js';
import { llamaTokenizer, parseLlamaVocabulary } from './vocabulary.js';

export const llamaArchitecture: LanguageModelArchitecture<LlamaConfig, IntLlama> = {
  name: 'llama',
  task: 'generate',
  description: 'Llama-style decoder: RMSNorm, rotary positions, grouped-query attention, SwiGLU MLP; BPE vocabulary',
  configKeys: LLAMA_CONFIG_KEYS,
  checkConfig: checkLlamaConfig,
  parameterShapes: llamaParameterShapes,
  intTensorSpecs: llamaIntTensorSpecs,
  checkCheckpoint(op, checkpoint) {
    parseLlamaVocabulary(op, checkpoint.vocab, (checkpoint.config as LlamaConfig).vocabSize, false);
  },
  fromFile: llamaFromFile,
  toFile: (model, meta) => intModelToFile(model, meta, { vocab: model.vocab }),
  instantiate: (backend, model) => new LlamaModel(backend, model),
  checkpointTokenizer: (checkpoint) => llamaTokenizer(parseLlamaVocabulary('checkpointTokenizer', checkpoint.vocab, (checkpoint.config as LlamaConfig).vocabSize, false)),
  floatLogits: (checkpoint, tokens) => floatLlamaForward(checkpoint.config as LlamaConfig, checkpoint.tensors, tokens),
  quantize: (checkpoint, calibration) => quantizeLlama(checkpoint, calibration),
};
