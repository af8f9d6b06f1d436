/**
 * The model option of run, verify, inspect and demo: a shipped name or a .spml file as before, or
 * a llama2.c checkpoint (with --tokenizer) or a GGUF file, converted on the fly exactly as
 * `spml import` converts it (engine/import_model.ts), with its progress on stderr.
 */
import { loadModel, type SpmlModel } from '../../engine/api.js';
import { importProgress } from './progress.js';

export interface ModelFlags {
  model: string;
  tokenizer?: string;
  backend?: string;
}

export function loadFromFlags(command: string, flags: ModelFlags): Promise<SpmlModel> {
  return loadModel(flags.model, {
    ...(flags.backend !== undefined ? { backend: flags.backend } : {}),
    ...(flags.tokenizer !== undefined ? { tokenizer: flags.tokenizer } : {}),
    onProgress: importProgress(command),
  });
}
