/**
 * The GPT architecture as a plug-in (engine/arch/architecture.ts): a GPT-2-style character-level
 * decoder. config.ts is its config, quant.ts its int model in the .spml file, model.ts the
 * integer forward pass (engine/NUMERICS.md, "Model recipes"), float.ts the float64 reference,
 * quantize.ts the quantizer.
 */
import { ParamError } from '../../errors.js';
import type { LanguageModelArchitecture } from '../architecture.js';
import { CharTokenizer } from '../../tokenizer/char.js';
import { intModelToFile } from '../model_io.js';
import { checkGptConfig, GPT_CONFIG_KEYS, gptParameterShapes, type GptConfig } from './config.js';
import { floatGptForward } from './float.js';
import { GptModel } from './model.js';
import { gptFromFile, gptIntTensorSpecs, type IntGpt } from './quant.js';
import { quantizeGpt } from './quantize.js';

export const gptArchitecture: LanguageModelArchitecture<GptConfig, IntGpt> = {
  name: 'gpt',
  task: 'generate',
  description: 'GPT-2-style decoder: learned positions, pre-LayerNorm, multi-head attention, GELU MLP, tied head; character vocabulary',
  configKeys: GPT_CONFIG_KEYS,
  checkConfig: checkGptConfig,
  parameterShapes: gptParameterShapes,
  intTensorSpecs: gptIntTensorSpecs,
  checkCheckpoint(op, checkpoint) {
    const { vocabSize } = checkpoint.config as GptConfig;
    if (checkpoint.vocab === undefined || [...checkpoint.vocab].length !== vocabSize) {
      throw new ParamError(op, `a gpt checkpoint needs a vocab of ${vocabSize} characters`);
    }
  },
  fromFile: gptFromFile,
  toFile: (model, meta) => intModelToFile(model, meta, { vocab: model.vocab }),
  instantiate: (backend, model) => new GptModel(backend, model),
  checkpointTokenizer: (checkpoint) => new CharTokenizer(checkpoint.vocab ?? ''),
  floatLogits: (checkpoint, tokens) => floatGptForward(checkpoint.config as GptConfig, checkpoint.tensors, tokens),
  quantize: (checkpoint, calibration) => quantizeGpt(checkpoint, calibration),
};
