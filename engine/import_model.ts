/**
 * Models trained elsewhere → .spml (docs/MODEL_FORMAT.md, "Llama"): the bytes of a llama2.c
 * checkpoint (with its tokenizer file) or a GGUF file become float weights
 * (engine/format/import.ts), then an int8 model by the architecture's quantizer, calibrated on
 * text the float model writes itself (engine/arch/llama/calibration.ts), then .spml bytes.
 *
 * Deterministic: the same input bytes and options give the same .spml bytes, so `spml import`
 * followed by loading the file, and loading the llama2.c or GGUF file directly, name one model
 * hash. The defaults depend on the file's content only, never on its path.
 */
import { parameterCount } from './arch/config.js';
import { calibrationSequences, describeSampling, IMPORT_CALIBRATION, plannedSampling } from './arch/llama/calibration.js';
import { getArchitecture } from './arch/registry.js';
import type { FloatCheckpoint } from './format/checkpoint.js';
import { encodeModel, modelHash, type ModelFile } from './format/format.js';
import { readFloatModel, type FloatModelFormat } from './format/import.js';
import { ParamError } from './errors.js';
import { sha256Hex } from './sha256.js';

/** How far an import is: `done` of `total` units of work (token positions through the float model). */
export interface ImportProgress {
  readonly stage: 'calibrate' | 'quantize' | 'done';
  readonly done: number;
  readonly total: number;
}

export interface ImportOptions {
  /** The tokenizer file of a llama2.c checkpoint (tokenizer.bin); a GGUF file carries its own. */
  tokenizer?: Uint8Array;
  /** meta.name (default: the architecture and the first 8 hex digits of the file's SHA-256). */
  name?: string;
  /** meta.description (default: what the model is and where it came from). */
  description?: string;
  /** Called as the work advances; calibration is almost all of it. */
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportedModel {
  readonly format: FloatModelFormat;
  readonly checkpoint: FloatCheckpoint;
  readonly file: ModelFile;
  /** The .spml bytes. */
  readonly bytes: Uint8Array;
  /** Their SHA-256: the model hash. */
  readonly hash: string;
}

const FORMAT_NAMES: Record<FloatModelFormat, string> = { llama2c: 'llama2.c checkpoint', gguf: 'GGUF file' };

/** Convert a llama2.c checkpoint or a GGUF file into a .spml model. */
export function importModel(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  const op = 'importModel';
  if (!(bytes instanceof Uint8Array)) throw new ParamError(op, 'the model must be given as a Uint8Array');
  if (options.tokenizer !== undefined && !(options.tokenizer instanceof Uint8Array)) throw new ParamError(op, 'the tokenizer must be given as a Uint8Array');
  for (const key of ['name', 'description'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') throw new ParamError(op, `${key} must be a string`);
  }
  const { format, checkpoint } = readFloatModel(bytes, { tokenizer: options.tokenizer });
  const arch = getArchitecture(checkpoint.config.arch)!;
  if (arch.task !== 'generate') throw new ParamError(op, `a ${arch.name} model cannot be imported: only language models are`);

  const { recipe, work } = plannedSampling(checkpoint, IMPORT_CALIBRATION);
  // The quantizer's own pass over the sequences counts as one position per token.
  const total = work + recipe.sequences * recipe.length;
  const report = (stage: ImportProgress['stage'], done: number) => options.onProgress?.({ stage, done, total });
  report('calibrate', 0);
  const sequences = calibrationSequences(checkpoint, recipe, (done) => report('calibrate', done));
  report('quantize', work);
  const intModel = arch.quantize(checkpoint, { sequences });

  const sha = sha256Hex(bytes);
  const parameters = parameterCount(checkpoint.config);
  const file = arch.toFile(intModel, {
    name: options.name ?? `${arch.name}-${sha.slice(0, 8)}`,
    description: options.description ?? `${arch.description}; ${parameters} parameters, imported from a ${FORMAT_NAMES[format]}, int8 weights, int16 residual stream`,
    source: FORMAT_NAMES[format],
    sourceSha256: sha,
    ...(options.tokenizer !== undefined ? { tokenizerSha256: sha256Hex(options.tokenizer) } : {}),
    calibration: describeSampling(recipe),
  });
  const out = encodeModel(file);
  report('done', total);
  return { format, checkpoint, file, bytes: out, hash: modelHash(out) };
}
