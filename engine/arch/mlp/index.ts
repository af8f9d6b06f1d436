/**
 * The MLP architecture as a plug-in (engine/arch/architecture.ts): a classifier of dense layers
 * with ReLU. config.ts is its config, quant.ts its int model in the .spml file, model.ts the
 * integer forward pass (engine/NUMERICS.md, "Model recipes"), float.ts the float64 reference,
 * quantize.ts the quantizer.
 */
import type { ClassifierArchitecture } from '../architecture.js';
import { intModelToFile } from '../model_io.js';
import { checkMlpConfig, MLP_CONFIG_KEYS, mlpParameterShapes, type MlpConfig } from './config.js';
import { floatMlpForward } from './float.js';
import { MlpModel } from './model.js';
import { mlpFromFile, mlpIntTensorSpecs, type IntMlp } from './quant.js';
import { quantizeMlp } from './quantize.js';

export const mlpArchitecture: ClassifierArchitecture<MlpConfig, IntMlp> = {
  name: 'mlp',
  task: 'classify',
  description: 'Dense classifier: int8 layers with ReLU between them, int32 logits',
  configKeys: MLP_CONFIG_KEYS,
  checkConfig: checkMlpConfig,
  parameterShapes: mlpParameterShapes,
  intTensorSpecs: mlpIntTensorSpecs,
  fromFile: mlpFromFile,
  toFile: (model, meta) => intModelToFile(model, meta),
  instantiate: (backend, model) => new MlpModel(backend, model),
  inputSize: (config) => config.sizes[0]!,
  floatLogits: (checkpoint, inputs, count) => floatMlpForward(checkpoint.config as MlpConfig, checkpoint.tensors, inputs, count),
  quantize: (checkpoint, calibration) => quantizeMlp(checkpoint, calibration),
};
