/**
 * Float models from the files people have, told apart by their first bytes: a GGUF file starts
 * with "GGUF" (engine/format/gguf_llama.ts); a llama2.c checkpoint has no magic, only its header
 * of seven int32 (engine/format/llama2c.ts), and needs its tokenizer file beside it. A .spml file
 * is already a spml model and is refused here with the reason, so a caller cannot mistake it for
 * a float checkpoint; bytes that are none of these are a ModelFormatError showing their first bytes.
 */
import { ModelFormatError, ParamError } from '../errors.js';
import type { FloatCheckpoint } from './checkpoint.js';
import { MODEL_MAGIC } from './format.js';
import { readGgufLlama } from './gguf_llama.js';
import { GGUF_MAGIC } from './gguf_types.js';
import { llama2cConfig, readLlama2c, readLlama2cHeader } from './llama2c.js';

export type FloatModelFormat = 'gguf' | 'llama2c';

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/** A llama2.c header whose seven numbers make a llama config (the file's size is checked on reading). */
function isLlama2cHeader(bytes: Uint8Array): boolean {
  try {
    llama2cConfig(readLlama2cHeader(bytes));
    return true;
  } catch (e) {
    if (e instanceof ModelFormatError) return false;
    throw e;
  }
}

/** Which format `bytes` are in, from their first bytes: a .spml file is 'spml', anything unrecognized 'unknown'. */
export function detectModelFormat(bytes: Uint8Array): FloatModelFormat | 'spml' | 'unknown' {
  if (startsWith(bytes, MODEL_MAGIC)) return 'spml';
  if (startsWith(bytes, GGUF_MAGIC)) return 'gguf';
  return isLlama2cHeader(bytes) ? 'llama2c' : 'unknown';
}

/** Read a GGUF or llama2.c file (with `tokenizer`, the bytes of its tokenizer.bin) into a float checkpoint. */
export function readFloatModel(bytes: Uint8Array, options: { tokenizer?: Uint8Array } = {}): { format: FloatModelFormat; checkpoint: FloatCheckpoint } {
  const format = detectModelFormat(bytes);
  if (format === 'spml') throw new ModelFormatError('this is a .spml model already, not a float checkpoint to import', 0, 'readFloatModel');
  if (format === 'unknown') {
    const first = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new ModelFormatError(`not a model file spml knows: it starts with [${first}], neither "SPML", "GGUF" nor a llama2.c header`, 0, 'readFloatModel');
  }
  if (format === 'gguf') {
    if (options.tokenizer) throw new ParamError('readFloatModel', 'a GGUF file carries its own tokenizer: do not give a tokenizer file with it');
    return { format, checkpoint: readGgufLlama(bytes) };
  }
  if (!options.tokenizer) throw new ParamError('readFloatModel', 'a llama2.c checkpoint needs its tokenizer file (tokenizer.bin) to become a model');
  return { format, checkpoint: readLlama2c(bytes, options.tokenizer) };
}
