/**
 * `spml import`: a llama2.c checkpoint (with --tokenizer, its tokenizer.bin) or a GGUF file →
 * a .spml model (engine/import_model.ts; docs/MODEL_FORMAT.md, "Llama"). The conversion
 * calibrates on text the float model writes, which takes a while on a large model, so it shows
 * its progress and the time left on stderr. The same file and options always give the same
 * bytes: the model hash printed here is the one `spml run --model <the same file>` reports.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parameterCount } from '../../engine/arch/config.js';
import { ParamError } from '../../engine/errors.js';
import { importModel } from '../../engine/import_model.js';
import { printFields, printJson, rounded } from './format_result.js';
import { importProgress } from './progress.js';

export interface ImportFlags {
  tokenizer?: string;
  out?: string;
  name?: string;
  json?: boolean;
}

const OP = 'import';

function readInput(what: string, path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ParamError(OP, `cannot read ${what} ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The output file by default: the input's name with .spml for its extension, in the current folder. */
export const defaultOut = (input: string) => `${basename(input, extname(input))}.spml`;

export async function importCommand(input: string, flags: ImportFlags): Promise<number> {
  const bytes = readInput('the model file', input);
  const tokenizer = flags.tokenizer === undefined ? undefined : readInput('--tokenizer', flags.tokenizer);
  const out = flags.out ?? defaultOut(input);
  const started = performance.now();
  const r = importModel(bytes, { tokenizer, name: flags.name, onProgress: importProgress(OP) });
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(out, r.bytes);
  const summary = {
    name: r.file.meta.name,
    format: r.format,
    architecture: r.file.config.arch,
    parameters: parameterCount(r.file.config),
    file: out,
    bytes: r.bytes.length,
    modelHash: r.hash,
    seconds: rounded(seconds),
  };
  if (flags.json) printJson(summary);
  else {
    printFields({
      model: `${summary.name} (${summary.architecture}, ${summary.parameters} parameters, from a ${r.format === 'gguf' ? 'GGUF file' : 'llama2.c checkpoint'})`,
      file: `${out} (${r.bytes.length} bytes)`,
      'model hash': r.hash,
      time: `${seconds.toFixed(1)} s`,
    });
  }
  return 0;
}
